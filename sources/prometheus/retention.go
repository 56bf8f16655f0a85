package prometheus

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/promconv"
)

// retention asks the server how long it keeps data: Prometheus'
// runtimeinfo storageRetention, else VictoriaMetrics' /flags. ok is false
// when neither says (Thanos, Mimir: their stores keep what they keep).
func (s *Source) retention(ctx context.Context) (d time.Duration, text string, ok bool) {
	if ri, err := s.api.Runtimeinfo(ctx); err == nil && ri.StorageRetention != "" {
		d, ok := parseRetention(ri.StorageRetention)
		return d, ri.StorageRetention, ok
	}
	u := s.client.URL("/flags", nil)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return 0, "", false
	}
	resp, body, err := s.client.Do(ctx, req)
	if err != nil || resp.StatusCode != http.StatusOK {
		return 0, "", false
	}
	v, found := vmRetentionFlag(string(body[:min(len(body), 1<<20)]))
	if !found {
		return 0, "", false
	}
	d, ok = parseRetention(v)
	return d, v, ok
}

// retentionGaps explains missing data by the server's retention: the whole
// window when nothing came back and it ended before the retention horizon,
// or its start when the data begins at that horizon.
func (s *Source) retentionGaps(ctx context.Context, ds *sources.Dataset, w sources.Window, p plan) []sources.Gap {
	earliest := earliestPoint(ds)
	if !earliest.IsZero() && !earliest.After(w.From.Add(p.step)) {
		return nil // the data reaches the window's start
	}
	d, text, ok := s.retention(ctx)
	if !ok {
		return nil
	}
	horizon := time.Now().Add(-d) // the server deletes what is older
	if !w.From.Before(horizon) {
		return nil
	}
	hint := "hint: fetch a more recent window, or ask the long-term store (Thanos, Mimir, VictoriaMetrics with a longer -retentionPeriod)"
	switch {
	case earliest.IsZero() && !w.To.After(horizon):
		return []sources.Gap{{Source: s.Name(), What: "window " + w.String(),
			Reason: fmt.Sprintf("older than the server's retention (%s): data before about %s is deleted; %s", text, horizon.UTC().Format(time.RFC3339), hint)}}
	case !earliest.IsZero() && !earliest.Before(horizon.Add(-p.step)):
		return []sources.Gap{{Source: s.Name(), What: fmt.Sprintf("%s .. %s", w.From.Format(time.RFC3339), earliest.Format(time.RFC3339)),
			Reason: fmt.Sprintf("older than the server's retention (%s); %s", text, hint)}}
	}
	return nil
}

func earliestPoint(ds *sources.Dataset) time.Time {
	var t time.Time
	upd := func(x time.Time) {
		if t.IsZero() || x.Before(t) {
			t = x
		}
	}
	for _, s := range ds.Series {
		if len(s.Points) > 0 {
			upd(s.Points[0].T)
		}
	}
	for _, p := range ds.Probes {
		if len(p.Beats) > 0 {
			upd(p.Beats[0].T)
		}
	}
	return t
}

// roleOf is a query's configured role, or a guess from its name.
func roleOf(q Query) (sources.Role, error) {
	if q.Role == "" {
		return promconv.RoleOf(q.Name, nil), nil
	}
	return sources.ParseRole(q.Role)
}
