package logs

// The AWS log formats (alb.go, cloudfront.go, ...), read from S3 (see
// s3.go) or from files.

// awsFormats are the AWS formats by name, with their aliases, for
// Config.Format.
var awsFormats = map[string]string{
	FormatALB: FormatALB, "nlb": FormatALB, FormatELB: FormatELB,
}

// awsParser makes the parser of an AWS format; nil for other names.
func awsParser(name string, e parserEnv) lineParser {
	switch name {
	case FormatALB, FormatELB:
		return newALBParser(name, e.lazy)
	}
	return nil
}

// awsCandidates are the AWS formats detection tries, after the others:
// their lines are unlike any other format's.
func awsCandidates(e parserEnv) []lineParser {
	return []lineParser{awsParser(FormatALB, e), awsParser(FormatELB, e)}
}
