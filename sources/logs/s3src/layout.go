// Package s3src finds the log objects of a time window in an S3 bucket
// and streams them, for the logs source (`paths: ["s3://bucket/prefix/"]`).
//
// AWS services write their logs under fixed key schemes, and every scheme
// puts a time in the key: a dated directory (yyyy/mm/dd/) and a stamp in
// the object's name (ALB's end time 20251120T0305Z, CloudFront's hour
// 2025-11-20-03). A Layout describes one scheme; List uses it to ask S3
// only for the keys whose names put them in the window, widened by how
// late the service delivers, never for the whole bucket:
//
//   - the dated directories of the window are listed, not their parents;
//   - inside a directory, keys sort by stream (a load balancer, a
//     distribution, a web ACL), then by stamp; List skips through them
//     with StartAfter: from a stream's first key to its first key in the
//     window, and from its first key past the window to the next stream.
//     So a listing costs one request per stream and directory plus one per
//     thousand keys in the window.
//
// Segments written "*" in a layout's template (the account, the region)
// are found by listing with a delimiter: one request per level.
//
// Objects are read as streams (Open); the logs source inflates gzip as it
// reads, nothing is written to disk.
package s3src

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Layout is one key scheme.
type Layout struct {
	Name string
	// Tmpl is the key's path after the configured prefix and before the
	// dated directories, one segment an entry; a segment with '*' is a
	// pattern (path.Match) matched by listing. When the configured prefix
	// already holds Tmpl's first segment (AWSLogs), the segments after it
	// stand for Tmpl's first ones, position by position.
	Tmpl []string
	// Dir is the Go time layout of the dated directories ("2006/01/02/"),
	// DirStep their period; "" when keys are not in dated directories.
	Dir     string
	DirStep time.Duration
	// Stamp finds the time in a key (relative to its directory): the
	// first group, in StampLayout (UTC). Keys without one are passed over.
	Stamp       *regexp.Regexp
	StampLayout string
	// An object whose stamp is s holds lines from s-Before to s+After:
	// the period it covers and how late the service delivers.
	Before, After time.Duration
	// Format is the log format of the objects, "" when it is detected
	// from their lines.
	Format string
}

// Formats the layouts' objects are written in (the logs source's names).
const (
	FormatALB        = "alb"
	FormatELB        = "elb"
	FormatNLB        = "nlb"
	FormatCloudFront = "cloudfront"
	FormatS3Access   = "s3access"
	FormatCloudTrail = "cloudtrail"
	FormatVPCFlow    = "vpcflow"
	FormatWAF        = "waf"
)

var (
	stampMinuteZ = regexp.MustCompile(`_(\d{8}T\d{4}Z)_`)
	stampS3      = regexp.MustCompile(`(\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})-[0-9A-Za-z]+$`)
)

// layouts are the presets, by name. Delivery delays are from AWS's
// documentation of each service; each says where.
var layouts = map[string]*Layout{
	// ALB and NLB: a file per load balancer node every 5 minutes, named
	// by the end of its period; ELB logs a request when it is answered,
	// so a long request is in a later file than its start: 5 minutes
	// more. "AWSLogs/<account>/elasticloadbalancing/<region>/yyyy/mm/dd/
	// <account>_elasticloadbalancing_<region>_app.<name>.<id>_<yyyymmddThhmmZ>_<ip>_<random>.log.gz"
	"alb": {Name: "alb", Tmpl: []string{"AWSLogs", "*", "elasticloadbalancing", "*"},
		Dir: "2006/01/02/", DirStep: 24 * time.Hour, Stamp: stampMinuteZ, StampLayout: "20060102T1504Z",
		Before: 10 * time.Minute, After: 2 * time.Minute, Format: FormatALB},
	"nlb": {Name: "nlb", Tmpl: []string{"AWSLogs", "*", "elasticloadbalancing", "*"},
		Dir: "2006/01/02/", DirStep: 24 * time.Hour, Stamp: stampMinuteZ, StampLayout: "20060102T1504Z",
		Before: 10 * time.Minute, After: 2 * time.Minute, Format: FormatNLB},
	// Classic ELB: every 5 or 60 minutes (the user's choice, not in the
	// key): take the longer.
	"elb": {Name: "elb", Tmpl: []string{"AWSLogs", "*", "elasticloadbalancing", "*"},
		Dir: "2006/01/02/", DirStep: 24 * time.Hour, Stamp: stampMinuteZ, StampLayout: "20060102T1504Z",
		Before: 65 * time.Minute, After: 2 * time.Minute, Format: FormatELB},
	// CloudFront standard logs: "<prefix>/<distribution>.YYYY-MM-DD-HH.<id>.gz";
	// the hour is when the requests occurred, late entries included (the
	// service guide, "Timing of log file delivery").
	"cloudfront": {Name: "cloudfront", Stamp: regexp.MustCompile(`\.(\d{4}-\d{2}-\d{2}-\d{2})\.`),
		StampLayout: "2006-01-02-15", Before: 5 * time.Minute, After: 65 * time.Minute, Format: FormatCloudFront},
	// S3 server access logs: "<TargetPrefix>YYYY-mm-DD-HH-MM-SS-<unique>",
	// named when delivered; "most records are delivered within a few
	// hours" (S3 user guide): 3 hours back.
	"s3access": {Name: "s3access", Stamp: stampS3, StampLayout: "2006-01-02-15-04-05",
		Before: 3 * time.Hour, After: 5 * time.Minute, Format: FormatS3Access},
	// The date-partitioned form: "<TargetPrefix><account>/<region>/<bucket>/YYYY/MM/DD/YYYY-MM-DD-hh-mm-ss-<unique>".
	"s3access-partitioned": {Name: "s3access-partitioned", Tmpl: []string{"*", "*", "*"},
		Dir: "2006/01/02/", DirStep: 24 * time.Hour, Stamp: stampS3, StampLayout: "2006-01-02-15-04-05",
		Before: 3 * time.Hour, After: 5 * time.Minute, Format: FormatS3Access},
	// CloudTrail: "AWSLogs/<account>/CloudTrail/<region>/yyyy/mm/dd/<account>_CloudTrail_<region>_<yyyymmddThhmmZ>_<unique>.json.gz",
	// "on average within about 5 minutes of an API call, not guaranteed"
	// (CloudTrail user guide): 20 minutes.
	"cloudtrail": {Name: "cloudtrail", Tmpl: []string{"AWSLogs", "*", "CloudTrail", "*"},
		Dir: "2006/01/02/", DirStep: 24 * time.Hour, Stamp: stampMinuteZ, StampLayout: "20060102T1504Z",
		Before: 20 * time.Minute, After: 5 * time.Minute, Format: FormatCloudTrail},
	// VPC Flow Logs: "AWSLogs/<account>/vpcflowlogs/<region>/yyyy/mm/dd/<account>_vpcflowlogs_<region>_<flow-log-id>_<yyyymmddThhmmZ>_<hash>.log.gz",
	// published every 5 minutes, records aggregated over up to 10.
	"vpcflow": {Name: "vpcflow", Tmpl: []string{"AWSLogs", "*", "vpcflowlogs", "*"},
		Dir: "2006/01/02/", DirStep: 24 * time.Hour, Stamp: stampMinuteZ, StampLayout: "20060102T1504Z",
		Before: 20 * time.Minute, After: 5 * time.Minute, Format: FormatVPCFlow},
	// The Hive-compatible prefixes (with or without hour=HH/ under the
	// day: listing a day takes its hours too).
	"vpcflow-hive": {Name: "vpcflow-hive", Tmpl: []string{"AWSLogs", "aws-account-id=*", "aws-service=vpcflowlogs", "aws-region=*"},
		Dir: "year=2006/month=01/day=02/", DirStep: 24 * time.Hour, Stamp: stampMinuteZ, StampLayout: "20060102T1504Z",
		Before: 20 * time.Minute, After: 5 * time.Minute, Format: FormatVPCFlow},
	// AWS WAF: "AWSLogs/<account>/WAFLogs/<region>/<web-acl>/YYYY/MM/dd/HH/mm/<account>_waflogs_<region>_<web-acl>_<yyyymmddThhmmZ>_<hash>.log.gz",
	// a file every 5 minutes.
	"waf": {Name: "waf", Tmpl: []string{"AWSLogs", "*", "WAFLogs", "*", "*"},
		Dir: "2006/01/02/15/", DirStep: time.Hour, Stamp: stampMinuteZ, StampLayout: "20060102T1504Z",
		Before: 10 * time.Minute, After: 5 * time.Minute, Format: FormatWAF},
	// Firehose to S3: "<prefix>YYYY/MM/dd/HH/<stream>-<version>-YYYY-MM-dd-HH-MM-SS-<uuid>",
	// stamped with the first record's arrival; a file buffers up to 900 s.
	"firehose": {Name: "firehose", Dir: "2006/01/02/15/", DirStep: time.Hour,
		Stamp: regexp.MustCompile(`-(\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})-`), StampLayout: "2006-01-02-15-04-05",
		Before: 5 * time.Minute, After: 20 * time.Minute},
}

// Aliases of layout names.
var aliases = map[string]string{"application": "alb", "classic": "elb", "cloudfront-logs": "cloudfront",
	"s3": "s3access", "s3-access": "s3access", "s3access-date": "s3access-partitioned", "flowlogs": "vpcflow",
	"vpc": "vpcflow", "vpcflow-hive-compatible": "vpcflow-hive", "kinesis-firehose": "firehose"}

// LayoutNames lists the presets.
func LayoutNames() []string {
	var out []string
	for n := range layouts {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// LookupLayout returns the preset named name ("" gives nil: no layout).
func LookupLayout(name string) (*Layout, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "" || n == "none" {
		return nil, nil
	}
	if a, ok := aliases[n]; ok {
		n = a
	}
	if l := layouts[n]; l != nil {
		return l, nil
	}
	return nil, fmt.Errorf("unknown layout %q; hint: use one of %s, or leave it out to read every object under the prefix written since the window began", name, strings.Join(LayoutNames(), ", "))
}

// span is the range of stamps whose objects may hold lines of [from, to).
func (l *Layout) span(from, to time.Time) (lo, hi time.Time) {
	return from.Add(-l.After), to.Add(l.Before)
}

// dirs are the dated directories that hold stamps in [lo, hi], oldest
// first. A directory is dated by its stamps, give or take the clock of the
// writer: an hour either side is listed too.
func (l *Layout) dirs(lo, hi time.Time) []string {
	if l.Dir == "" {
		return []string{""}
	}
	lo, hi = lo.Add(-time.Hour).UTC(), hi.Add(time.Hour).UTC()
	var out []string
	d := lo.Truncate(l.DirStep)
	if l.DirStep == 24*time.Hour {
		d = time.Date(lo.Year(), lo.Month(), lo.Day(), 0, 0, 0, 0, time.UTC)
	}
	for ; !d.After(hi); d = d.Add(l.DirStep) {
		out = append(out, d.Format(l.Dir))
	}
	return out
}

// stamp finds the stamp of a key relative to its directory: the stream
// (what precedes the stamp), the time and the stamp's text.
func (l *Layout) stamp(rel string) (stream string, t time.Time, ok bool) {
	m := l.Stamp.FindStringSubmatchIndex(rel)
	if m == nil || m[2] < 0 {
		return "", time.Time{}, false
	}
	t, err := time.Parse(l.StampLayout, rel[m[2]:m[3]])
	if err != nil {
		return "", time.Time{}, false
	}
	return rel[:m[2]], t, true
}

// bases joins the configured prefix with the layout's template: the
// segments the prefix already names (from the template's first literal,
// AWSLogs, on) are not added again. Segments with '*' are left for
// listing.
func (l *Layout) bases(prefix string) []string {
	if len(l.Tmpl) == 0 {
		return []string{prefix}
	}
	segs := strings.Split(strings.Trim(prefix, "/"), "/")
	if prefix == "" || strings.Trim(prefix, "/") == "" {
		segs = nil
	}
	rest := l.Tmpl
	for i, s := range segs {
		if s == l.Tmpl[0] && !strings.Contains(s, "*") {
			given := len(segs) - i
			if given >= len(l.Tmpl) {
				rest = nil
			} else {
				rest = l.Tmpl[given:]
			}
			break
		}
	}
	p := strings.Join(segs, "/")
	if p != "" {
		p += "/"
	}
	for _, s := range rest {
		p += s + "/"
	}
	return []string{p}
}
