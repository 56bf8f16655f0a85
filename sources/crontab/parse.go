package crontab

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// entry is one job line.
type entry struct {
	line    int
	spec    string // the schedule as written: "0 3 * * *" or "@daily"
	user    string // system format only
	command string // up to the first unescaped %, which starts the job's stdin
	sched   cron.Schedule
	loc     *time.Location
	// wild is set when the minute or hour field starts with * (@hourly
	// too): cron runs such a job by the clock across daylight-saving
	// changes, and makes up or merges the runs of the others.
	wild bool
}

// badLine is a line that was skipped, and why.
type badLine struct {
	line   int
	reason string
}

// lineKind is what one line of a crontab is.
type lineKind int8

const (
	lineEmpty  lineKind = iota // blank or comment
	lineEnv                    // NAME=value
	lineJob                    // a schedule and a command
	lineReboot                 // @reboot: runs at boot, so no time can be predicted
)

// parsed is one line, parsed.
type parsed struct {
	kind       lineKind
	name, val  string // lineEnv
	spec, user string // lineJob
	command    string
	sched      cron.Schedule
}

// envRE is an environment setting; cron allows spaces around = and quotes
// around the value.
var envRE = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$`)

// macros are the @ schedules cron knows; @every is robfig/cron's own and
// not crontab syntax.
var macros = map[string]bool{
	"@yearly": true, "@annually": true, "@monthly": true, "@weekly": true,
	"@daily": true, "@midnight": true, "@hourly": true, "@reboot": true,
}

// parseLine reads one line of a crontab. system says whether a user field
// follows the schedule. The schedule is not bound to a zone yet.
func parseLine(s string, system bool) (parsed, error) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "\n") {
		return parsed{}, fmt.Errorf("not one line")
	}
	if s == "" || strings.HasPrefix(s, "#") {
		return parsed{kind: lineEmpty}, nil
	}
	if m := envRE.FindStringSubmatch(s); m != nil {
		return parsed{kind: lineEnv, name: m[1], val: unquote(strings.TrimSpace(m[2]))}, nil
	}
	var p parsed
	rest := s
	if strings.HasPrefix(s, "@") {
		p.spec, rest = cutField(s)
		p.spec = strings.ToLower(p.spec)
		if !macros[p.spec] {
			return p, fmt.Errorf("unknown schedule %q (want @yearly, @monthly, @weekly, @daily, @hourly, @reboot or five fields)", clip(p.spec))
		}
	} else {
		var fields [5]string
		for i := range fields {
			fields[i], rest = cutField(rest)
			if fields[i] == "" {
				return p, fmt.Errorf("%d schedule fields, want 5 (minute hour day-of-month month day-of-week) and a command", i)
			}
		}
		fields[4] = sundaySeven(fields[4])
		p.spec = strings.Join(fields[:], " ")
	}
	if p.spec != "@reboot" {
		sched, err := parser.Parse(p.spec)
		if err != nil {
			return p, fmt.Errorf("schedule %q: %v", clip(p.spec), err)
		}
		p.kind, p.sched = lineJob, sched
	} else {
		p.kind = lineReboot
	}
	if system {
		p.user, rest = cutField(rest)
		if p.user == "" {
			return parsed{}, fmt.Errorf("no user field (a system crontab names the user before the command)")
		}
	}
	p.command = command(rest)
	if p.command == "" {
		return parsed{}, fmt.Errorf("no command after the schedule %q", clip(p.spec))
	}
	return p, nil
}

// parseFile reads a whole crontab. CRON_TZ= and TZ= set the zone of the
// entries below them (cronie schedules by CRON_TZ; TZ is honoured too, as
// the common way of writing it); loc is the zone before any such line. An
// unknown zone skips the entries below it until the next zone line rather
// than predict them at the wrong hour.
func parseFile(text string, system bool, loc *time.Location) ([]entry, []badLine) {
	var (
		out    []entry
		bad    []badLine
		cur    = loc
		badTZ  = 0 // line of an unknown zone in force, 0 when none
		tzName string
	)
	for i, line := range strings.Split(text, "\n") {
		n := i + 1
		p, err := parseLine(strings.TrimSuffix(line, "\r"), system)
		if err != nil {
			bad = append(bad, badLine{n, err.Error()})
			continue
		}
		switch p.kind {
		case lineEnv:
			if p.name != "CRON_TZ" && p.name != "TZ" {
				continue
			}
			if p.val == "" {
				cur, badTZ = loc, 0
				continue
			}
			l, err := time.LoadLocation(p.val)
			if err != nil {
				bad = append(bad, badLine{n, fmt.Sprintf("%s: unknown time zone %q; the entries below it are skipped (hint: use an IANA name such as Asia/Seoul)", p.name, clip(p.val))})
				badTZ, tzName = n, p.val
				continue
			}
			cur, badTZ = l, 0
		case lineJob:
			if badTZ != 0 {
				bad = append(bad, badLine{n, fmt.Sprintf("skipped: the time zone %q of line %d is unknown", clip(tzName), badTZ)})
				continue
			}
			out = append(out, entry{line: n, spec: p.spec, user: p.user, command: p.command, sched: p.sched, loc: cur, wild: wild(p.spec)})
		}
	}
	return out, bad
}

// wild reports whether cron treats a schedule as a wildcard job: one
// whose minute or hour field starts with * (vixie cron's MIN_STAR and
// HR_STAR).
func wild(spec string) bool {
	if spec == "@hourly" {
		return true
	}
	f := strings.Fields(spec)
	return len(f) >= 2 && (strings.HasPrefix(f[0], "*") || strings.HasPrefix(f[1], "*"))
}

// cutField returns the first whitespace-separated field of s and the rest
// with its leading whitespace removed.
func cutField(s string) (field, rest string) {
	s = strings.TrimLeft(s, " \t")
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimLeft(s[i:], " \t")
}

// command is the command of a job line: up to the first unescaped %,
// which cron turns into a newline and whose rest is the job's stdin; \%
// is a literal %.
func command(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && s[i+1] == '%' {
			b.WriteByte('%')
			i++
			continue
		}
		if s[i] == '%' {
			break
		}
		b.WriteByte(s[i])
	}
	return strings.TrimSpace(b.String())
}

// sundaySeven rewrites day-of-week 7, which cron reads as Sunday and
// robfig/cron refuses, as 0: "7" becomes "0" and a range "a-7" becomes
// "a-6,0". A stepped range ending at 7 is left for the parser to refuse.
func sundaySeven(dow string) string {
	items := strings.Split(dow, ",")
	for i, it := range items {
		switch {
		case it == "7":
			items[i] = "0"
		case strings.HasSuffix(it, "-7") && !strings.Contains(it, "/"):
			if lo := strings.TrimSuffix(it, "-7"); lo == "7" {
				items[i] = "0"
			} else {
				items[i] = lo + "-6,0"
			}
		}
	}
	return strings.Join(items, ",")
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}
