package cmd

import (
	"context"
	"io"

	"github.com/hindsight-sre/hindsight/analyze"
	"github.com/hindsight-sre/hindsight/sources"
)

// Load fetches what `hindsight analyze --config config --profile profile
// --from w.From --to w.To` would fetch, through the same config, sources
// and window fitting, and returns it with the analysis options of the
// profile. It is for tools that measure the analysis on generated data
// through the user's own path (internal/incidentgen) rather than through
// datasets built in memory.
func Load(ctx context.Context, config, profile string, w sources.Window) (*sources.Dataset, analyze.Options, error) {
	r, err := loadProfile(config, profile)
	if err != nil {
		return nil, analyze.Options{}, err
	}
	ds, err := r.fetch(ctx, w, newProgress(io.Discard, len(r.srcs)))
	if err != nil {
		return nil, analyze.Options{}, err
	}
	return ds, r.options(w, ""), nil
}

// fetch reads every source of the profile for window w and its baseline
// (the step widened when the span needs it, with a note saying so).
func (r *profileRun) fetch(ctx context.Context, w sources.Window, p *progress) (*sources.Dataset, error) {
	step, note, err := fitWindow(sources.Window{From: w.From.Add(-r.st.baseline), To: w.To}, r.st.step)
	if err != nil {
		return nil, err
	}
	r.st.step = step
	fetch := sources.Window{From: w.From.Add(-r.st.baseline).Truncate(r.st.step), To: w.To}
	ds, err := fetchAll(ctx, p.wrap(r.srcs), fetch, r.st.step, r.st.sourceTimeout)
	if err != nil {
		return nil, err
	}
	if note != "" {
		ds.Notes = append(ds.Notes, note)
	}
	return ds, nil
}
