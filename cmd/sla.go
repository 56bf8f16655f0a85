package cmd

import (
	"context"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hindsight-sre/hindsight/analyze"
	"github.com/hindsight-sre/hindsight/report"
	"github.com/hindsight-sre/hindsight/sources"
)

type slaOptions struct {
	config, profile string
	from, to        string
	period, at      string
	previous        bool
	format, output  string
}

// noProbeTypes are source types that never give probes: an SLA report
// does not read them (a year of logs to find no monitor).
var noProbeTypes = []string{"logs", "file", "crontab", "victorialogs", "loki"}

func newSLACmd() *cobra.Command {
	o := &slaOptions{}
	c := &cobra.Command{
		Use:   "sla (--period month|quarter|year [--previous] [--at TIME] | --from TIME [--to TIME])",
		Short: "Availability, downtime, outages and MTTR per monitor for a period",
		Long: `sla reports each monitor's availability, downtime, number of outages and
mean time to recovery over a period: the calendar month, quarter or year
(--period; the one containing --at, default now, or the one before it with
--previous), or any --from/--to. A period that has not ended yet is
reported up to now.

Time the data does not cover is shown apart and counted neither as up nor
as down: before the first check or after the last, a hole in the history
(the monitoring itself was down), maintenance. Availability is the share of
the covered time the monitor was up. Kuma 2 keeps single checks for a day
and aggregates after that; time known only from aggregates is shown as
coarse, its downtime the failed share of each aggregate.

Only sources that can have monitors are read (not logs, files or crontabs).
When none returned data the exit status is 3.`,
		Example: `  hindsight sla --period month
  hindsight sla --period month --previous -o html --output sla.html
  hindsight sla --period quarter --at 2025-11-15
  hindsight sla --from 2025-11-01 --to 2025-11-22 -o json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			var err error
			if o.format, err = outputFormat(c, o.format, o.output, report.SLAFormats); err != nil {
				return err
			}
			return runSLA(c.Context(), o, c.OutOrStdout(), c.ErrOrStderr())
		},
	}
	f := c.Flags()
	f.StringVar(&o.config, "config", "", "config file (default: ./hindsight.yaml, $XDG_CONFIG_HOME/hindsight/config.yaml, /etc/hindsight/config.yaml)")
	f.StringVar(&o.profile, "profile", "", "profile (customer) from the config's profiles")
	f.StringVar(&o.from, "from", "", "start of the period")
	f.StringVar(&o.to, "to", "", "end of the period (default now)")
	f.StringVar(&o.period, "period", "", "month, quarter or year: the calendar period containing --at")
	f.StringVar(&o.at, "at", "", "with --period: a time in the period (default now)")
	f.BoolVar(&o.previous, "previous", false, "with --period: the period before the one containing --at")
	f.StringVarP(&o.format, "output-format", "o", "markdown", "format: "+strings.Join(report.SLAFormats, ", "))
	f.StringVar(&o.output, "output", "", "write to this file instead of stdout; without -o its extension picks the format (.md, .json, .html, .txt)")
	return c
}

// periodOf is the calendar month, quarter or year containing t in loc, or
// the one before it with prev.
func periodOf(kind string, t time.Time, loc *time.Location, prev bool) (sources.Window, error) {
	lt := t.In(loc)
	var from time.Time
	var months int
	switch kind {
	case "month":
		from, months = time.Date(lt.Year(), lt.Month(), 1, 0, 0, 0, 0, loc), 1
	case "quarter":
		from, months = time.Date(lt.Year(), (lt.Month()-1)/3*3+1, 1, 0, 0, 0, 0, loc), 3
	case "year":
		from, months = time.Date(lt.Year(), 1, 1, 0, 0, 0, 0, loc), 12
	default:
		return sources.Window{}, usageErrorf("--period: %q is not month, quarter or year", kind)
	}
	if prev {
		from = from.AddDate(0, -months, 0)
	}
	return sources.Window{From: from, To: from.AddDate(0, months, 0)}, nil
}

func (o *slaOptions) window(now time.Time, loc *time.Location) (sources.Window, error) {
	switch {
	case o.period != "" && (o.from != "" || o.to != ""):
		return sources.Window{}, usageErrorf("--period cannot be combined with --from/--to\nhint: use one or the other")
	case o.period == "" && (o.at != "" || o.previous):
		return sources.Window{}, usageErrorf("--at and --previous go with --period\nhint: add --period month, quarter or year")
	case o.period != "":
		at := now
		if o.at != "" {
			var err error
			if at, err = parseTime(o.at, now, loc); err != nil {
				return sources.Window{}, timeError("--at", err)
			}
		}
		w, err := periodOf(o.period, at, loc, o.previous)
		if err != nil {
			return w, err
		}
		if w.To.After(now) {
			w.To = now // so far
		}
		if !w.From.Before(w.To) {
			return w, usageErrorf("--period: the %s containing %s has not begun", o.period, at.In(loc).Format(time.DateOnly))
		}
		return w, nil
	}
	return windowOptions{from: o.from, to: o.to}.window(now, loc)
}

func runSLA(ctx context.Context, o *slaOptions, stdout, stderr io.Writer) error {
	if o.period == "" && o.from == "" {
		return usageErrorf("no period given\nhint: use --period month (or quarter, year), or --from TIME [--to TIME]")
	}
	r, err := loadProfile(o.config, o.profile)
	if err != nil {
		return err
	}
	now, err := clockNow()
	if err != nil {
		return err
	}
	w, err := o.window(now, r.st.loc)
	if err != nil {
		return err
	}
	var srcs []sources.Source
	var skipped []string
	for i, s := range r.srcs {
		if slices.Contains(noProbeTypes, r.types[i]) {
			skipped = append(skipped, s.Name())
			continue
		}
		srcs = append(srcs, s)
	}
	if len(srcs) == 0 {
		return configErrorf("sla: no source that can have monitors (skipped %s)\nhint: add a kuma, prometheus, zabbix, cloudwatch or statuspage source", strings.Join(skipped, ", "))
	}
	p := newProgress(stderr, len(srcs))
	p.printf("sla %s: reading %d sources from %s", orDefault(r.name), len(srcs), w.From.In(r.st.loc).Format("2006-01-02 15:04"))
	step, _, err := fitWindow(w, r.st.step)
	if err != nil {
		return err
	}
	r.st.step = step
	ds, err := fetchAll(ctx, p.wrap(srcs), w, r.st.step, r.st.sourceTimeout)
	if err != nil {
		return err
	}
	s := analyze.PeriodSLA(ds, w, r.st.loc.String(), r.name)
	s.In(r.st.loc)
	opts := stdoutOptions(o.output, stdout)
	if err := writeReport(o.output, false, opts, func(out io.Writer) error {
		return report.WriteSLA(out, o.format, s, opts)
	}, stdout); err != nil {
		return err
	}
	if !slices.ContainsFunc(s.Monitors, func(m analyze.MonitorSLAPeriod) bool { return m.Covered > 0 }) {
		return noDataError(len(ds.Gaps))
	}
	return nil
}
