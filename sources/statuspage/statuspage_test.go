package statuspage

import (
	"context"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/sourcetest"
)

// pageServer serves recorded responses by path; a path not in files is a
// 404, as on the real pages. Replace files to change what the page shows.
type pageServer struct {
	*httptest.Server
	mu    sync.Mutex
	files map[string]string // path -> testdata file
	body  map[string]string // path -> a body of the test's own, before files
	hits  map[string]int
}

func mustPage(t *testing.T, files map[string]string) *pageServer {
	t.Helper()
	ps := &pageServer{files: maps.Clone(files), hits: map[string]int{}}
	ps.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ps.mu.Lock()
		f, ok := ps.files[r.URL.Path]
		body, own := ps.body[r.URL.Path]
		ps.hits[r.URL.Path]++
		ps.mu.Unlock()
		if own {
			w.Write([]byte(body))
			return
		}
		if !ok {
			http.NotFound(w, r)
			return
		}
		b, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Error(err)
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(b)
	}))
	t.Cleanup(ps.Close)
	return ps
}

func (ps *pageServer) setBody(path, body string) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.body == nil {
		ps.body = map[string]string{}
	}
	ps.body[path] = body
}

func (ps *pageServer) set(path, file string) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if file == "" {
		delete(ps.files, path)
	} else {
		ps.files[path] = file
	}
}

var github = map[string]string{
	"/api/v2/incidents.json":              "github-incidents.json",
	"/api/v2/scheduled-maintenances.json": "github-scheduled-maintenances.json",
	"/api/v2/components.json":             "github-components.json",
}

var (
	now = time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC)
	day = sources.Window{From: now.Add(-24 * time.Hour), To: now}
)

func mustSource(t *testing.T, c Config) *Source {
	t.Helper()
	if c.Now == nil {
		c.Now = func() time.Time { return now }
	}
	if c.StateDir == "" {
		c.StateDir = t.TempDir()
	}
	s, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func byTitle(ds *sources.Dataset) map[string]sources.Event {
	m := map[string]sources.Event{}
	for _, e := range ds.Events {
		m[e.Title] = e
	}
	return m
}

func TestAtlassianStatuspage(t *testing.T) {
	ps := mustPage(t, github)
	src := mustSource(t, Config{Name: "github", URL: ps.URL, DependsOn: []string{"Git Operations", "Webhooks"}})
	w := sources.Window{From: time.Date(2026, 11, 18, 18, 0, 0, 0, time.UTC), To: now}
	ds, err := src.Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	ev := byTitle(ds)
	git, ok := ev["upstream: GitHub: Disruption with some GitHub services"]
	if !ok {
		t.Fatalf("no Git incident; got %v", titles(ds))
	}
	if !git.T.Equal(time.Date(2026, 11, 20, 3, 6, 31, 114e6, time.UTC)) || !git.End.Equal(time.Date(2026, 11, 20, 3, 58, 11, 998e6, time.UTC)) {
		t.Errorf("Git incident %s .. %s", git.T, git.End)
	}
	if git.Kind != sources.KindUpstream || git.Severity != sources.Error || git.Context || git.Ref != "https://stspg.io/s2dftgks" {
		t.Errorf("Git incident: %+v", git)
	}
	// Components come from the incident and its updates (API Requests was
	// restored before the incident's own list was last written).
	if !strings.Contains(git.Detail, "components: API Requests, Git Operations") || !strings.Contains(git.Detail, "impact major") ||
		!strings.Contains(git.Detail, "resolved after 52m0s") || !strings.Contains(git.Detail, "This incident has been resolved.") {
		t.Errorf("detail %q", git.Detail)
	}
	act := ev["upstream: GitHub: Incident with Git Operations and Actions"]
	if !act.End.IsZero() || !act.Context || act.Severity != sources.Warning {
		t.Errorf("ongoing Actions incident (not depended on): %+v", act)
	}
	if _, ok := ev["upstream: GitHub: Incident with Copilot"]; ok {
		t.Error("an incident two days before the window was returned")
	}
	mnt := ev["maintenance: GitHub: Scheduled maintenance for Codespaces"]
	if mnt.Kind != sources.KindMaintenance || !mnt.End.Equal(time.Date(2026, 11, 19, 1, 54, 40, 0, time.UTC)) || !mnt.Context {
		t.Errorf("maintenance: %+v", mnt)
	}
	sourcetest.Check(t, "github", w, ds)
	what, err := src.Check(context.Background())
	if err != nil || !strings.Contains(what, "GitHub: 3 incidents (1 unresolved) and 1 maintenance listed") {
		t.Errorf("Check = %q, %v", what, err)
	}
}

func titles(ds *sources.Dataset) []string {
	var out []string
	for _, e := range ds.Events {
		out = append(out, e.Title)
	}
	return out
}

func TestDependsOnTheWholePage(t *testing.T) {
	ps := mustPage(t, github)
	ds, err := mustSource(t, Config{Name: "github", URL: ps.URL, DependsOn: []string{"*"}}).Fetch(context.Background(), day, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ds.Events {
		if e.Context {
			t.Errorf("%s is context only, but the whole page is depended on", e.Title)
		}
	}
	ds, _ = mustSource(t, Config{Name: "github", URL: ps.URL}).Fetch(context.Background(), day, time.Minute)
	for _, e := range ds.Events {
		if !e.Context {
			t.Errorf("%s is a cause candidate, but nothing depends on the page", e.Title)
		}
	}
}

func TestIncidentsSeenOnceAreRemembered(t *testing.T) {
	ps := mustPage(t, github)
	dir := t.TempDir()
	src := mustSource(t, Config{Name: "github", URL: ps.URL, StateDir: dir, DependsOn: []string{"*"}})
	if _, err := src.Fetch(context.Background(), day, time.Minute); err != nil {
		t.Fatal(err)
	}
	// The page moves on: its list no longer holds the Git incident.
	ps.set("/api/v2/incidents.json", "slack-current.json") // a JSON object with no incidents key
	again := mustSource(t, Config{Name: "github", URL: ps.URL, StateDir: dir, DependsOn: []string{"*"}})
	ds, err := again.Fetch(context.Background(), day, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := byTitle(ds)["upstream: GitHub: Disruption with some GitHub services"]; !ok {
		t.Errorf("the remembered incident is gone: %v", titles(ds))
	}
	if _, err := os.Stat(filepath.Join(dir, "statuspage-github.json")); err != nil {
		t.Error(err)
	}
	// The page is down: what was seen is still reported, with a gap.
	down := mustSource(t, Config{Name: "github", URL: "http://127.0.0.1:1", StateDir: dir, DependsOn: []string{"*"}})
	ds, err = down.Fetch(context.Background(), day, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := byTitle(ds)["upstream: GitHub: Disruption with some GitHub services"]; !ok || len(ds.Gaps) != 1 || !strings.Contains(ds.Gaps[0].Reason, "seen before") {
		t.Errorf("page down: events %v, gaps %v", titles(ds), ds.Gaps)
	}
	// A broken state file is a gap, not a failure, and not silent.
	os.WriteFile(filepath.Join(dir, "statuspage-github.json"), []byte("{garbage"), 0o600)
	ds, err = again.Fetch(context.Background(), day, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Gaps) != 1 || !strings.Contains(ds.Gaps[0].Reason, "unreadable") {
		t.Errorf("gaps %v", ds.Gaps)
	}
}

func TestSlack(t *testing.T) {
	ps := mustPage(t, map[string]string{"/api/v2.0.0/history": "slack-history.json", "/api/v2.0.0/current": "slack-current.json"})
	src := mustSource(t, Config{Name: "slack", Provider: "slack", URL: ps.URL, DependsOn: []string{"Messaging"}})
	w := sources.Window{From: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)}
	ds, err := src.Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	ev := byTitle(ds)
	msg := ev["upstream: Slack: Some users may have trouble loading messages"]
	if !msg.T.Equal(time.Date(2026, 11, 20, 20, 20, 0, 0, time.UTC)) || !msg.End.Equal(time.Date(2026, 11, 20, 21, 5, 31, 0, time.UTC)) ||
		msg.Context || msg.Severity != sources.Error || !strings.Contains(msg.Detail, "Connectivity, Messaging") {
		t.Errorf("messages incident: %+v", msg)
	}
	files := ev["upstream: Slack: Files are failing to upload"]
	if !files.End.IsZero() || !files.Context || files.Severity != sources.Critical {
		t.Errorf("active outage on Files (not depended on): %+v", files)
	}
	if len(ds.Events) != 2 {
		t.Errorf("events %v: the notice of 11-12 is outside the window", titles(ds))
	}
}

func TestKumaIncidentEndsWhenUnpinned(t *testing.T) {
	ps := mustPage(t, map[string]string{"/api/status-page/payments": "kuma-page.json"})
	dir := t.TempDir()
	clock := now
	c := Config{Name: "payfast", Provider: "kuma", URL: ps.URL, Slug: "payments", StateDir: dir, DependsOn: []string{"Card API"}, Now: func() time.Time { return clock }}
	ds, err := mustSource(t, c).Fetch(context.Background(), day, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	inc := byTitle(ds)["upstream: PayFast Status: Card payments failing"]
	if !inc.T.Equal(time.Date(2026, 11, 20, 3, 2, 0, 0, time.UTC)) || !inc.End.IsZero() || inc.Severity != sources.Error || inc.Context {
		t.Errorf("pinned incident: %+v", inc)
	}
	if !strings.HasSuffix(inc.Ref, "/status/payments") {
		t.Errorf("link %q", inc.Ref)
	}
	if m := byTitle(ds)["maintenance: PayFast Status: Database upgrade"]; m.Kind != sources.KindMaintenance {
		t.Errorf("maintenance: %+v", m)
	}
	// An hour later the banner is gone: the incident ended by then.
	clock = now.Add(time.Hour)
	b, _ := os.ReadFile(filepath.Join("testdata", "kuma-page.json"))
	ps.setBody("/api/status-page/payments", strings.Replace(string(b), `"incident": {"id": 7`, `"incident": null, "was": {"id": 7`, 1))
	ds, err = mustSource(t, c).Fetch(context.Background(), sources.Window{From: day.From, To: clock}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	inc = byTitle(ds)["upstream: PayFast Status: Card payments failing"]
	if !inc.End.Equal(clock) {
		t.Errorf("unpinned incident ends %s, want %s (first seen gone)", inc.End, clock)
	}
}

func TestErrorsCarryHints(t *testing.T) {
	ps := mustPage(t, github)
	for name, c := range map[string]Config{
		"wrong provider": {Name: "x", Provider: "slack", URL: ps.URL},
		"unreachable":    {Name: "x", URL: "http://127.0.0.1:1"},
		"unknown slug":   {Name: "x", Provider: "kuma", Slug: "nope", URL: ps.URL},
		"bad depends_on": {Name: "x", URL: ps.URL, DependsOn: []string{"Gti Operations"}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := mustSource(t, c).Check(context.Background())
			if err == nil || !strings.Contains(err.Error(), "hint:") {
				t.Fatalf("err = %v, want a hint", err)
			}
		})
	}
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>maintenance</html>")) }))
	defer html.Close()
	_, err := mustSource(t, Config{Name: "x", URL: html.URL}).Fetch(context.Background(), day, time.Minute)
	if err == nil || !strings.Contains(err.Error(), "not the JSON") {
		t.Errorf("an HTML answer: %v", err)
	}
	for _, c := range []Config{{URL: ""}, {URL: "ftp://x"}, {URL: "http://x", Provider: "kuma"}, {URL: "http://x", Provider: "pagerduty"}} {
		if _, err := New(c); err == nil {
			t.Errorf("New(%+v) accepted", c)
		}
	}
}

func TestContract(t *testing.T) {
	ps := mustPage(t, github)
	sourcetest.Run(t, mustSource(t, Config{Name: "github", URL: ps.URL, DependsOn: []string{"*"}}), day, time.Minute)
}
