package prometheus

import (
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/promconv"
)

// Prometheus records its alerting rules' state as series: ALERTS{alertname,
// alertstate="pending"|"firing", <labels>} is 1 while the alert is in that
// state, and ALERTS_FOR_STATE{alertname, <labels>} holds the unix time the
// condition became true (rules/alerting.go).

func alertJobs(p plan) []*job {
	return []*job{
		// At scrape resolution, ask for the samples' own times: a plain
		// selector would repeat the last firing sample for the 5 min
		// lookback (and backfilled or remote-written data has no staleness
		// markers to stop it), making every alert 5 min too long.
		{kind: kindAlert, what: "ALERTS", name: "ALERTS", expr: alertsExpr(p), shift: bucketShift(p)},
		{kind: kindAlert, what: "ALERTS_FOR_STATE", name: "ALERTS_FOR_STATE", expr: overTime("min_over_time", "ALERTS_FOR_STATE", p), shift: bucketShift(p)},
	}
}

func alertsExpr(p plan) string {
	if p.coarse {
		return overTime("max_over_time", `ALERTS{alertstate="firing"}`, p)
	}
	return `timestamp(ALERTS{alertstate="firing"})`
}

// alertEvents turns runs of firing ALERTS samples into events: one per
// alert and run, from the time the condition became true (ALERTS_FOR_STATE)
// or else the first firing step, to one step after the last firing step.
// At a coarse step each point stands for [t, t+step) (bucketShift).
func (s *Source) alertEvents(jobs []*job, p plan) []sources.Event {
	var firing, forState model.Matrix
	for _, j := range jobs {
		switch j.name {
		case "ALERTS":
			firing = j.out
		case "ALERTS_FOR_STATE":
			forState = j.out
		}
	}
	active := map[string]map[int64]float64{} // alert key -> step time -> active since
	for _, ss := range forState {
		l := labelsOf(ss.Metric)
		m := map[int64]float64{}
		for _, v := range ss.Values {
			m[int64(v.Timestamp)] = float64(v.Value)
		}
		active[promconv.Selector("", l)] = m
	}
	var out []sources.Event
	for _, ss := range firing {
		l := labelsOf(ss.Metric)
		delete(l, "alertstate")
		key := promconv.Selector("", l)
		since := active[key]
		var start, last time.Time
		flush := func() {
			if start.IsZero() {
				return
			}
			t := start
			if a, ok := since[start.UnixMilli()]; ok && a > 0 {
				at := time.Unix(0, int64(a*1e9)).UTC()
				// At a coarse step the condition may have become true
				// inside the first bucket [start, start+step).
				if at.Before(start.Add(p.step)) && start.Sub(at) < 7*24*time.Hour {
					t = at
				}
			}
			// Resolved by the next evaluation, or within the last bucket
			// [last, last+step).
			end := last.Add(p.step)
			out = append(out, s.alertEvent(l, t, end, p))
			start = time.Time{}
		}
		for _, v := range ss.Values {
			ts := v.Timestamp.Time().UTC()
			if p.coarse {
				if float64(v.Value) < 1 {
					continue
				}
			} else {
				// The value is the firing sample's own time; an older one
				// is the lookback repeating it.
				sample := time.Unix(0, int64(float64(v.Value)*1e9)).UTC()
				if ts.Sub(sample) >= p.step || sample.After(ts) {
					continue
				}
			}
			if !start.IsZero() && ts.Sub(last) > p.step {
				flush()
			}
			if start.IsZero() {
				start = ts
			}
			last = ts
		}
		flush()
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].T.Equal(out[j].T) {
			return out[i].T.Before(out[j].T)
		}
		return out[i].Title < out[j].Title
	})
	return out
}

func (s *Source) alertEvent(l map[string]string, start, end time.Time, p plan) sources.Event {
	name := l["alertname"]
	var detail []string
	for _, k := range sortedKeys(l) {
		if k != "alertname" {
			detail = append(detail, k+"="+l[k])
		}
	}
	title := "alert " + name
	if inst := l["instance"]; inst != "" {
		title += " on " + inst
	}
	d := strings.Join(detail, " ")
	if !end.Before(p.last.Add(p.step)) {
		d = strings.TrimSpace(d + " (still firing at the end of the window)")
	}
	return sources.Event{
		Source:   s.Name(),
		T:        start,
		End:      end,
		Kind:     sources.KindAlert,
		Severity: severityOf(l["severity"]),
		Title:    title,
		Detail:   d,
		Ref:      strings.TrimSuffix(s.s.URL, "/") + "/graph?g0.expr=" + url.QueryEscape(promconv.Selector("ALERTS", l)),
	}
}

func severityOf(s string) sources.Severity {
	switch strings.ToLower(s) {
	case "critical", "page", "fatal", "disaster", "high":
		return sources.Critical
	case "error", "major", "average":
		return sources.Error
	case "info", "information", "none", "low":
		return sources.Info
	}
	return sources.Warning
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
