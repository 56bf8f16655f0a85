package kuma

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/internal/httpapi"
)

// kumaPageServer answers Kuma's two status-page endpoints for slug "shop"
// in the shapes of server/routers/status-page-router.js: the page lists
// the demo database's monitors (Shop with sendUrl, API without), and the
// heartbeat list holds each monitor's newest 100 beats before now, as
// Kuma's "auto" mode selects them (ORDER BY time DESC LIMIT 100, reversed,
// toPublicJSON: msg hidden, time as the database's text).
func kumaPageServer(t *testing.T, db string, now time.Time, heartbeats string) *httptest.Server {
	t.Helper()
	if heartbeats == "" {
		sdb, err := sql.Open("sqlite", "file:"+db+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer sdb.Close()
		list := map[string][]map[string]any{}
		for _, id := range []int{1, 2} {
			rows, err := sdb.Query(`SELECT status, CAST(time AS TEXT), ping FROM heartbeat WHERE monitor_id = ? AND time < ? ORDER BY time DESC LIMIT 100`, id, timeText(now))
			if err != nil {
				t.Fatal(err)
			}
			var beats []map[string]any
			for rows.Next() {
				var st int
				var tm string
				var ping sql.NullInt64
				if err := rows.Scan(&st, &tm, &ping); err != nil {
					t.Fatal(err)
				}
				b := map[string]any{"status": st, "time": tm, "msg": "", "ping": nil}
				if ping.Valid {
					b["ping"] = ping.Int64
				}
				beats = append([]map[string]any{b}, beats...)
			}
			rows.Close()
			list[fmt.Sprint(id)] = beats
		}
		b, _ := json.Marshal(map[string]any{"heartbeatList": list, "uptimeList": map[string]float64{"1": 0.93, "2": 1}})
		heartbeats = string(b)
	}
	page := `{"config":{"slug":"shop","title":"Shop status","description":null,"icon":"/icon.svg","theme":"auto","published":true,"showTags":false,"domainNameList":[],"customCSS":"body {\n  \n}\n","footerText":null,"showPoweredBy":true,"googleAnalyticsId":null,"showCertificateExpiry":false,"autoRefreshInterval":300},
"incident":null,
"publicGroupList":[{"id":1,"name":"Services","weight":1,"monitorList":[{"id":1,"name":"Shop","sendUrl":1,"type":"http","url":"https://shop.example"},{"id":2,"name":"API","sendUrl":0,"type":"keyword"}]}],
"maintenanceList":[]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		switch r.URL.Path {
		case "/api/status-page/shop":
			fmt.Fprint(w, page)
		case "/api/status-page/heartbeat/shop":
			fmt.Fprint(w, heartbeats)
		default:
			w.WriteHeader(404)
			fmt.Fprint(w, `{"ok":false,"msg":"Status Page Not Found"}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// The status page gives the outage's beats as the database holds them,
// says how far back it reaches, and leaves a gap for what is older.
func TestStatusPageRawBeats(t *testing.T) {
	db := filepath.Join("..", "..", "testdata", "demo", "kuma.db")
	now := utc("2025-11-21T05:40:00Z")
	srv := kumaPageServer(t, db, now, "")
	web, err := New(Config{Name: "kuma", URL: srv.URL, Slug: "shop"})
	if err != nil {
		t.Fatal(err)
	}
	w := sources.Window{From: utc("2025-11-21T03:00:00Z"), To: now}
	got, err := web.Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	lite, _ := New(Config{Name: "kuma", Path: db})
	if len(got.Probes) != 2 {
		t.Fatalf("%d probes, want Shop and API", len(got.Probes))
	}
	for _, p := range got.Probes {
		if len(p.Beats) != 100 {
			t.Fatalf("%s: %d beats, want the newest 100", p.Name, len(p.Beats))
		}
		reach := sources.Window{From: p.Beats[0].T, To: now}
		// Step 0: every beat as it is, to compare one by one (at a
		// step, beats of a step that all passed are one summary).
		want, err := lite.Fetch(context.Background(), reach, 0)
		if err != nil {
			t.Fatal(err)
		}
		var wp sources.Probe
		for _, q := range want.Probes {
			if q.Name == p.Name {
				wp = q
			}
		}
		if len(wp.Beats) != len(p.Beats) {
			t.Fatalf("%s: %d beats, the database %d", p.Name, len(p.Beats), len(wp.Beats))
		}
		for i, b := range p.Beats {
			x := wp.Beats[i]
			if !b.T.Equal(x.T) || b.Status != x.Status || b.Latency != x.Latency || b.Msg != "" {
				t.Fatalf("%s beat %d: %+v, the database %+v", p.Name, i, b, x)
			}
		}
		if p.Name == "Shop" && p.Target != "https://shop.example" {
			t.Errorf("Shop target %q", p.Target)
		}
	}
	down := 0
	for _, b := range got.Probes[0].Beats {
		if b.Status != sources.Up {
			down++
		}
	}
	if got.Probes[0].Name != "Shop" || down != 7 {
		t.Errorf("%s: %d failed beats, want Shop's 7", got.Probes[0].Name, down)
	}
	notes := strings.Join(got.Notes, "\n")
	if !strings.Contains(notes, "Shop: read from status page shop, whose API keeps the newest 100 beats: they reach back to 2025-11-21 04:0") {
		t.Errorf("notes do not say how far back: %s", notes)
	}
	if len(got.Gaps) != 2 || !strings.Contains(got.Gaps[0].Reason, "reaches back only to 2025-11-21T04:0") {
		t.Errorf("gaps %v, want one per monitor for the window's start", got.Gaps)
	}
	out, err := web.Check(context.Background())
	if err != nil || !strings.Contains(out, `status page "shop"`) || !strings.Contains(out, "2 monitors") {
		t.Errorf("check: %q %v", out, err)
	}
}

// A page set to a range of days answers buckets (Kuma 2's
// getAggregatedBuckets): the bucket's end as time, 0 for an empty one.
func TestStatusPageBuckets(t *testing.T) {
	body := `{"heartbeatList":{"1":[0,{"status":1,"time":"2025-11-21T02:00:00.000Z","msg":"","ping":null},{"status":1,"time":"2025-11-21T04:00:00.000Z","msg":"","ping":null},{"status":0,"time":"2025-11-21T06:00:00.000Z","msg":"","ping":null},{"status":1,"time":"2025-11-21T08:00:00.000Z","msg":"","ping":null}],"2":[]},"uptimeList":{"1":0.9,"2":1}}`
	srv := kumaPageServer(t, "", time.Time{}, body)
	web, _ := New(Config{Name: "kuma", URL: srv.URL, Slug: "shop", Monitors: []string{"Shop"}})
	w := sources.Window{From: utc("2025-11-21T00:00:00Z"), To: utc("2025-11-21T08:00:00Z")}
	got, err := web.Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	p := got.Probes[0]
	if p.Resolution != 2*time.Hour || len(p.Beats) != 4 {
		t.Fatalf("resolution %s, %d beats; want 2h buckets, 4", p.Resolution, len(p.Beats))
	}
	if b := p.Beats[2]; !b.T.Equal(utc("2025-11-21T04:00:00Z")) || b.Status != sources.Down || b.Span != 2*time.Hour || b.Failed != 1 || b.Checks != 1 {
		t.Errorf("the down bucket: %+v", b)
	}
	if !strings.Contains(strings.Join(got.Notes, "\n"), "newest 4 2h0m0s buckets") {
		t.Errorf("notes: %v", got.Notes)
	}
}

func TestStatusPageFailures(t *testing.T) {
	srv := kumaPageServer(t, "", time.Time{}, `{"heartbeatList":{},"uptimeList":{}}`)
	web, _ := New(Config{Name: "kuma", URL: srv.URL, Slug: "nope"})
	_, err := web.Fetch(context.Background(), sources.Window{From: utc("2025-11-21T00:00:00Z"), To: utc("2025-11-21T08:00:00Z")}, time.Minute)
	if err == nil || !strings.Contains(err.Error(), "HTTP 404") || !strings.Contains(err.Error(), "hint: check slug") {
		t.Errorf("unknown slug: %v", err)
	}
	srv.Close()
	web, _ = New(Config{Name: "kuma", URL: srv.URL, Slug: "shop"})
	if _, err := web.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("down: %v", err)
	}
	for _, c := range []Config{
		{URL: "http://kuma:3001"},
		{URL: "http://kuma:3001/status/shop", Slug: "shop"},
		{URL: "http://kuma:3001", Slug: "shop", Path: "kuma.db"},
		{URL: "http://kuma:3001", Slug: "a/b"},
		{URL: "http://kuma:3001", Slug: "shop", Web: httpapi.Auth{BearerTokenEnv: "HINDSIGHT_UNSET_VAR"}},
	} {
		if _, err := New(c); err == nil || !strings.Contains(err.Error(), "hint") {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

func TestStatusPageMonitorsChecked(t *testing.T) {
	if _, err := New(Config{URL: "http://kuma:3001", Slug: "shop", Monitors: []string{"[bad"}}); err == nil || !strings.Contains(err.Error(), "monitor pattern") {
		t.Errorf("a bad monitor pattern: %v", err)
	}
}

func FuzzStatusPageBeats(f *testing.F) {
	f.Add(`[{"status":1,"time":"2025-11-21 05:03:07.411","msg":"","ping":120},{"status":0,"time":"2025-11-21 05:04:07.411","msg":"","ping":null}]`)
	f.Add(`[0,{"status":1,"time":"2025-11-21T02:00:00.000Z","msg":"","ping":null},{"status":1,"time":"2025-11-21T04:00:00.000Z","msg":"","ping":null}]`)
	f.Add(`[{"status":9,"time":"x"}]`)
	f.Fuzz(func(t *testing.T, s string) {
		var raw []json.RawMessage
		if json.Unmarshal([]byte(s), &raw) != nil {
			return
		}
		bs, span, err := webProbeBeats(raw)
		if err != nil {
			return
		}
		for i := 1; i < len(bs); i++ {
			if bs[i].T.Before(bs[i-1].T) {
				t.Fatal("beats out of order")
			}
		}
		if span < 0 {
			t.Fatal("negative span")
		}
	})
}
