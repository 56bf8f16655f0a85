package cmd

import (
	"errors"

	"github.com/hindsight-sre/hindsight/analyze"
	"github.com/hindsight-sre/hindsight/sources"
)

// profileRun is a loaded and validated profile with its sources built:
// what analyze, summary and schedule all start from.
type profileRun struct {
	name   string // "" for the top level
	config string // the config file's absolute path
	st     settings
	srcs   []sources.Source
	types  []string // the srcs' configured types, index by index
}

// loadProfile reads the config (the file named, or the one found), picks
// the profile and builds its sources.
func loadProfile(config, profile string) (*profileRun, error) {
	cfg, dir, err := loadConfig(config)
	if err != nil {
		return nil, err
	}
	prof, name, err := cfg.resolve(profile)
	if err != nil {
		return nil, err
	}
	st, err := prof.Validate()
	if err != nil {
		return nil, err
	}
	r := &profileRun{name: name, config: cfg.file, st: st, srcs: make([]sources.Source, 0, len(prof.Sources))}
	for _, sc := range prof.Sources {
		s, err := buildSource(sc, dir, st)
		var se *setupError
		if errors.As(err, &se) && len(prof.Sources) > 1 {
			s = brokenSource{name: sc.Name, err: se}
		} else if errors.As(err, &se) {
			return nil, &configError{err}
		} else if err != nil {
			return nil, err
		}
		r.srcs = append(r.srcs, s)
		r.types = append(r.types, sc.Type)
	}
	return r, nil
}

// options are the analysis options of the profile for window w.
func (r *profileRun) options(w sources.Window, command string) analyze.Options {
	return analyze.Options{
		Window: w, Baseline: r.st.baseline, Step: r.st.step, Lag: r.st.lag,
		Calendar: r.st.cal, Profile: r.name, Command: command, Known: r.st.known,
	}
}
