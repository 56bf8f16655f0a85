package logs

import (
	"fmt"
	"strings"
	"time"
)

// formatSpec is a checked Config.Format: a name, a header pattern, or an
// nginx log_format. It makes a fresh parser per file, so that no state
// (a guessed year, a layout) crosses from one file to the next.
type formatSpec struct {
	name   string // "" to detect per file
	header string
	nginx  string
	apache bool // an access log Apache writes (named "apache"; see accessKindOf)
}

// formatNames are the names Config.Format takes, with their aliases.
var formatNames = map[string]string{
	"": "", "auto": "",
	FormatNginx: FormatNginx, "apache": FormatNginx, "combined": FormatNginx, "access": FormatNginx, "common": FormatNginx,
	FormatSyslog: FormatSyslog, "rfc3164": FormatSyslog, "rfc5424": FormatSyslog,
	FormatJSON: FormatJSON, "jsonl": FormatJSON, "ndjson": FormatJSON, "journald": FormatJSON, "journal": FormatJSON,
	FormatLogfmt: FormatLogfmt,
	FormatJava:   FormatJava, "spring": FormatJava, "logback": FormatJava, "log4j": FormatJava,
	FormatGeneric: FormatGeneric,
}

const formatHint = "hint: use nginx, syslog, json, logfmt, java or generic (or, for AWS logs, alb, elb, cloudfront, s3access, vpcflow, waf, cloudtrail), an nginx log_format or Apache LogFormat string, a header pattern such as '<Date> <Time> <Level> <Content>', a regular expression with (?P<Content>...), or leave it empty to detect"

// CheckFormat reports whether s is a format Config.Format and Mine take,
// with a hint when it is not.
func CheckFormat(s string) error {
	_, err := parseFormat(s)
	return err
}

func parseFormat(s string) (formatSpec, error) {
	if n, ok := awsFormats[strings.ToLower(strings.TrimSpace(s))]; ok {
		return formatSpec{name: n}, nil
	}
	if n, ok := formatNames[strings.ToLower(strings.TrimSpace(s))]; ok {
		return formatSpec{name: n, apache: strings.EqualFold(strings.TrimSpace(s), "apache")}, nil
	}
	switch {
	case looksLikeApacheFormat(s) && !strings.Contains(s, "<"):
		n, err := apacheToNginx(s)
		if err != nil {
			return formatSpec{}, err
		}
		if _, err := parseNginxFormat(n); err != nil {
			return formatSpec{}, fmt.Errorf("%w (from the Apache LogFormat %q)", err, s)
		}
		return formatSpec{name: FormatNginx, nginx: n, apache: true}, nil
	case looksLikeNginxFormat(s):
		if _, err := parseNginxFormat(s); err != nil {
			return formatSpec{}, err
		}
		return formatSpec{name: FormatNginx, nginx: s}, nil
	case looksLikeHeaderFormat(s):
		if _, err := parseHeaderFormat(s); err != nil {
			return formatSpec{}, err
		}
		return formatSpec{name: FormatHeader, header: s}, nil
	}
	return formatSpec{}, fmt.Errorf("unknown format %q; %s", s, formatHint)
}

// parserEnv is what a parser needs to know of its source.
type parserEnv struct {
	lazy bool // parsers fill views, not strings (Record.msg)
	loc  *time.Location
	ref  time.Time // year-less stamps are placed near it (the window's end)
	// notAfter, when set, is when the file was last written (or now):
	// a year-less stamp never gets a year that puts it after it (see
	// yearLimit).
	notAfter time.Time
	fields   Fields
}

// zoneSlack is how far past notAfter a year-less stamp may fall and keep
// its year: a stamp read in the wrong zone moves by up to 26 hours (UTC-12
// against UTC+14), which is no reason to put it a year earlier. A stamp
// later than that cannot be from this year: the file was not written yet.
const zoneSlack = 26 * time.Hour

// yearLimit is the latest instant a year-less stamp may be placed at:
// a week past the window's end (a line slightly after the window keeps the
// window's year), but never past the file's last write (or now) by more
// than zoneSlack.
func yearLimit(ref, notAfter time.Time) time.Time {
	l := ref.Add(7 * 24 * time.Hour)
	if !notAfter.IsZero() && notAfter.Add(zoneSlack).Before(l) {
		l = notAfter.Add(zoneSlack)
	}
	return l
}

// parser makes the parser for one file; nil means detect.
func (f formatSpec) parser(e parserEnv) lineParser {
	switch {
	case f.header != "":
		h, _ := parseHeaderFormat(f.header) // checked by parseFormat
		h.stamps = newStampParser(e.loc, e.ref)
		h.stamps.notAfter = e.notAfter
		return h
	case f.nginx != "":
		n, _ := parseNginxFormat(f.nginx)
		n.apache = f.apache
		return n
	}
	switch f.name {
	case FormatNginx:
		return nginxParser{c: &nginxCache{}, lazy: e.lazy, apache: f.apache}
	case FormatSyslog:
		p := newSyslogParser(e.loc, e.ref)
		p.lazy, p.notAfter = e.lazy, e.notAfter
		return p
	case FormatJSON, FormatLogfmt:
		p := newStructParser(f.name, e.fields, e.loc, e.ref)
		p.lazy = e.lazy
		p.stamps.notAfter = e.notAfter
		return p
	case FormatJava, FormatGeneric:
		p := newStampedParser(f.name, e.loc, e.ref)
		p.lazy = e.lazy
		p.stamps.notAfter = e.notAfter
		return p
	}
	return awsParser(f.name, e)
}

// candidates are the parsers detection tries, in order of preference
// when two understand as many lines.
func candidates(e parserEnv) []lineParser {
	var ps []lineParser
	ps = append(ps, formatSpec{name: FormatNginx}.parser(e))
	// The AWS formats before syslog and the catch-alls: a classic ELB
	// line also reads as an RFC 3339 syslog line, and better as what it
	// is; their fields are strict enough (status codes, times of -1 or
	// with a fraction, a quoted request) to refuse other lines.
	ps = append(ps, awsCandidates(e)...)
	for _, n := range []string{FormatSyslog, FormatJSON, FormatLogfmt, FormatJava, FormatGeneric} {
		ps = append(ps, formatSpec{name: n}.parser(e))
	}
	return ps
}
