package cmd

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"golang.org/x/sync/errgroup"

	"github.com/hindsight-sre/hindsight/internal/redact"
	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/cloudwatch"
	"github.com/hindsight-sre/hindsight/sources/crontab"
	"github.com/hindsight-sre/hindsight/sources/file"
	"github.com/hindsight-sre/hindsight/sources/kuma"
	"github.com/hindsight-sre/hindsight/sources/logs"
	"github.com/hindsight-sre/hindsight/sources/loki"
	"github.com/hindsight-sre/hindsight/sources/prometheus"
	"github.com/hindsight-sre/hindsight/sources/statuspage"
	"github.com/hindsight-sre/hindsight/sources/victorialogs"
	"github.com/hindsight-sre/hindsight/sources/zabbix"
)

// sourceTypes are the values `type:` takes in a source entry.
var sourceTypes = []string{"kuma", "logs", "file", "prometheus", "zabbix", "crontab", "cloudwatch", "statuspage", "victorialogs", "loki"}

// buildSource makes the backend for one config entry. Relative paths in it
// are read against dir, the config file's directory.
func buildSource(sc SourceConfig, dir string, st settings) (sources.Source, error) {
	opts := resolvePaths(sc.Options, dir)
	var s sources.Source
	var err error
	switch sc.Type {
	case "kuma":
		s, err = build(opts, kuma.Config{Name: sc.Name}, kuma.New)
	case "logs":
		s, err = build(opts, logs.Config{Name: sc.Name, Location: st.loc}, logs.New)
	case "file":
		s, err = build(opts, file.Config{Name: sc.Name}, file.New)
	case "prometheus":
		c := prometheus.DefaultConfig()
		c.Name = sc.Name
		s, err = build(opts, c, prometheus.New)
	case "zabbix":
		s, err = build(opts, zabbix.Config{Name: sc.Name, Timezone: st.loc.String()}, zabbix.New)
	case "crontab":
		s, err = build(opts, crontab.Config{Name: sc.Name, Location: st.loc}, crontab.New)
	case "cloudwatch":
		s, err = build(opts, cloudwatch.Config{Name: sc.Name}, cloudwatch.New)
	case "victorialogs":
		s, err = build(opts, victorialogs.Config{Name: sc.Name, Location: st.loc}, victorialogs.New)
	case "loki":
		s, err = build(opts, loki.Config{Name: sc.Name, Location: st.loc}, loki.New)
	case "statuspage":
		s, err = build(opts, statuspage.Config{Name: sc.Name}, statuspage.New)
	default:
		return nil, configErrorf("sources %s: unknown type %q\nhint: use one of %s", sc.Name, sc.Type, strings.Join(sourceTypes, ", "))
	}
	if err != nil {
		var se *setupError
		if errors.As(err, &se) {
			return nil, &setupError{fmt.Errorf("sources %s (%s): %w", sc.Name, sc.Type, se.err)}
		}
		return nil, configErrorf("sources %s (%s): %w", sc.Name, sc.Type, err)
	}
	return s, nil
}

// setupError is a source that could not be set up although its entry
// reads well: a secret's variable unset, a file missing, a refused URL.
// It is that source's gap, not the end of the run: the healthy sources'
// results still make a report.
type setupError struct{ err error }

func (e *setupError) Error() string { return e.err.Error() }
func (e *setupError) Unwrap() error { return e.err }

// brokenSource stands for a source whose setup failed: every Fetch
// returns why.
type brokenSource struct {
	name string
	err  error
}

func (b brokenSource) Name() string { return b.name }
func (b brokenSource) Fetch(context.Context, sources.Window, time.Duration) (*sources.Dataset, error) {
	return nil, b.err
}

// build decodes a backend's Config from the entry's options over the
// defaults in c, and makes the source.
func build[C any, S sources.Source](opts map[string]any, c C, newSource func(C) (S, error)) (sources.Source, error) {
	if err := decode(opts, &c); err != nil {
		return nil, err
	}
	s, err := newSource(c)
	if err != nil {
		return nil, &setupError{err}
	}
	return s, nil
}

// decode fills a backend Config from the entry's options, refusing keys
// the backend does not know, so a typo is an error and not a silent
// default.
func decode(opts map[string]any, dst any) error {
	d, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		Result:           dst,
		ErrorUnused:      true,
		WeaklyTypedInput: true,
		DecodeHook:       durationHook,
	})
	if err != nil {
		return err
	}
	if err := d.Decode(opts); err != nil {
		return errors.New(decodeError(err, dst))
	}
	return nil
}

// durationHook reads a source's durations (timeout, scrape_interval) as
// the top-level ones are (parseDuration: "7d", "2w" as well as "90s"):
// mapstructure's own hook takes Go's forms only, so "timeout: 1d" was
// refused in a source and accepted beside it.
// A number without a unit is refused, as on the command line: YAML's
// "timeout: 30" was read as 30 nanoseconds.
func durationHook(from, to reflect.Type, data any) (any, error) {
	if to != reflect.TypeOf(time.Duration(0)) {
		return data, nil
	}
	switch from.Kind() {
	case reflect.String:
		return parseDuration(data.(string))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		if reflect.ValueOf(data).IsZero() {
			return time.Duration(0), nil
		}
		return nil, fmt.Errorf("%v has no unit (30s, 5m, 1d)", data)
	}
	return data, nil
}

// resolvePaths makes path-like options (path, paths, *_file) absolute
// against dir, so a config file can name files next to it.
func resolvePaths(opts map[string]any, dir string) map[string]any {
	out := make(map[string]any, len(opts))
	abs := func(p string) string {
		if p == "" || p == "-" || filepath.IsAbs(p) || strings.Contains(p, "://") {
			return p // s3://bucket/prefix is no file
		}
		return filepath.Join(dir, p)
	}
	for k, v := range opts {
		switch {
		case isMap(v):
			// basic_auth.password_file, tls.ca_file: nested blocks name
			// files too.
			if m, ok := v.(map[string]any); ok {
				v = resolvePaths(m, dir)
			}
		case k == "path" || strings.HasSuffix(k, "_file"):
			if s, ok := v.(string); ok {
				v = abs(s)
			}
		case k == "paths":
			switch vs := v.(type) {
			case []any:
				ps := make([]any, len(vs))
				for i, x := range vs {
					if s, ok := x.(string); ok {
						ps[i] = abs(s)
					} else {
						ps[i] = x
					}
				}
				v = ps
			case string:
				v = []any{abs(vs)}
			}
		}
		out[k] = v
	}
	return out
}

func isMap(v any) bool { _, ok := v.(map[string]any); return ok }

// fetchAll asks every source for w concurrently, each under its own
// deadline. A source that fails becomes a gap in the dataset; only when
// every source fails is the result an error.
func fetchAll(ctx context.Context, srcs []sources.Source, w sources.Window, step, timeout time.Duration) (*sources.Dataset, error) {
	results := make([]*sources.Dataset, len(srcs))
	errs := make([]error, len(srcs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i, s := range srcs {
		g.Go(func() error {
			sctx, cancel := context.WithTimeout(gctx, timeout)
			defer cancel()
			ds, err := s.Fetch(sctx, w, step)
			if err != nil && errors.Is(sctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
				err = fmt.Errorf("timed out after %s: %w\nhint: raise source_timeout, or narrow the window", timeout, err)
			}
			results[i], errs[i] = ds, err
			return nil
		})
	}
	_ = g.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := &sources.Dataset{Window: w, Step: step}
	failed := 0
	var all []error
	for i, ds := range results {
		if errs[i] != nil {
			failed++
			all = append(all, fmt.Errorf("source %s: %w", srcs[i].Name(), errs[i]))
			out.Gaps = append(out.Gaps, sources.Gap{Source: srcs[i].Name(), Reason: redact.Text(gapReason(errs[i].Error()))})
			continue
		}
		out.Merge(ds)
		out.Read = append(out.Read, srcs[i].Name())
	}
	if failed == len(srcs) && failed > 0 {
		return nil, errors.Join(all...)
	}
	out.Sort()
	return out, nil
}

// gapReason is an error on one line, for a gap: its first line and its
// hint, if any ("timed out after 5s: ...; hint: raise source_timeout"):
// a gap says what to do as an error does.
func gapReason(s string) string {
	first, rest, _ := strings.Cut(s, "\n")
	if strings.Contains(first, "hint: ") {
		return first
	}
	for _, l := range strings.Split(rest, "\n") {
		if h, ok := strings.CutPrefix(l, "hint: "); ok {
			return first + "; hint: " + h
		}
	}
	return first
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}
