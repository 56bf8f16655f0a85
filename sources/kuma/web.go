package kuma

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/internal/httpapi"
)

// Where only Kuma's web side is reachable, a public status page gives
// its monitors' recent history, as Kuma's status-page router serves it
// (server/routers/status-page-router.js, Kuma 1.23 and 2.x):
//
//   - GET /api/status-page/SLUG: {"config": {...}, "incident": ...,
//     "publicGroupList": [{"id", "name", "weight", "monitorList": [{"id",
//     "name", "sendUrl", "type", "url" (only when sendUrl)}]}],
//     "maintenanceList": [...]};
//   - GET /api/status-page/heartbeat/SLUG: {"heartbeatList": {"ID":
//     [...]}, "uptimeList": {"ID" or "ID_24": ratio}}. Each list is either
//     the newest 100 raw beats, oldest first, {"status", "time" (UTC,
//     "2006-01-02 15:04:05.000" from SQLite or RFC 3339), "msg": ""
//     (hidden), "ping" (ms or null)}; or, when the page is set to show a
//     range of days (Kuma 2's heartbeat_bar_days), up to 100 aggregated
//     buckets, each {"status", "time": the bucket's end (RFC 3339), "msg":
//     "", "ping": null}, or 0 for a bucket without beats.
//
// So the API reaches back only 100 beats (100 minutes for a monitor
// checked every minute) or as many buckets: Fetch says in the notes how
// far back each monitor's beats reach, and a window that starts before
// gets a gap. An aggregated bucket becomes a summary beat (Span: the
// bucket's length; Checks 1, Failed 1 when it was down: the API gives no
// counts) and Probe.Resolution is that length.

// checkWeb checks the status-page settings and makes the client.
func (c Config) checkWeb() (*httpapi.Client, error) {
	if c.URL == "" || c.Slug == "" {
		return nil, fmt.Errorf("kuma source %s: a status page needs both url (Kuma's root) and slug; hint: for https://status.example.com/status/shop write url: https://status.example.com and slug: shop", c.Name)
	}
	if strings.ContainsAny(c.Slug, "/?#") {
		return nil, fmt.Errorf("kuma source %s: slug %q is not a slug; hint: the last part of the page's address, /status/SLUG", c.Name, c.Slug)
	}
	if u, err := url.Parse(c.URL); err == nil && strings.Contains(u.Path, "/status/") {
		return nil, fmt.Errorf("kuma source %s: url %q includes the page's path; hint: give Kuma's root (%s://%s) and the slug apart", c.Name, c.URL, u.Scheme, u.Host)
	}
	return httpapi.New("kuma", c.Name, c.URL, c.Web)
}

type webPage struct {
	Config struct {
		Title string `json:"title"`
	} `json:"config"`
	PublicGroupList []struct {
		Name        string `json:"name"`
		MonitorList []struct {
			ID   int    `json:"id"`
			Name string `json:"name"`
			Type string `json:"type"`
			URL  string `json:"url"`
		} `json:"monitorList"`
	} `json:"publicGroupList"`
}

type webBeat struct {
	Status int      `json:"status"`
	Time   string   `json:"time"`
	Msg    string   `json:"msg"`
	Ping   *float64 `json:"ping"`
}

type webBeats struct {
	HeartbeatList map[string][]json.RawMessage `json:"heartbeatList"`
}

func (s *Source) getJSON(ctx context.Context, what, path string, v any) error {
	resp, err := s.web.Get(ctx, what, path, nil, false)
	if err != nil {
		var ae *httpapi.Error
		if asErr(err, &ae) && ae.Status == 404 {
			ae.Hint = "check slug (the last part of the page's address, /status/SLUG) and that the page is published"
		}
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<20)).Decode(v); err != nil {
		return fmt.Errorf("kuma source %s: %s: malformed answer: %v; hint: is url Uptime Kuma's root, and the page published?", s.c.Name, what, err)
	}
	return nil
}

// page reads the page's monitors, and the beats of each by id.
func (s *Source) page(ctx context.Context) (*webPage, map[int][]json.RawMessage, error) {
	slug := url.PathEscape(strings.ToLower(s.c.Slug))
	var pg webPage
	if err := s.getJSON(ctx, "status page "+s.c.Slug, "/api/status-page/"+slug, &pg); err != nil {
		return nil, nil, err
	}
	var hb webBeats
	if err := s.getJSON(ctx, "status page "+s.c.Slug+" heartbeats", "/api/status-page/heartbeat/"+slug, &hb); err != nil {
		return nil, nil, err
	}
	beats := map[int][]json.RawMessage{}
	for k, v := range hb.HeartbeatList {
		id, err := strconv.Atoi(k)
		if err != nil {
			return nil, nil, fmt.Errorf("kuma source %s: status page %s heartbeats: monitor id %q; hint: is url Uptime Kuma?", s.c.Name, s.c.Slug, k)
		}
		beats[id] = v
	}
	return &pg, beats, nil
}

// checkWeb says what the page shows.
func (s *Source) checkWeb(ctx context.Context) (string, error) {
	pg, beats, err := s.page(ctx)
	if err != nil {
		return "", err
	}
	n, newest := 0, time.Time{}
	for _, g := range pg.PublicGroupList {
		for _, m := range g.MonitorList {
			n++
			bs, _, _ := webProbeBeats(beats[m.ID])
			if len(bs) > 0 && bs[len(bs)-1].T.After(newest) {
				newest = bs[len(bs)-1].T
			}
		}
	}
	if n == 0 {
		return "", fmt.Errorf("kuma source %s: status page %s shows no monitors: %w; hint: add monitors to the page, or read Kuma's database instead", s.c.Name, s.c.Slug, sources.ErrNoData)
	}
	out := fmt.Sprintf("Uptime Kuma status page %q at %s, %d monitors", s.c.Slug, s.web.URL(), n)
	if !newest.IsZero() {
		out += ", last heartbeat " + newest.UTC().Format("2006-01-02 15:04:05 UTC")
	}
	return out + " (the API keeps only the newest 100 beats or buckets per monitor)", nil
}

// webProbeBeats decodes one monitor's list: raw beats, or buckets (then
// span is their length).
func webProbeBeats(raw []json.RawMessage) (beats []sources.Beat, span time.Duration, err error) {
	type at struct {
		i int
		b webBeat
	}
	var list []at
	aggregated := false
	for i, r := range raw {
		if string(r) == "0" || string(r) == "null" {
			aggregated = true // an empty bucket
			continue
		}
		var b webBeat
		if err := json.Unmarshal(r, &b); err != nil {
			return nil, 0, fmt.Errorf("beat %d: %v", i, err)
		}
		if b.Status < 0 || b.Status > 3 {
			return nil, 0, fmt.Errorf("beat %d: status %d", i, b.Status)
		}
		list = append(list, at{i, b})
	}
	times := make([]time.Time, len(list))
	for k, x := range list {
		t, err := parseTime(x.b.Time)
		if err != nil {
			return nil, 0, fmt.Errorf("beat %d: time %q: %v", x.i, x.b.Time, err)
		}
		times[k] = t
	}
	// Buckets: an empty one (0) says so; else every time is RFC 3339
	// without a ping and the times are evenly spaced by position, which
	// raw beats, timed by Kuma's timers to the millisecond, are not.
	if !aggregated && len(list) >= 3 {
		even := true
		step := times[1].Sub(times[0]) / time.Duration(list[1].i-list[0].i)
		for k, x := range list {
			if !strings.Contains(x.b.Time, "T") || x.b.Ping != nil ||
				k > 0 && times[k].Sub(times[0]) != step*time.Duration(x.i-list[0].i) {
				even = false
				break
			}
		}
		aggregated = even && step > 0
	}
	if aggregated && len(list) >= 2 {
		// Buckets are evenly spaced: the span is the time between two by
		// their positions, empty ones counted.
		first, last := 0, len(list)-1
		span = times[last].Sub(times[first]) / time.Duration(list[last].i-list[first].i)
	}
	if aggregated && span <= 0 {
		// Not evenly spaced forward (times out of order, or so far apart
		// that their difference saturates): raw beats, no span.
		aggregated, span = false, 0
	}
	for k, x := range list {
		b := sources.Beat{T: times[k], Status: sources.Status(x.b.Status)}
		if aggregated {
			b.T = times[k].Add(-span) // the bucket's start
			b.Span, b.Checks = span, 1
			if x.b.Status == int(sources.Down) {
				b.Failed = 1
			}
		} else if x.b.Ping != nil && *x.b.Ping > 0 {
			b.Latency = time.Duration(*x.b.Ping * float64(time.Millisecond))
		}
		beats = append(beats, b)
	}
	sort.SliceStable(beats, func(i, j int) bool { return beats[i].T.Before(beats[j].T) })
	return beats, span, nil
}

// fetchWeb reads the page's monitors as probes.
func (s *Source) fetchWeb(ctx context.Context, w sources.Window, step time.Duration) (*sources.Dataset, error) {
	pg, beats, err := s.page(ctx)
	if err != nil {
		return nil, err
	}
	var all []monitor
	seen := map[int]bool{}
	for _, g := range pg.PublicGroupList {
		for _, m := range g.MonitorList {
			if seen[m.ID] {
				continue
			}
			seen[m.ID] = true
			all = append(all, monitor{id: m.ID, name: m.Name, typ: m.Type, url: m.URL, active: true})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].id < all[j].id })
	ds := &sources.Dataset{Window: w, Step: step}
	chosen, unmatched := selectMonitors(all, s.c.Monitors)
	for _, sel := range unmatched {
		ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.c.Name, What: fmt.Sprintf("monitors %q", sel), Reason: "matches no monitor on status page " + s.c.Slug + "; available: " + monitorNames(all)})
	}
	if len(all) == 0 {
		ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.c.Name, What: "status page " + s.c.Slug, Reason: "shows no monitors"})
	}
	for _, m := range chosen {
		bs, span, err := webProbeBeats(beats[m.id])
		if err != nil {
			ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.c.Name, What: "monitor " + m.name, Reason: fmt.Sprintf("status page %s: %v", s.c.Slug, err)})
			continue
		}
		p := sources.Probe{Source: s.c.Name, Name: m.name, Target: m.target(), Resolution: span}
		kind := "beats"
		if span > 0 {
			kind = fmt.Sprintf("%s buckets", span)
		}
		if len(bs) == 0 {
			ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.c.Name, What: "monitor " + m.name, Reason: "no heartbeats on status page " + s.c.Slug})
			ds.Probes = append(ds.Probes, p)
			continue
		}
		earliest := bs[0].T
		ds.Notes = append(ds.Notes, fmt.Sprintf("%s: %s: read from status page %s, whose API keeps the newest %d %s: they reach back to %s",
			s.c.Name, m.name, s.c.Slug, len(bs), kind, earliest.UTC().Format("2006-01-02 15:04 UTC")))
		if earliest.After(w.From) {
			ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.c.Name, What: "monitor " + m.name,
				Reason: fmt.Sprintf("status page %s reaches back only to %s (%d %s); earlier beats need Kuma's database", s.c.Slug, earliest.UTC().Format(time.RFC3339), len(bs), kind)})
		}
		for _, b := range bs {
			end := b.T.Add(b.Span)
			if b.T.Before(w.To) && (end.After(w.From) || b.Span == 0 && !b.T.Before(w.From)) {
				p.Beats = append(p.Beats, b)
			}
		}
		if len(p.Beats) == 0 {
			ds.Gaps = append(ds.Gaps, sources.Gap{Source: s.c.Name, What: "monitor " + m.name, Reason: "no heartbeats in window"})
		}
		ds.Probes = append(ds.Probes, p)
	}
	return ds, nil
}

func asErr(err error, target **httpapi.Error) bool { return errors.As(err, target) }
