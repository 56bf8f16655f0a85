package cmd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/hindsight-sre/hindsight/analyze"
	"github.com/hindsight-sre/hindsight/analyze/holiday"
	"github.com/hindsight-sre/hindsight/internal/lines"
)

// The files a profile names for its calendar and its known events:
//
//	holiday_country: KR            # built-in public holidays (KR, DE, DE-BY, US, ...)
//	holiday_ical: holidays.ics     # an iCalendar file, e.g. the office's
//	known_events: known-events.yaml
//
// Relative paths are read next to the config file. Holidays add up: the
// country's, then the iCalendar file's, then the `holidays:` list, a later
// one renaming a date an earlier one had.

// Holidays are tabulated over these years: far wider than any window a
// report asks about, and cheap (a few thousand dates).
const holidayFirstYear, holidayLastYear = 2000, 2050

// resolveFiles makes the file keys of every profile absolute against dir,
// the config file's directory, as buildSource does for sources.
func (c *Config) resolveFiles(dir string) {
	abs := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	abs(&c.HolidayICal)
	abs(&c.KnownEvents)
	for name, p := range c.Profiles {
		abs(&p.HolidayICal)
		abs(&p.KnownEvents)
		c.Profiles[name] = p
	}
}

// calendarFiles adds the profile's country and iCalendar holidays to
// s.cal and reads its known events into s.known. s.loc must be set.
func (p Profile) calendarFiles(s *settings) error {
	from := time.Date(holidayFirstYear, 1, 1, 0, 0, 0, 0, s.loc)
	to := time.Date(holidayLastYear, 12, 31, 0, 0, 0, 0, s.loc)
	if p.HolidayCountry != "" {
		hs, err := holiday.ForCountry(p.HolidayCountry, from, to)
		if err != nil {
			return configErrorf("holiday_country: %w", err)
		}
		for d, n := range hs {
			s.cal.Holidays[d] = n
		}
	}
	if p.HolidayICal != "" {
		hs, err := readICal(p.HolidayICal, s.loc, from, to)
		if err != nil {
			return configErrorf("holiday_ical: %w", err)
		}
		for d, n := range hs {
			s.cal.Holidays[d] = n
		}
	}
	if p.KnownEvents != "" {
		ks, err := loadKnownEvents(p.KnownEvents, s.loc)
		if err != nil {
			return configErrorf("known_events: %w", err)
		}
		s.known = ks
	}
	return nil
}

// pathError adds the hint for a file that could not be opened; a FIFO, a
// device or a file too large already carries its own.
func pathError(err error) error {
	var nr *lines.NotRegularError
	var tl *lines.TooLargeError
	if errors.As(err, &nr) || errors.As(err, &tl) {
		return err
	}
	return fmt.Errorf("%w\nhint: check the path; a relative one is read next to the config file", err)
}

func readICal(path string, loc *time.Location, from, to time.Time) (map[string]string, error) {
	// Whole and bounded: a FIFO would block, a device never end, and a
	// calendar cut at a limit would silently lose its later holidays.
	b, err := lines.ReadFile(path, lines.MaxConfigFile)
	if err != nil {
		return nil, pathError(err)
	}
	evs, err := holiday.ParseICS(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return holiday.ICalHolidays(evs, loc, from, to), nil
}

// knownEntry is one entry of known-events.yaml.
type knownEntry struct {
	Name     string `yaml:"name"`
	Schedule string `yaml:"schedule"`
	Pattern  string `yaml:"pattern"`
	Effect   string `yaml:"effect"`
	Source   string `yaml:"source"`
}

// loadKnownEvents reads a known-events file, a YAML list:
//
//	# known-events.yaml
//	- name: nightly backup
//	  schedule: "0 3 * * *"      # a cron spec, in the profile's zone
//	  pattern: 'backup-db\.sh'    # or (and) a regexp on the event's title
//	  effect: disk IO and latency up for ~20 min
//	  source: syslog              # optional: only events of this source
//
// Each entry needs a name and a schedule or a pattern. Unknown keys are
// errors, so a typo does not silently match nothing.
func loadKnownEvents(path string, loc *time.Location) ([]analyze.KnownEvent, error) {
	b, err := lines.ReadFile(path, lines.MaxConfigFile)
	if err != nil {
		return nil, pathError(err)
	}
	ks, err := parseKnownEvents(b, loc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ks, nil
}

// yamlQuoted is the start of a value the YAML decoder quotes in a type
// error; fieldRE its "field X not found in type T".
var (
	yamlQuoted = regexp.MustCompile("!!(\\w+) `[^`]*`")
	yamlField  = regexp.MustCompile(`field (\S+) not found in type \S+`)
)

// yamlError says what was wrong without quoting the file: a file named by
// mistake (a key, a password file) must not have its first characters
// echoed to the terminal or a log.
func yamlError(err error) string {
	s := strings.TrimPrefix(err.Error(), "yaml: ")
	s = strings.ReplaceAll(s, "unmarshal errors:\n  ", "")
	s = yamlQuoted.ReplaceAllString(s, "a $1 (not shown)")
	s = strings.ReplaceAll(s, " into []cmd.knownEntry", " into a list of entries")
	s = yamlField.ReplaceAllStringFunc(s, func(m string) string {
		k := yamlField.FindStringSubmatch(m)[1]
		if len(k) > 32 || strings.ContainsFunc(k, func(r rune) bool {
			return !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
		}) {
			return "an unknown key (not shown)"
		}
		return "unknown key " + k
	})
	return s
}

func parseKnownEvents(b []byte, loc *time.Location) ([]analyze.KnownEvent, error) {
	const hint = "\nhint: write a list of entries with name, schedule (cron spec) or pattern (regexp), effect and optional source"
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var entries []knownEntry
	if err := dec.Decode(&entries); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s%s", yamlError(err), hint)
	}
	out := make([]analyze.KnownEvent, 0, len(entries))
	for i, e := range entries {
		k := analyze.KnownEvent{
			Name: strings.TrimSpace(e.Name), Schedule: strings.TrimSpace(e.Schedule), Pattern: e.Pattern,
			Effect: strings.TrimSpace(e.Effect), Source: strings.TrimSpace(e.Source), Location: loc,
		}
		if err := k.Check(); err != nil {
			return nil, fmt.Errorf("entry %d: %w%s", i+1, err, hint)
		}
		out = append(out, k)
	}
	return out, nil
}
