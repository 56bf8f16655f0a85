package loki

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
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

// demoEntries are the demo's logs as Loki would hold them from a shipper:
// stream {file="access.log"} for the access log and its rotations, one
// stream per syslog file.
func demoEntries(t testing.TB) []entry {
	loc := seoul(t)
	files, _ := filepath.Glob(filepath.Join(demoDir, "access.log*"))
	syslogs, _ := filepath.Glob(filepath.Join(demoDir, "syslog-*"))
	var out []entry
	for _, f := range append(files, syslogs...) {
		es, err := vltest.ReadLog(f, 2025, loc)
		if err != nil {
			t.Fatal(err)
		}
		set := filepath.Base(f)
		if strings.HasPrefix(set, "access.log") {
			set = "access.log"
		}
		for _, e := range es {
			out = append(out, entry{labels: map[string]string{"file": set}, t: e.T.UnixNano(), line: e.Msg})
		}
	}
	return out
}

func mustNew(t testing.TB, c Config) *Source {
	t.Helper()
	s, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

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
	t.Errorf("Loki and files differ: %d against %d items", len(a), len(b))
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

func demoWindow(t testing.TB) sources.Window {
	loc := seoul(t)
	return sources.Window{From: time.Date(2025, 11, 19, 3, 10, 0, 0, loc), To: time.Date(2025, 11, 21, 3, 10, 0, 0, loc)}
}

func filesDataset(t *testing.T, glob string, w sources.Window) *sources.Dataset {
	files, err := logs.New(logs.Config{Name: "demo", Paths: []string{filepath.Join(demoDir, glob)}, Location: seoul(t)})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := files.Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// The demo's logs read through Loki's API, page by page (5000 lines a
// query, ties at page boundaries included), give what the files give;
// with a tenant and basic auth, and under a short max_query_length.
func TestDemoLikeFiles(t *testing.T) {
	f, srv := newFake(t, demoEntries(t))
	f.tenant, f.user, f.pass = "shop", "hs", "pw-123"
	t.Setenv("LOKI_TEST_PASSWORD", "pw-123")
	w := demoWindow(t)
	for _, tc := range []struct{ query, glob string }{
		{`{file="access.log"}`, "access.log*"},
		{`{file=~"syslog-.*"}`, "syslog-*"},
	} {
		t.Run(tc.glob, func(t *testing.T) {
			want := filesDataset(t, tc.glob, w)
			for _, maxLen := range []time.Duration{721 * time.Hour, 7 * time.Hour} {
				f.maxLength = maxLen
				s := mustNew(t, Config{Name: "demo", URL: srv.URL, Query: tc.query, Tenant: "shop", Location: seoul(t),
					Auth: httpapi.Auth{BasicAuth: httpapi.BasicAuth{User: "hs", PasswordEnv: "LOKI_TEST_PASSWORD"}}})
				got, err := s.Fetch(context.Background(), w, time.Minute)
				if err != nil {
					t.Fatal(err)
				}
				if len(got.Gaps) != 0 {
					t.Errorf("gaps: %v", got.Gaps)
				}
				sameSummary(t, got, want)
			}
			f.maxLength = 721 * time.Hour
			sourcetest.Run(t, mustNew(t, Config{Name: "demo", URL: srv.URL, Query: tc.query, Tenant: "shop", Location: seoul(t),
				Auth: httpapi.Auth{BasicAuth: httpapi.BasicAuth{User: "hs", PasswordEnv: "LOKI_TEST_PASSWORD"}}}), w, time.Minute)
		})
	}
}

// A server with a lower max_entries_limit_per_query says so; the source
// asks again with its limit and gets every line.
func TestMaxEntriesLowered(t *testing.T) {
	for _, wording33 := range []bool{false, true} {
		f, srv := newFake(t, demoEntries(t))
		f.maxEntries, f.wording33 = 700, wording33
		w := demoWindow(t)
		got, err := mustNew(t, Config{Name: "demo", URL: srv.URL, Query: `{file=~"syslog-.*"}`, Location: seoul(t)}).Fetch(context.Background(), w, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		sameSummary(t, got, filesDataset(t, "syslog-*", w))
		refused := 0
		for _, q := range f.requests {
			if strings.Contains(q, "limit=5000") {
				refused++
			}
		}
		if refused != 1 {
			t.Errorf("Loki 3.3 wording %v: %d queries with limit 5000, want 1 (then the server's 700)", wording33, refused)
		}
	}
}

// Over max_query_series, one count for all streams, and a note.
func TestTooManySeries(t *testing.T) {
	f, srv := newFake(t, demoEntries(t))
	f.maxSeries = 1
	w := demoWindow(t)
	got, err := mustNew(t, Config{Name: "demo", URL: srv.URL, Query: `{file=~"syslog-.*"}`, Location: seoul(t)}).Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(got.Notes, "\n"), "max_query_series") {
		t.Errorf("notes %v", got.Notes)
	}
	sameSummary(t, got, filesDataset(t, "syslog-*", w))
}

// Past max_lines: a gap names the sample's size, the lines per step stay
// exact, and every event is there.
func TestSample(t *testing.T) {
	_, srv := newFake(t, demoEntries(t))
	w := demoWindow(t)
	full, err := mustNew(t, Config{URL: srv.URL, Query: `{file=~".+"}`, Location: seoul(t)}).Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, p := range full.Patterns {
		total += p.Total()
	}
	got, err := mustNew(t, Config{URL: srv.URL, Query: `{file=~".+"}`, Location: seoul(t), MaxLines: total / 2, Sample: total / 10}).Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	sampled := 0
	for _, p := range got.Patterns {
		sampled += p.Total()
	}
	if len(got.Gaps) != 1 || !strings.Contains(got.Gaps[0].Reason, fmt.Sprintf("%d lines in the window, more than max_lines %d: patterns mined from a sample of %d lines", total, total/2, sampled)) {
		t.Fatalf("gaps %v; want one naming %d lines and a sample of %d", got.Gaps, total, sampled)
	}
	if sampled > total/10 || sampled < total/20 {
		t.Errorf("sample of %d lines, want about %d", sampled, total/10)
	}
	sum := 0.0
	for _, sr := range got.Series {
		for _, p := range sr.Points {
			sum += p.V
		}
	}
	if int(sum) != total {
		t.Errorf("log lines series sum to %v, want %d", sum, total)
	}
	// Per step and stream, the counts are the files' buckets: a line
	// stamped on the minute is in the minute it starts.
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
	if len(want) == 0 || !maps.Equal(gotSteps, want) {
		n := 0
		for k, v := range want {
			if gotSteps[k] != v && n < 3 {
				t.Errorf("step %s: %d lines counted, the lines say %d", k, gotSteps[k], v)
				n++
			}
		}
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
		t.Errorf("events of the sampled fetch: %d, want %d", len(a), len(b))
	}
}

func TestFailuresExplained(t *testing.T) {
	f, srv := newFake(t, demoEntries(t))
	f.tenant, f.user, f.pass = "shop", "hs", "right-pw"
	t.Setenv("LOKI_TEST_PASSWORD", "wrong-pw-77")
	w := demoWindow(t)
	bad := mustNew(t, Config{Name: "l", URL: srv.URL, Query: `{file="access.log"}`, Tenant: "shop",
		Auth: httpapi.Auth{BasicAuth: httpapi.BasicAuth{User: "hs", PasswordEnv: "LOKI_TEST_PASSWORD"}}})
	for name, err := range map[string]error{
		"fetch": func() error { _, err := bad.Fetch(context.Background(), w, time.Minute); return err }(),
		"check": func() error { _, err := bad.Check(context.Background()); return err }(),
	} {
		if err == nil || !strings.Contains(err.Error(), "HTTP 401") || !strings.Contains(err.Error(), "hint:") || strings.Contains(err.Error(), "wrong-pw-77") {
			t.Errorf("%s with a wrong password: %v", name, err)
		}
	}
	t.Setenv("LOKI_TEST_PASSWORD", "right-pw")
	notenant := mustNew(t, Config{Name: "l", URL: srv.URL, Query: `{file="access.log"}`,
		Auth: httpapi.Auth{BasicAuth: httpapi.BasicAuth{User: "hs", PasswordEnv: "LOKI_TEST_PASSWORD"}}})
	if _, err := notenant.Fetch(context.Background(), w, time.Minute); err == nil || !strings.Contains(err.Error(), "no org id") {
		t.Errorf("without the tenant: %v", err)
	}
	f.tenant, f.user = "", ""
	badq := mustNew(t, Config{Name: "l", URL: srv.URL, Query: `{file="access.log"} |= "x"`})
	if _, err := badq.Fetch(context.Background(), w, time.Minute); err == nil || !strings.Contains(err.Error(), "hint: check query") {
		t.Errorf("bad query: %v", err)
	}
	empty, err := mustNew(t, Config{Name: "l", URL: srv.URL, Query: `{file="access.log"}`}).Fetch(context.Background(),
		sources.Window{From: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)}, time.Minute)
	if err != nil || len(empty.Gaps) != 1 || !strings.Contains(empty.Gaps[0].Reason, "no lines in the window") {
		t.Errorf("empty window: %v %v", empty, err)
	}
	if _, err := mustNew(t, Config{Name: "l", URL: srv.URL, Query: `{file="access.log"}`}).Check(context.Background()); !errors.Is(err, sources.ErrNoData) {
		t.Errorf("check with no recent lines: %v", err)
	}
	srv.Close()
	if _, err := badq.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("server down: %v", err)
	}
}

func TestNewErrors(t *testing.T) {
	for _, c := range []Config{
		{URL: "http://127.0.0.1:3100"},
		{URL: "http://127.0.0.1:3100", Query: "rate({a=\"b\"}[5m])"},
		{Query: `{a="b"}`},
		{URL: "http://127.0.0.1:3100", Query: `{a="b"}`, MaxEntries: -1},
		{URL: "https://user:pw@loki:3100", Query: `{a="b"}`},
	} {
		_, err := New(c)
		if err == nil || !strings.Contains(err.Error(), `loki source "loki"`) || !strings.Contains(err.Error(), "hint") && !strings.Contains(err.Error(), "negative") {
			t.Errorf("%+v: %v", c, err)
		}
		if err != nil && strings.Contains(err.Error(), "pw@") {
			t.Errorf("credentials in %v", err)
		}
	}
}

// Loki 3 may send a third member (structured metadata) in stream values.
func TestFlattenStructuredMetadata(t *testing.T) {
	f, srv := newFake(t, nil)
	_ = f
	_ = srv
	var ss []stream
	body := `[{"stream":{"job":"a"},"values":[["2","second",{"trace_id":"x"}],["1","first"]]},{"stream":{"job":"b"},"values":[["1","b1"]]}]`
	if err := jsonUnmarshal(body, &ss); err != nil {
		t.Fatal(err)
	}
	es, err := flatten(ss)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, fmt.Sprintf("%d %s", e.t, e.line))
	}
	if want := []string{"1 first", "1 b1", "2 second"}; !slices.Equal(got, want) {
		t.Errorf("flatten: %v, want %v", got, want)
	}
	if _, err := flatten([]stream{{Values: nil}}); err != nil {
		t.Error(err)
	}
}

// Pages start at the last timestamp of the page before: the lines there
// already seen are skipped, the others read. More lines at one timestamp
// than a page holds cannot be paged through: the rest is a gap, not a
// failure.
func TestPagingTies(t *testing.T) {
	t0 := time.Date(2025, 11, 20, 10, 0, 0, 0, time.UTC)
	mk := func(at time.Time, n int, tag string) []entry {
		var es []entry
		for i := range n {
			es = append(es, entry{labels: map[string]string{"job": "app"}, t: at.UnixNano(), line: fmt.Sprintf("%s event number %d done", tag, i)})
		}
		return es
	}
	w := sources.Window{From: t0.Add(-time.Minute), To: t0.Add(time.Hour)}
	for _, tc := range []struct {
		tied, want int
		gap        bool
	}{{4, 10, false}, {12, 11, true}} {
		es := append(append(mk(t0, 3, "a"), mk(t0.Add(time.Second), tc.tied, "b")...), mk(t0.Add(2*time.Second), 3, "c")...)
		_, srv := newFake(t, es)
		ds, err := mustNew(t, Config{URL: srv.URL, Query: `{job="app"}`, MaxEntries: 5}).Fetch(context.Background(), w, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		mined := 0
		for _, p := range ds.Patterns {
			mined += p.Total()
		}
		if mined != tc.want {
			t.Errorf("%d tied lines: mined %d, want %d", tc.tied, mined, tc.want)
		}
		if hasGap := len(ds.Gaps) == 1 && strings.Contains(ds.Gaps[0].Reason, "more than 5 lines share one timestamp"); hasGap != tc.gap {
			t.Errorf("%d tied lines: gaps %v", tc.tied, ds.Gaps)
		}
	}
}

// TLS and a bearer token, as for the Prometheus source: a server whose
// CA is given answers; without it the error says what to set.
func TestTLSAndBearer(t *testing.T) {
	f := &fakeLoki{entries: demoEntries(t), maxEntries: 5000, maxLength: 721 * time.Hour, maxSeries: 500}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok-123" {
			f.fail(w, 401, "Unauthorized")
			return
		}
		f.ServeHTTP(w, r)
	}))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("LOKI_TEST_TOKEN", "tok-123")
	w := demoWindow(t)
	good := mustNew(t, Config{Name: "l", URL: srv.URL, Query: `{file=~"syslog-.*"}`, Location: seoul(t),
		Auth: httpapi.Auth{BearerTokenEnv: "LOKI_TEST_TOKEN", TLS: httpapi.TLS{CAFile: ca}}})
	got, err := good.Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	sameSummary(t, got, filesDataset(t, "syslog-*", w))
	noCA := mustNew(t, Config{Name: "l", URL: srv.URL, Query: `{file="x"}`, Auth: httpapi.Auth{BearerTokenEnv: "LOKI_TEST_TOKEN"}})
	if _, err := noCA.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "hint: set tls.ca_file") {
		t.Errorf("without the CA: %v", err)
	}
	t.Setenv("LOKI_TEST_TOKEN", "tok-wrong")
	bad := mustNew(t, Config{Name: "l", URL: srv.URL, Query: `{file="x"}`, Auth: httpapi.Auth{BearerTokenEnv: "LOKI_TEST_TOKEN", TLS: httpapi.TLS{CAFile: ca}}})
	if _, err := bad.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "HTTP 401") || strings.Contains(err.Error(), "tok-wrong") {
		t.Errorf("wrong token: %v", err)
	}
}
