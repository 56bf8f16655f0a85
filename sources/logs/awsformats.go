package logs

// The AWS log formats (alb.go, cloudfront.go, s3access.go, vpcflow.go,
// waf.go, cloudtrail.go), read from S3 (see s3.go) or from files.

import "bytes"

// awsFormats are the AWS formats by name, with their aliases, for
// Config.Format.
var awsFormats = map[string]string{
	FormatALB: FormatALB, FormatELB: FormatELB, FormatNLB: FormatNLB,
	FormatCloudFront: FormatCloudFront,
	FormatS3Access:   FormatS3Access, "s3-access": FormatS3Access,
	FormatVPCFlow: FormatVPCFlow, "flowlogs": FormatVPCFlow,
	FormatWAF:        FormatWAF,
	FormatCloudTrail: FormatCloudTrail,
}

// awsParser makes the parser of an AWS format; nil for other names (and
// for CloudTrail, whose files are documents, not lines: cloudtrail.go).
func awsParser(name string, e parserEnv) lineParser {
	switch name {
	case FormatALB, FormatELB:
		return newALBParser(name, e.lazy)
	case FormatNLB:
		return newNLBParser(e.lazy)
	case FormatCloudFront:
		return newCloudFrontParser(e.lazy)
	case FormatS3Access:
		return newS3AccessParser(e.lazy)
	case FormatVPCFlow:
		return newVPCFlowParser(e.lazy)
	case FormatWAF:
		return newWAFParser(e.lazy)
	}
	return nil
}

// awsCandidates are the AWS formats detection tries.
func awsCandidates(e parserEnv) []lineParser {
	var out []lineParser
	for _, n := range []string{FormatALB, FormatELB, FormatNLB, FormatCloudFront, FormatS3Access, FormatVPCFlow, FormatWAF} {
		out = append(out, awsParser(n, e))
	}
	return out
}

// splitFields cuts line at sep into the first len(dst) fields (any after
// them are ignored) and returns how many it filled: fewer than len(dst)
// when the line is short. The fields alias line.
func splitFields(dst [][]byte, line []byte, sep byte) int {
	n := 0
	for b := line; n < len(dst); {
		i := bytes.IndexByte(b, sep)
		if i < 0 {
			dst[n] = b
			return n + 1
		}
		dst[n], b = b[:i], b[i+1:]
		n++
	}
	return n
}
