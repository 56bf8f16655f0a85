package victorialogs

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/internal/vltest"
	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/internal/httpapi"
	"github.com/hindsight-sre/hindsight/sources/logs"
	"github.com/hindsight-sre/hindsight/sources/sourcetest"
)

var demoDir = filepath.Join("..", "..", "testdata", "demo")

func seoul(t testing.TB) *time.Location {
	loc, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustNew(t testing.TB, c Config) *Source {
	t.Helper()
	s, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// summarize lists what analysis reads of a dataset, references left out.
func summarize(ds *sources.Dataset) []string {
	var out []string
	for _, s := range ds.Series {
		sum := 0.0
		for _, p := range s.Points {
			sum += p.V
		}
		out = append(out, fmt.Sprintf("series %s %d points sum %.6g", s.Key(), len(s.Points), sum))
	}
	for _, e := range ds.Events {
		out = append(out, fmt.Sprintf("event %s %s %s %s", e.T.UTC().Format(time.RFC3339), e.Kind, e.Severity, e.Title))
	}
	for _, p := range ds.Patterns {
		out = append(out, fmt.Sprintf("pattern %s %s %s %d first %s buckets %d", p.File, p.Level, p.Template, p.Total(), p.FirstSeen.UTC().Format(time.RFC3339), len(p.Counts)))
	}
	return out
}

func sameSummary(t *testing.T, got, want *sources.Dataset) {
	t.Helper()
	a, b := summarize(got), summarize(want)
	if len(b) == 0 {
		t.Fatal("the files gave nothing to compare")
	}
	if slices.Equal(a, b) {
		return
	}
	t.Errorf("VictoriaLogs and files differ: %d against %d items", len(a), len(b))
	for i := range max(len(a), len(b)) {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			t.Errorf("first difference at %d:\n got  %s\n want %s", i, x, y)
			return
		}
	}
}

// The demo's logs, ingested into a real VictoriaLogs, give the series,
// events and patterns the files give: the nginx set and the two syslogs.
func TestDemoLikeFiles(t *testing.T) {
	srv := vltest.Start(t)
	if n := srv.LoadDemo(t, demoDir); n < 70000 {
		t.Fatalf("loaded %d lines", n)
	}
	loc := seoul(t)
	w := sources.Window{From: time.Date(2025, 11, 19, 3, 10, 0, 0, loc), To: time.Date(2025, 11, 21, 3, 10, 0, 0, loc)}
	for _, tc := range []struct{ query, glob string }{
		{`{file="access.log"}`, "access.log*"},
		{`{file=~"syslog-.*"}`, "syslog-*"},
	} {
		t.Run(tc.glob, func(t *testing.T) {
			files, err := logs.New(logs.Config{Name: "demo", Paths: []string{filepath.Join(demoDir, tc.glob)}, Location: loc})
			if err != nil {
				t.Fatal(err)
			}
			want, err := files.Fetch(context.Background(), w, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			s := mustNew(t, Config{Name: "demo", URL: srv.URL, Query: tc.query, Location: loc})
			got, err := s.Fetch(context.Background(), w, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Gaps) != 0 {
				t.Errorf("gaps: %v", got.Gaps)
			}
			sameSummary(t, got, want)
			sourcetest.Run(t, s, w, time.Minute)
			for _, p := range got.Patterns {
				if len(p.Examples) == 0 || !strings.HasPrefix(p.Examples[0].Ref(), p.File+":") {
					t.Fatalf("pattern %q: examples %+v, want refs stream:n", p.Template, p.Examples)
				}
			}
		})
	}
}

// Past max_lines the patterns come from a sample whose size the gap names;
// the lines per step stay exact and the events are all there.
func TestSampleNamedAndEventsWhole(t *testing.T) {
	srv := vltest.Start(t)
	srv.LoadDemo(t, demoDir)
	loc := seoul(t)
	w := sources.Window{From: time.Date(2025, 11, 19, 3, 10, 0, 0, loc), To: time.Date(2025, 11, 21, 3, 10, 0, 0, loc)}
	full, err := mustNew(t, Config{URL: srv.URL, Location: loc}).Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, p := range full.Patterns {
		total += p.Total()
	}
	s := mustNew(t, Config{URL: srv.URL, Location: loc, MaxLines: total / 2, Sample: total / 10})
	got, err := s.Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Gaps) != 1 || !strings.Contains(got.Gaps[0].Reason, fmt.Sprintf("%d lines in the window, more than max_lines %d", total, total/2)) {
		t.Fatalf("gaps %v, want one naming the %d lines and the cap", got.Gaps, total)
	}
	sampled := 0
	for _, p := range got.Patterns {
		sampled += p.Total()
	}
	if !strings.Contains(got.Gaps[0].Reason, fmt.Sprintf("a sample of %d lines", sampled)) {
		t.Errorf("gap %q does not name the %d lines mined", got.Gaps[0].Reason, sampled)
	}
	if sampled < total/20 || sampled > total/5 {
		t.Errorf("sample of %d lines, want about %d", sampled, total/10)
	}
	var fromHits float64
	for _, sr := range got.Series {
		if sr.Name != "log lines" {
			t.Errorf("series %s from a sample", sr.Key())
		}
		for _, p := range sr.Points {
			fromHits += p.V
		}
	}
	if int(fromHits) != total {
		t.Errorf("log lines series sum to %v, want %d", fromHits, total)
	}
	// Per step and stream, the server's counts are the lines' buckets.
	want := map[string]int{}
	for _, p := range full.Patterns {
		for _, c := range p.Counts {
			want[p.File+" "+c.T.UTC().Format(time.RFC3339)] += c.N
		}
	}
	gotSteps := map[string]int{}
	for _, sr := range got.Series {
		for _, p := range sr.Points {
			gotSteps[sr.Labels["stream"]+" "+p.T.UTC().Format(time.RFC3339)] += int(p.V)
		}
	}
	for k, v := range gotSteps {
		if v == 0 {
			delete(gotSteps, k)
		}
	}
	if len(want) == 0 || !maps.Equal(gotSteps, want) {
		t.Errorf("per-step counts differ from the lines' buckets (%d against %d steps)", len(gotSteps), len(want))
	}
	ev := func(ds *sources.Dataset) []string {
		var out []string
		for _, e := range ds.Events {
			out = append(out, e.T.UTC().Format(time.RFC3339)+" "+e.Title)
		}
		return out
	}
	if a, b := ev(got), ev(full); !slices.Equal(a, b) || len(b) == 0 {
		t.Errorf("events of the sampled fetch differ: %d against %d", len(a), len(b))
	}
	// The sample is the same every run: the contract holds sampled too.
	sourcetest.Run(t, s, w, time.Minute)
}

func TestEmptyWindowIsAGap(t *testing.T) {
	srv := vltest.Start(t)
	srv.LoadDemo(t, demoDir)
	w := sources.Window{From: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)}
	ds, err := mustNew(t, Config{Name: "vl", URL: srv.URL}).Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Gaps) != 1 || !strings.Contains(ds.Gaps[0].Reason, "no lines in the window") {
		t.Fatalf("gaps %v", ds.Gaps)
	}
	out, err := mustNew(t, Config{Name: "vl", URL: srv.URL}).Check(context.Background())
	if err != nil || !strings.Contains(out, "no lines in the last 24 h") || !strings.Contains(out, "the newest at 2025-11-21") {
		t.Errorf("check: %q, %v", out, err)
	}
	_, err = mustNew(t, Config{Name: "vl", URL: srv.URL, Query: `{file="nothing"}`}).Check(context.Background())
	if !errors.Is(err, sources.ErrNoData) || !strings.Contains(err.Error(), "hint:") {
		t.Errorf("check of a query matching nothing: %v", err)
	}
}

// Failures name the source and say what to do; the password never shows.
func TestFailuresExplained(t *testing.T) {
	const password = "s3cret-Pa55"
	srv := vltest.Start(t, "-httpAuth.username=hs", "-httpAuth.password="+password)
	t.Setenv("VL_TEST_PASSWORD", "wrong-"+password)
	w := sources.Window{From: time.Date(2025, 11, 19, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 11, 20, 0, 0, 0, 0, time.UTC)}
	bad := mustNew(t, Config{Name: "vl", URL: srv.URL, Auth: httpapi.Auth{BasicAuth: httpapi.BasicAuth{User: "hs", PasswordEnv: "VL_TEST_PASSWORD"}}})
	for _, f := range []func() error{
		func() error { _, err := bad.Fetch(context.Background(), w, time.Minute); return err },
		func() error { _, err := bad.Check(context.Background()); return err },
	} {
		err := f()
		if err == nil || !strings.Contains(err.Error(), "HTTP 401") || !strings.Contains(err.Error(), "hint: wrong or missing credentials") {
			t.Errorf("wrong password: %v", err)
		}
		if err != nil && strings.Contains(err.Error(), password) {
			t.Errorf("the password shows: %v", err)
		}
	}
	t.Setenv("VL_TEST_PASSWORD", password)
	good := mustNew(t, Config{Name: "vl", URL: srv.URL, Query: "{file=", Auth: httpapi.Auth{BasicAuth: httpapi.BasicAuth{User: "hs", PasswordEnv: "VL_TEST_PASSWORD"}}})
	_, err := good.Fetch(context.Background(), w, time.Minute)
	if err == nil || !strings.Contains(err.Error(), "hint: check query: it is LogsQL") {
		t.Errorf("bad query: %v", err)
	}

	// Nothing listens on the port of a stopped server.
	down := mustNew(t, Config{Name: "vl", URL: "http://127.0.0.1:9"})
	if _, err := down.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), "hint:") {
		t.Errorf("unreachable: %v", err)
	}
}

func TestNewErrors(t *testing.T) {
	for _, c := range []Config{
		{},
		{URL: "127.0.0.1:9428"},
		{URL: "http://u:p@127.0.0.1:9428"},
		{URL: "http://127.0.0.1:9428", Format: "<Date"},
		{URL: "http://127.0.0.1:9428", MaxLines: -1},
		{URL: "http://127.0.0.1:9428", Auth: httpapi.Auth{BearerTokenEnv: "HINDSIGHT_UNSET_VAR"}},
	} {
		if _, err := New(c); err == nil || !strings.Contains(err.Error(), `victorialogs source "victorialogs"`) {
			t.Errorf("%+v: %v", c, err)
		} else if strings.Contains(err.Error(), "u:p@") {
			t.Errorf("credentials in %v", err)
		}
	}
}

func TestStreamName(t *testing.T) {
	for in, want := range map[string]string{
		`{file="access.log"}`:     "access.log",
		`{app="api",host="web1"}`: "api/web1",
		`{}`:                      "def",
		`{a="x\"y"}`:              `x"y`,
		`{broken`:                 `{broken`,
		`{a="1",b=2}`:             `{a="1",b=2}`,
	} {
		if got := streamName(in, "def"); got != want {
			t.Errorf("streamName(%s) = %q, want %q", in, got, want)
		}
	}
}

func TestPagesOf(t *testing.T) {
	w := sources.Window{From: time.Unix(0, 0), To: time.Unix(600, 0)}
	counts := map[int64]int{0: 40, 60: 30, 120: 50, 300: 200, 540: 10}
	pages := pagesOf(w, time.Minute, counts, 100)
	var got []string
	for _, p := range pages {
		got = append(got, fmt.Sprintf("%d-%d", p.From.Unix(), p.To.Unix()))
	}
	want := []string{"0-120", "120-300", "300-540", "540-600"}
	if !slices.Equal(got, want) {
		t.Errorf("pages %v, want %v", got, want)
	}
}

// With format json the whole entry is the line: the store's fields (here
// level and component) are read as for JSON log files, _msg is the
// message.
func TestFormatJSONReadsFields(t *testing.T) {
	srv := vltest.Start(t)
	t0 := time.Date(2025, 11, 20, 3, 0, 0, 0, time.UTC)
	var es []vltest.Entry
	for i := range 30 {
		lvl, msg := "info", fmt.Sprintf("order %d paid", i)
		if i%3 == 0 {
			lvl, msg = "error", fmt.Sprintf("db timeout after %d ms", 100+i)
		}
		es = append(es, vltest.Entry{T: t0.Add(time.Duration(i) * time.Second), Msg: msg,
			Fields: map[string]string{"app": "api", "level": lvl, "component": "billing"}})
	}
	srv.Ingest(t, []string{"app"}, es)
	w := sources.Window{From: t0, To: t0.Add(time.Hour)}
	ds, err := mustNew(t, Config{URL: srv.URL, Format: "json"}).Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	levels := map[string]string{}
	for _, p := range ds.Patterns {
		levels[p.Template] = p.Level
	}
	if levels["billing: db timeout after <*> ms"] != "error" || levels["billing: order <*> paid"] != "info" {
		t.Errorf("patterns %v; want the component as program and the level from the fields", levels)
	}
}
