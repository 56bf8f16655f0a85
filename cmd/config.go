package cmd

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/prometheus/common/model"
	"github.com/spf13/viper"

	"github.com/hindsight-sre/hindsight/analyze"
)

// Config is hindsight's configuration file. The top level is the default
// profile; each entry of Profiles is a customer with its own sources, zone
// and calendar, and inherits what it does not set from the top level.
type Config struct {
	Profile  `mapstructure:",squash"`
	Profiles map[string]Profile `mapstructure:"profiles"`
	// DefaultProfile is used when --profile is not given.
	DefaultProfile string `mapstructure:"default_profile"`
	// file is the absolute path of the file read.
	file string
}

// Profile is one customer's setup.
type Profile struct {
	Timezone      string         `mapstructure:"timezone"`
	BusinessHours BusinessHours  `mapstructure:"business_hours"`
	Holidays      []string       `mapstructure:"holidays"` // "2025-12-25" or "2025-12-25 Christmas"
	Baseline      string         `mapstructure:"baseline"` // "7d"
	Lag           string         `mapstructure:"lag"`      // how long a cause may lead its symptom
	Step          string         `mapstructure:"step"`
	SourceTimeout string         `mapstructure:"source_timeout"`
	Sources       []SourceConfig `mapstructure:"sources"`
	// HolidayCountry adds a country's public holidays ("KR", "DE-BY"),
	// HolidayICal those of an iCalendar file, KnownEvents the team's known
	// events (see cmd/known.go).
	HolidayCountry string `mapstructure:"holiday_country"`
	HolidayICal    string `mapstructure:"holiday_ical"`
	KnownEvents    string `mapstructure:"known_events"`
}

// BusinessHours are the working days and hours of a profile.
type BusinessHours struct {
	Days  []string `mapstructure:"days"`  // mon, tue, ...
	Start string   `mapstructure:"start"` // "09:00"
	End   string   `mapstructure:"end"`   // "18:00"
}

// SourceConfig is one entry of `sources:`; everything but name and type is
// handed to the backend's own Config.
type SourceConfig struct {
	Name    string         `mapstructure:"name"`
	Type    string         `mapstructure:"type"`
	Options map[string]any `mapstructure:",remain"`
}

// DefaultConfig is what hindsight assumes before reading any file.
func DefaultConfig() Config {
	return Config{Profile: Profile{
		Timezone:      "UTC",
		BusinessHours: BusinessHours{Days: []string{"mon", "tue", "wed", "thu", "fri"}, Start: "09:00", End: "18:00"},
		Baseline:      "7d",
		Lag:           "30m",
		Step:          "1m",
		SourceTimeout: "60s",
	}}
}

// configError is a mistake in the configuration: exit code 2.
type configError struct{ err error }

func (e *configError) Error() string { return e.err.Error() }
func (e *configError) Unwrap() error { return e.err }

func configErrorf(format string, a ...any) error { return &configError{fmt.Errorf(format, a...)} }

// loadConfig reads the config file (the one named, or the first found in
// the search path), then HINDSIGHT_ environment variables. It returns the
// config and the directory relative paths in it are resolved against.
func loadConfig(path string) (Config, string, error) {
	v := viper.New()
	v.SetEnvPrefix("HINDSIGHT")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	def := DefaultConfig()
	for k, val := range map[string]any{
		"timezone": def.Timezone, "baseline": def.Baseline, "lag": def.Lag, "step": def.Step,
		"source_timeout": def.SourceTimeout, "default_profile": "",
		"business_hours.days": def.BusinessHours.Days, "business_hours.start": def.BusinessHours.Start,
		"business_hours.end": def.BusinessHours.End,
	} {
		v.SetDefault(k, val)
	}
	dir := "."
	var searched []string
	if path != "" {
		v.SetConfigFile(path)
		if _, err := os.Stat(path); err != nil {
			return Config{}, "", configErrorf("config file %s: %w\nhint: check the --config path", path, errors.Unwrap(err))
		}
		if err := guardConfig(path); err != nil {
			return Config{}, "", err
		}
	} else {
		v.SetConfigName("hindsight")
		v.SetConfigType("yaml")
		searched = append(searched, ".")
		if x := os.Getenv("XDG_CONFIG_HOME"); x != "" {
			searched = append(searched, filepath.Join(x, "hindsight"))
		} else if h, err := os.UserHomeDir(); err == nil {
			searched = append(searched, filepath.Join(h, ".config", "hindsight"))
		}
		searched = append(searched, "/etc/hindsight")
		for _, d := range searched {
			v.AddConfigPath(d)
			for _, n := range []string{"hindsight", "config"} {
				for _, ext := range []string{".yaml", ".yml"} {
					if err := guardConfig(filepath.Join(d, n+ext)); err != nil && !errors.Is(err, fs.ErrNotExist) {
						return Config{}, "", err
					}
				}
			}
		}
	}
	if err := v.ReadInConfig(); err != nil {
		var nf viper.ConfigFileNotFoundError
		if path != "" || !errors.As(err, &nf) {
			return Config{}, "", configErrorf("read config: %w\n%s", err, readConfigHint(err))
		}
		// The search path has a second name: config.yaml under XDG and /etc.
		v.SetConfigName("config")
		if err := v.ReadInConfig(); err != nil && !errors.As(err, &nf) {
			return Config{}, "", configErrorf("read config: %w\n%s", err, readConfigHint(err))
		}
	}
	used := v.ConfigFileUsed()
	if _, err := os.Stat(used); used == "" || err != nil {
		// Without a file there are no sources: say where hindsight
		// looked rather than "sources: none configured".
		var where []string
		for _, d := range searched {
			where = append(where, filepath.Join(d, "hindsight.yaml"), filepath.Join(d, "config.yaml"))
		}
		return Config{}, "", configErrorf("no config file found; looked for %s\nhint: pass --config FILE, or start from the example in the README (the demo's is testdata/demo/hindsight.yaml)", strings.Join(where, ", "))
	}
	dir = filepath.Dir(used)
	var c Config
	if err := v.Unmarshal(&c, func(dc *mapstructure.DecoderConfig) { dc.ErrorUnused = true }); err != nil {
		return Config{}, "", configErrorf("config %s: %s", v.ConfigFileUsed(), decodeError(err, Config{}))
	}
	c.resolveFiles(dir)
	if abs, err := filepath.Abs(used); err == nil {
		c.file = abs
	} else {
		c.file = used
	}
	registerSecrets(c, dir)
	return c, dir, nil
}

// resolve returns the profile to use: the named one (or the default one)
// with unset fields taken from the top level.
func (c Config) resolve(name string) (Profile, string, error) {
	if name == "" {
		name = c.DefaultProfile
	}
	if name == "" {
		return c.Profile, "", nil
	}
	p, ok := c.Profiles[name]
	if !ok {
		names := make([]string, 0, len(c.Profiles))
		for n := range c.Profiles {
			names = append(names, n)
		}
		slices.Sort(names)
		if len(names) == 0 {
			return Profile{}, "", configErrorf("unknown profile %q: the config has no profiles\nhint: leave out --profile to use the top level, or add profiles: {%s: {...}} to the config", name, name)
		}
		return Profile{}, "", configErrorf("unknown profile %q\nhint: the config has profiles: %s", name, strings.Join(names, ", "))
	}
	top := c.Profile
	if p.Timezone == "" {
		p.Timezone = top.Timezone
	}
	if len(p.BusinessHours.Days) == 0 {
		p.BusinessHours.Days = top.BusinessHours.Days
	}
	if p.BusinessHours.Start == "" {
		p.BusinessHours.Start = top.BusinessHours.Start
	}
	if p.BusinessHours.End == "" {
		p.BusinessHours.End = top.BusinessHours.End
	}
	if p.Holidays == nil {
		p.Holidays = top.Holidays
	}
	for _, f := range []struct {
		dst *string
		src string
	}{
		{&p.Baseline, top.Baseline}, {&p.Lag, top.Lag}, {&p.Step, top.Step}, {&p.SourceTimeout, top.SourceTimeout},
		{&p.HolidayCountry, top.HolidayCountry}, {&p.HolidayICal, top.HolidayICal}, {&p.KnownEvents, top.KnownEvents},
	} {
		if *f.dst == "" {
			*f.dst = f.src
		}
	}
	if p.Sources == nil {
		p.Sources = top.Sources
	}
	return p, name, nil
}

// settings are a validated profile in the types the rest of the program uses.
type settings struct {
	loc           *time.Location
	cal           analyze.Calendar
	baseline, lag time.Duration
	step          time.Duration
	sourceTimeout time.Duration
	known         []analyze.KnownEvent // for analyze.Options
}

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

// Validate checks the profile and names the bad key and value.
func (p Profile) Validate() (settings, error) {
	var s settings
	var err error
	if s.loc, err = time.LoadLocation(p.Timezone); err != nil || p.Timezone == "" {
		return s, configErrorf("timezone: unknown time zone %q\nhint: use an IANA name such as Asia/Seoul, Europe/Berlin or UTC", p.Timezone)
	}
	s.cal = analyze.Calendar{Location: s.loc, Holidays: map[string]string{}}
	if err := p.calendarFiles(&s); err != nil {
		return s, err
	}
	for _, d := range p.BusinessHours.Days {
		wd, ok := weekdays[strings.ToLower(strings.TrimSpace(d))[:min(3, len(strings.TrimSpace(d)))]]
		if !ok {
			return s, configErrorf("business_hours.days: unknown day %q\nhint: use mon, tue, wed, thu, fri, sat, sun", d)
		}
		s.cal.WorkDays[wd] = true
	}
	if s.cal.DayStart, err = clock(p.BusinessHours.Start); err != nil {
		return s, configErrorf("business_hours.start: %v", err)
	}
	if s.cal.DayEnd, err = clock(p.BusinessHours.End); err != nil {
		return s, configErrorf("business_hours.end: %v", err)
	}
	if s.cal.DayEnd <= s.cal.DayStart {
		return s, configErrorf("business_hours: end %q is not after start %q", p.BusinessHours.End, p.BusinessHours.Start)
	}
	for _, h := range p.Holidays {
		date, name, _ := strings.Cut(strings.TrimSpace(h), " ")
		if _, err := time.Parse(time.DateOnly, date); err != nil {
			return s, configErrorf("holidays: %q is not a date\nhint: write holidays as 2025-12-25, optionally followed by a name", h)
		}
		if name == "" {
			name = "holiday"
		}
		s.cal.Holidays[date] = strings.TrimSpace(name)
	}
	for _, f := range []struct {
		key string
		val string
		dst *time.Duration
	}{{"baseline", p.Baseline, &s.baseline}, {"lag", p.Lag, &s.lag}, {"step", p.Step, &s.step}, {"source_timeout", p.SourceTimeout, &s.sourceTimeout}} {
		d, err := parseDuration(f.val)
		if err != nil || d <= 0 {
			return s, configErrorf("%s: %q is not a positive duration\nhint: write durations like 30s, 15m, 2h or 7d", f.key, f.val)
		}
		*f.dst = d
	}
	if s.step < time.Second {
		return s, configErrorf("step: %q is shorter than a second", p.Step)
	}
	if len(p.Sources) == 0 {
		return s, configErrorf("sources: none configured\nhint: add a list under sources:, e.g. {name: kuma, type: kuma, path: kuma.db}")
	}
	seen := map[string]bool{}
	for i, sc := range p.Sources {
		if sc.Name == "" {
			return s, configErrorf("sources[%d]: missing name", i)
		}
		if seen[sc.Name] {
			return s, configErrorf("sources[%d]: name %q used twice", i, sc.Name)
		}
		seen[sc.Name] = true
		if !slices.Contains(sourceTypes, sc.Type) {
			return s, configErrorf("sources[%d] (%s): unknown type %q\nhint: use one of %s", i, sc.Name, sc.Type, strings.Join(sourceTypes, ", "))
		}
	}
	return s, nil
}

func clock(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		if s == "24:00" {
			return 24 * time.Hour, nil
		}
		return 0, fmt.Errorf("%q is not a time of day (want HH:MM)", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// errTooLong is a duration past what time.Duration holds: the window it
// asks for is refused (fitWindow), so it says so rather than "not a
// duration".
var errTooLong = fmt.Errorf("longer than the %d years hindsight reads at once", int(maxSpan/(365*24*time.Hour)))

// parseDuration reads a duration as Prometheus writes them
// (model.ParseDuration: "90s", "1h30m", "7d", "2w", "1y", units largest
// first), with a leading "-" for the past; Go's own forms ("1.5h", "500us")
// are accepted as well, so that nothing that worked before stops working.
// A bare number other than 0 is refused: "2" could be hours or days.
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return 0, errors.New("empty duration")
	}
	if s[0] == '-' || s[0] == '+' {
		return 0, fmt.Errorf("not a valid duration string: %q", s)
	}
	d, err := model.ParseDuration(s)
	if err != nil {
		gd, gerr := time.ParseDuration(s)
		if gerr != nil {
			if strings.Contains(err.Error(), "out of range") {
				return 0, errTooLong
			}
			return 0, err
		}
		d = model.Duration(gd)
	}
	if neg {
		return -time.Duration(d), nil
	}
	return time.Duration(d), nil
}
