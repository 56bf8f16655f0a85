package logs

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/hindsight-sre/hindsight/sources"
)

// The shared timeline: the night of 2025-11-20 in Seoul, 03:00 KST = 18:00Z.
var (
	t0    = time.Date(2025, 11, 19, 18, 0, 0, 0, time.UTC)
	night = sources.Window{From: t0, To: t0.Add(10 * time.Minute)}
)

func mustSeoul(tb testing.TB) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		tb.Fatalf("tzdata: %v", err)
	}
	return loc
}

func mustWrite(tb testing.TB, dir, name, data string) string {
	tb.Helper()
	p := filepath.Join(dir, name)
	b := []byte(data)
	if strings.HasSuffix(name, ".gz") {
		b = gz(tb, b)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

func gz(tb testing.TB, data []byte) []byte {
	tb.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(data)
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func mustFetch(tb testing.TB, c Config, w sources.Window, step time.Duration) *sources.Dataset {
	tb.Helper()
	s, err := New(c)
	if err != nil {
		tb.Fatal(err)
	}
	ds, err := s.Fetch(context.Background(), w, step)
	if err != nil {
		tb.Fatal(err)
	}
	checkContract(tb, s.Name(), w, int64(step), ds)
	return ds
}

// access writes one nginx line at t0+d in KST.
func access(d time.Duration, req string, status int, rt string) string {
	t := t0.Add(d).In(time.FixedZone("KST", 9*3600))
	return fmt.Sprintf(`203.0.113.7 - - [%s] "%s" %d 612 "-" "Mozilla/5.0" %s`+"\n",
		t.Format("02/Jan/2006:15:04:05 -0700"), req, status, rt)
}

func seriesByName(ds *sources.Dataset) map[string]sources.Series {
	m := map[string]sources.Series{}
	for _, s := range ds.Series {
		m[s.Name] = s
	}
	return m
}

func patternByTemplate(ds *sources.Dataset) map[string]sources.LogPattern {
	m := map[string]sources.LogPattern{}
	for _, p := range ds.Patterns {
		m[p.Template] = p
	}
	return m
}

func TestAccessLogSet(t *testing.T) {
	dir := t.TempDir()
	// Oldest first: .2.gz holds the hour before the window, .1 the first
	// two minutes, the live file the rest.
	mustWrite(t, dir, "access.log.2.gz",
		access(-time.Hour, "GET / HTTP/1.1", 200, "0.010")+
			access(-time.Minute, "GET / HTTP/1.1", 200, "0.010"))
	mustWrite(t, dir, "access.log.1",
		access(0, "GET /api/items/1 HTTP/1.1", 200, "0.100")+
			access(10*time.Second, "GET /api/items/2 HTTP/1.1", 200, "0.200")+
			access(20*time.Second, "GET /api/items/3 HTTP/1.1", 502, "0.300")+
			access(30*time.Second, "GET /api/items/4 HTTP/1.1", 200, "0.400")+
			access(time.Minute, "POST /login HTTP/1.1", 500, "2.000"))
	mustWrite(t, dir, "access.log",
		access(2*time.Minute, "GET /api/items/5 HTTP/1.1", 200, "0.050")+
			"this is not an access log line\n"+
			"\n"+
			access(3*time.Minute, "GET /api/items/6 HTTP/1.1", 200, "0.050")+
			"garbage again\n"+
			access(3*time.Hour, "GET /late HTTP/1.1", 200, "0.050")+
			"after the window: never read\n")
	mustWrite(t, dir, "other.txt", "not matched\n")

	glob := filepath.Join(dir, "access.log*")
	ds := mustFetch(t, Config{Name: "web", Paths: []string{glob}}, night, time.Minute)

	s := seriesByName(ds)
	req := s["nginx requests"]
	if len(req.Points) != 10 || req.Role != sources.Traffic || req.Unit != "1/s" || req.Labels["file"] != "access.log" || req.Query != "file:"+glob {
		t.Fatalf("requests = %+v", req)
	}
	wantReq := []float64{4, 1, 1, 1, 0, 0, 0, 0, 0, 0}
	for i, p := range req.Points {
		if p.V*60 != wantReq[i] || !p.T.Equal(t0.Add(time.Duration(i)*time.Minute)) {
			t.Errorf("requests[%d] = %v at %v, want %v/60", i, p.V, p.T, wantReq[i])
		}
	}
	if e := s["nginx 5xx"]; e.Role != sources.Errors || e.Points[0].V*60 != 1 || e.Points[1].V*60 != 1 || e.Points[2].V != 0 {
		t.Errorf("5xx = %+v", e.Points[:3])
	}
	p50, p95 := s["nginx request time p50"], s["nginx request time p95"]
	if p50.Role != sources.Latency || p50.Unit != "s" || len(p50.Points) != 4 {
		t.Fatalf("p50 = %+v", p50)
	}
	// Minute 0 had 0.1, 0.2, 0.3, 0.4: p50 0.25, p95 0.385.
	if got := p50.Points[0].V; got < 0.2499 || got > 0.2501 {
		t.Errorf("p50[0] = %v, want 0.25", got)
	}
	if got := p95.Points[0].V; got < 0.3849 || got > 0.3851 {
		t.Errorf("p95[0] = %v, want 0.385", got)
	}
	if p95.Points[1].V != 2 {
		t.Errorf("p95[1] = %v, want 2", p95.Points[1].V)
	}

	pats := patternByTemplate(ds)
	items := pats["GET /api/items/<*> 2xx"]
	if items.Total() != 5 || items.Level != "info" || !items.FirstSeen.Equal(t0) || len(items.Examples) != 3 ||
		items.Examples[0].File != filepath.Join(dir, "access.log.1") || items.Examples[0].Line != 1 || items.File != "access.log" {
		t.Errorf("items pattern = %+v", items)
	}
	if p := pats["GET /api/items/<*> 5xx"]; p.Total() != 1 || p.Level != "error" {
		t.Errorf("5xx pattern = %+v", p)
	}
	if p := pats["POST /login 5xx"]; p.Total() != 1 || len(p.Counts) != 1 || !p.Counts[0].T.Equal(t0.Add(time.Minute)) {
		t.Errorf("login pattern = %+v", p)
	}
	if _, ok := pats["GET / 2xx"]; ok {
		t.Error("lines before the window were counted")
	}
	if len(ds.Gaps) != 1 || !strings.Contains(ds.Gaps[0].Reason, "2 of ") ||
		!strings.Contains(ds.Gaps[0].Reason, "first at line 2") || ds.Gaps[0].What != filepath.Join(dir, "access.log") {
		t.Errorf("gaps = %v, want one for 2 bad lines in access.log from line 2", ds.Gaps)
	}
}

func TestSyslogEvents(t *testing.T) {
	dir := t.TempDir()
	log := `Nov 20 03:00:00 db1 systemd[1]: Started Session 42 of User root.
Nov 20 03:00:01 db1 CRON[1234]: (root) CMD (/usr/local/bin/backup.sh --full)
Nov 20 03:00:01 db1 CRON[1235]: (www) CMD (php /var/www/artisan schedule:run >> /dev/null 2>&1)
Nov 20 03:01:00 db1 systemd[1]: Stopping A high performance web server and a reverse proxy server...
Nov 20 03:01:01 db1 systemd[1]: nginx.service: Main process exited, code=killed, status=9/KILL
Nov 20 03:01:02 db1 systemd[1]: Started A high performance web server and a reverse proxy server.
Nov 20 03:02:00 db1 kernel: [812345.123456] Out of memory: Killed process 4321 (postgres) total-vm:8192000kB, anon-rss:4096000kB
Nov 20 03:03:00 db1 deployer[77]: deployed release v2.4.1 to production
Nov 20 03:04:00 db1 postgres[900]: ERROR: could not serialize access due to concurrent update
Nov 20 03:04:30 db1 postgres[901]: ERROR: could not serialize access due to concurrent update
Nov 20 03:05:00 db1 nginx: restarting
Nov 20 03:05:01 db1 systemd[1]: Stopped target Timers.
Nov 20 03:06:00 db1 kernel: [812399.1] Memory cgroup out of memory: Killed process 999 (node) total-vm:1kB
Nov 20 04:00:00 db1 CRON[2000]: (root) CMD (/usr/bin/true)
`
	mustWrite(t, dir, "syslog", log)
	ds := mustFetch(t, Config{Name: "sys", Paths: []string{filepath.Join(dir, "syslog")}, Location: mustSeoul(t)}, night, time.Minute)
	if len(ds.Gaps) > 0 {
		t.Fatalf("gaps: %v", ds.Gaps)
	}
	type ev struct {
		kind  sources.EventKind
		sev   sources.Severity
		title string
		line  int
	}
	want := []ev{
		{sources.KindBackup, sources.Info, "cron: /usr/local/bin/backup.sh --full", 2},
		{sources.KindCron, sources.Info, "cron: php /var/www/artisan schedule:run >> /dev/null 2>&1", 3},
		{sources.KindRestart, sources.Info, "restart: Stopping A high performance web server and a reverse proxy server", 4},
		{sources.KindRestart, sources.Warning, "restart: nginx.service: Main process exited, code=killed, status=9/KILL", 5},
		{sources.KindRestart, sources.Info, "restart: Started A high performance web server and a reverse proxy server", 6},
		{sources.KindOOM, sources.Error, "oom: killed process 4321 (postgres) total-vm:8192000kB", 7},
		{sources.KindDeploy, sources.Info, "deploy: deployer: deployed release v2.4.1 to production", 8},
		{sources.KindRestart, sources.Info, "restart: nginx: restarting", 11},
		{sources.KindOOM, sources.Error, "oom: killed process 999 (node) total-vm:1kB", 13},
	}
	if len(ds.Events) != len(want) {
		for _, e := range ds.Events {
			t.Logf("%+v", e)
		}
		t.Fatalf("%d events, want %d", len(ds.Events), len(want))
	}
	for i, w := range want {
		e := ds.Events[i]
		ref := fmt.Sprintf("%s:%d", filepath.Join(dir, "syslog"), w.line)
		if e.Kind != w.kind || e.Severity != w.sev || e.Title != w.title || e.Ref != ref || e.Source != "sys" {
			t.Errorf("event %d = %+v\nwant %+v at %s", i, e, w, ref)
		}
	}
	if !ds.Events[0].T.Equal(t0.Add(time.Second)) {
		t.Errorf("cron at %v, want %v (03:00:01 KST)", ds.Events[0].T, t0.Add(time.Second))
	}
	pats := patternByTemplate(ds)
	pg := pats["postgres: ERROR: could not serialize access due to concurrent update"]
	if pg.Total() != 2 || pg.Level != "error" || len(pg.Counts) != 1 || pg.Counts[0].N != 2 || pg.File != "syslog" {
		t.Errorf("postgres pattern = %+v", pg)
	}
	if p, ok := pats["CRON: (<*>) CMD (<*> --full)"]; !ok || p.Level != "info" {
		t.Errorf("cron pattern = %+v (have %v)", p, keys(pats))
	}
	if len(ds.Series) != 0 {
		t.Errorf("syslog made series: %v", ds.Series)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestDetectPerFile(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, dir, "access.log", "\n"+access(0, "GET / HTTP/1.1", 200, "0.001"))
	mustWrite(t, dir, "messages", "Nov 20 03:00:05 h app[1]: hello 42\n")
	ds := mustFetch(t, Config{Paths: []string{filepath.Join(dir, "access.log"), filepath.Join(dir, "messages")}, Location: mustSeoul(t)}, night, time.Minute)
	pats := patternByTemplate(ds)
	if _, ok := pats["GET / 2xx"]; !ok {
		t.Errorf("no access pattern: %v", keys(pats))
	}
	if p, ok := pats["app: hello <*>"]; !ok || p.Examples[0].Line != 1 || p.File != "messages" {
		t.Errorf("no syslog pattern: %v", keys(pats))
	}
	if p := pats["GET / 2xx"]; len(p.Examples) == 0 || p.Examples[0].Line != 2 {
		t.Errorf("access example line = %+v, want 2 (after a blank line)", p.Examples)
	}
	if len(ds.Gaps) != 0 {
		t.Errorf("gaps = %v", ds.Gaps)
	}
}

func TestGapsAndErrors(t *testing.T) {
	dir := t.TempDir()
	var long strings.Builder
	for i := range 3000 {
		long.WriteString(access(time.Duration(i)*100*time.Millisecond, "GET /x HTTP/1.1", 200, "0.001"))
	}
	full := gz(t, []byte(long.String()))
	os.WriteFile(filepath.Join(dir, "trunc.log.gz"), full[:len(full)/2], 0o644)
	os.WriteFile(filepath.Join(dir, "bad.log.gz"), []byte("\x1f\x8b\x08garbage"), 0o644)
	mustWrite(t, dir, "old.log", access(-48*time.Hour, "GET / HTTP/1.1", 200, "0.001"))
	mustWrite(t, dir, "empty.log", "")
	mustWrite(t, dir, "huge.log", access(0, "GET / HTTP/1.1", 200, "0.001")+strings.Repeat("x", 3<<20)+"\n"+
		access(time.Second, "GET / HTTP/1.1", 200, "0.001"))
	mustWrite(t, dir, "binary.log", "\x00\x01\x02 not a log\n")
	os.Mkdir(filepath.Join(dir, "sub.log"), 0o755)

	tests := []struct {
		name    string
		paths   []string
		wantErr string
		wantGap []string
	}{
		{"truncated gzip keeps what was read", []string{"trunc.log.gz"}, "", []string{"trunc.log.gz", "kept the lines before it"}},
		{"broken gzip header", []string{"bad.log.gz"}, "", []string{"bad.log.gz", "gzip"}},
		{"outside the window", []string{"old.log"}, "", []string{"no lines in window; the files cover 2025-11-17T18:00:00Z..2025-11-17T18:00:00Z"}},
		{"empty file", []string{"empty.log"}, "", []string{"no lines in the window"}},
		{"unknown format", []string{"binary.log"}, "", []string{"format not recognised", "hint:"}},
		{"a huge line is skipped, not the rest", []string{"huge.log"}, "", []string{"1 of 3 lines read not understood, first at line 2", "longer than 1 MiB"}},
		{"glob skips directories", []string{"*.log"}, "", nil},
		{"no match", []string{"nope*.log"}, "no file matches", nil},
		{"directory", []string{"sub.log"}, "is a directory; hint:", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var paths []string
			for _, p := range tt.paths {
				paths = append(paths, filepath.Join(dir, p))
			}
			s, err := New(Config{Paths: paths, Format: ""})
			if err != nil {
				t.Fatal(err)
			}
			ds, err := s.Fetch(context.Background(), night, time.Minute)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var all []string
			for _, g := range ds.Gaps {
				all = append(all, g.String())
			}
			text := strings.Join(all, "\n")
			for _, w := range tt.wantGap {
				if !strings.Contains(text, w) {
					t.Errorf("gaps %q lack %q", text, w)
				}
			}
			if tt.name == "truncated gzip keeps what was read" && len(ds.Series) == 0 {
				t.Error("nothing kept from the truncated file")
			}
			if tt.name == "a huge line is skipped, not the rest" {
				if p := patternByTemplate(ds)["GET / 2xx"]; p.Total() != 2 {
					t.Errorf("lines around the huge one: %d, want 2", p.Total())
				}
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	for _, c := range []Config{
		{},
		{Paths: []string{"x"}, Format: "xml"},
		{Paths: []string{"x"}, DeployPattern: "("},
		{Paths: []string{"x"}, BackupPattern: "["},
		{Paths: []string{"["}},
	} {
		if _, err := New(c); err == nil {
			t.Errorf("New(%+v) accepted", c)
		}
	}
}

func TestTemplateCap(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	word := func(n int) string {
		w := ""
		for n++; n > 0; n /= 26 {
			w += string(rune('a' + n%26))
		}
		return w
	}
	for i := range MaxTemplates + 50 {
		// Letters only, no two lines alike, and no two with the same
		// first two words: every line is alone in its leaf of the
		// miner's tree, a template of its own.
		fmt.Fprintf(&b, "Nov 20 03:00:%02d h app: k%s v%s z%s\n", i%60, word(i%40), word(i/40), word(i))
	}
	mustWrite(t, dir, "app.log", b.String())
	ds := mustFetch(t, Config{Paths: []string{filepath.Join(dir, "app.log")}, Location: mustSeoul(t)}, night, time.Minute)
	if len(ds.Patterns) != MaxTemplates+1 {
		t.Fatalf("%d patterns, want %d", len(ds.Patterns), MaxTemplates+1)
	}
	other := patternByTemplate(ds)["<other>"]
	if other.Total() != 50 || !slices.ContainsFunc(ds.Notes, func(n string) bool { return strings.Contains(n, "more than 1000 kinds") }) {
		t.Errorf("other = %d lines, notes %v", other.Total(), ds.Notes)
	}
}

func TestCanceled(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for range 10000 {
		b.WriteString(access(0, "GET / HTTP/1.1", 200, "0.001"))
	}
	mustWrite(t, dir, "a.log", b.String())
	s, _ := New(Config{Paths: []string{filepath.Join(dir, "a.log")}})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Fetch(ctx, night, time.Minute); err == nil {
		t.Fatal("no error after cancel")
	}
}

func TestSetsOfOneNameInTwoDirectories(t *testing.T) {
	dir := t.TempDir()
	for _, site := range []string{"shop", "api"} {
		os.Mkdir(filepath.Join(dir, site), 0o755)
		mustWrite(t, filepath.Join(dir, site), "access.log", access(0, "GET / HTTP/1.1", 200, "0.001"))
	}
	ds := mustFetch(t, Config{Paths: []string{filepath.Join(dir, "*", "access.log")}}, night, time.Minute)
	seen := map[string]bool{}
	for _, s := range ds.Series {
		if seen[s.Key()] {
			t.Fatalf("two series with key %s", s.Key())
		}
		seen[s.Key()] = true
	}
	if !seen[`logs/nginx requests{file="api/access.log"}`] || !seen[`logs/nginx requests{file="shop/access.log"}`] {
		t.Errorf("series keys = %v", seen)
	}
}

// TestLoghubCorpora reads real syslog corpora from loghub (shared/fixtures):
// every line must be understood, and the templates must be few and right.
func TestLoghubCorpora(t *testing.T) {
	root := filepath.Join("..", "..", "..", "shared", "fixtures", "loghub")
	if _, err := os.Stat(root); err != nil {
		t.Skipf("shared fixtures not beside the repository: %v", err)
	}
	year := sources.Window{From: time.Date(2005, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2005, 12, 31, 0, 0, 0, 0, time.UTC)}
	tests := []struct {
		file        string
		maxPatterns int
		want        []string
	}{
		{"Linux/Linux_2k.log", 140, []string{
			"sshd(pam_unix): authentication failure; logname= uid=<*> euid=<*> tty=NODEVssh ruser= rhost=<*>",
			"ftpd: connection from <*> (<*>) at <*>:<*>:<*>",
		}},
		{"OpenSSH/OpenSSH_2k.log", 200, []string{
			"sshd: Failed password for invalid user <*> from <*> port <*> ssh2",
			"sshd: Received disconnect from <*>: <*>: Bye Bye [preauth]",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			ds := mustFetch(t, Config{Paths: []string{filepath.Join(root, tt.file)}}, year, time.Hour)
			if len(ds.Gaps) > 0 {
				t.Errorf("gaps: %v", ds.Gaps)
			}
			if len(ds.Patterns) > tt.maxPatterns {
				t.Errorf("%d patterns, want at most %d", len(ds.Patterns), tt.maxPatterns)
			}
			pats := patternByTemplate(ds)
			for _, w := range tt.want {
				if _, ok := pats[w]; !ok {
					t.Errorf("no pattern %q", w)
				}
			}
			for _, e := range ds.Events {
				if e.Kind == sources.KindDeploy {
					t.Errorf("sshd login attempt taken for a deploy: %+v", e)
				}
			}
		})
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, dir, "access.log", "")
	mustWrite(t, dir, "access.log.1", "")
	mustWrite(t, dir, "syslog", "")
	s, err := New(Config{Paths: []string{filepath.Join(dir, "access.log*"), filepath.Join(dir, "syslog")}})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Check(context.Background()); err != nil || got != "3 log files in 2 sets" {
		t.Errorf("Check = %q, %v", got, err)
	}
	mustWrite(t, dir, "access.log", access(0, "GET / HTTP/1.1", 200, "0.001"))
	mustWrite(t, dir, "syslog", "Nov 20 03:00:01 db1 CRON[1]: (root) CMD (x)\n")
	if got, err := s.Check(context.Background()); err != nil || got != "3 log files in 2 sets (nginx, syslog)" {
		t.Errorf("Check = %q, %v", got, err)
	}
	s, _ = New(Config{Paths: []string{filepath.Join(dir, "nginx", "*.log")}})
	if _, err := s.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "hint:") {
		t.Errorf("Check of a missing glob = %v, want an error with a hint", err)
	}
}

// A window across New Year reads December and January syslog lines into
// the right years.
func TestSyslogAcrossNewYear(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, dir, "syslog.1", "Dec 31 23:59:00 h CRON[1]: (root) CMD (/usr/local/bin/backup.sh)\n")
	mustWrite(t, dir, "syslog", "Jan  1 00:01:00 h CRON[2]: (root) CMD (/usr/bin/true)\n")
	w := sources.Window{From: time.Date(2025, 12, 31, 23, 0, 0, 0, time.UTC), To: time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC)}
	ds := mustFetch(t, Config{Paths: []string{filepath.Join(dir, "syslog*")}}, w, time.Minute)
	if len(ds.Events) != 2 || ds.Events[0].T.Year() != 2025 || ds.Events[1].T.Year() != 2026 ||
		!strings.HasSuffix(ds.Events[0].Ref, "syslog.1:1") || ds.Events[0].Kind != sources.KindBackup {
		t.Errorf("events = %+v", ds.Events)
	}
}

// A syslog file longer than a year: last year's line from just after the
// window's date must not end the reading before this year's lines.
func TestSyslogOverAYear(t *testing.T) {
	dir := t.TempDir()
	mustWrite(t, dir, "syslog", "Nov 20 04:00:00 h app: last year, the day after\n"+
		"Nov 19 18:05:00 h app: in the window\n")
	ds := mustFetch(t, Config{Paths: []string{filepath.Join(dir, "syslog")}}, night, time.Minute)
	if len(ds.Patterns) != 1 || ds.Patterns[0].Template != "app: in the window" {
		t.Errorf("patterns = %+v", ds.Patterns)
	}
}
