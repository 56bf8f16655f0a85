// Package vltest starts a real VictoriaLogs for tests, on 127.0.0.1 with
// its own data directory, and loads log files into it as a log shipper
// would. The binary comes from scripts/test.sh (go install of
// github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs into
// .cache/bin), from $HINDSIGHT_VICTORIALOGS, or from PATH.
package vltest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"
)

// Version is the VictoriaLogs release the tests run against.
const Version = "v1.52.2"

// Server is a running VictoriaLogs.
type Server struct {
	URL string
	cmd *exec.Cmd
}

// binary finds victoria-logs.
func binary() (string, error) {
	if p := os.Getenv("HINDSIGHT_VICTORIALOGS"); p != "" {
		return p, nil
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	if p := filepath.Join(root, ".cache", "bin", "victoria-logs"); fileExists(p) {
		return p, nil
	}
	return exec.LookPath("victoria-logs")
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// Start starts a server for the test and stops it (by PID) when the test
// ends; args are further flags (-httpAuth.username=...). It skips only
// when HINDSIGHT_SKIP_INTEGRATION=1 is set.
func Start(tb testing.TB, args ...string) *Server {
	tb.Helper()
	if os.Getenv("HINDSIGHT_SKIP_INTEGRATION") == "1" {
		tb.Skip("HINDSIGHT_SKIP_INTEGRATION=1 is set: not starting the real VictoriaLogs")
	}
	bin, err := binary()
	if err != nil {
		tb.Fatalf("victoria-logs not found: %v\nhint: run scripts/test.sh (it installs VictoriaLogs %s into .cache/bin), or set HINDSIGHT_VICTORIALOGS", err, Version)
	}
	port, err := freePort()
	if err != nil {
		tb.Fatal(err)
	}
	dir := tb.TempDir()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	// The default retention (7 days) silently drops older lines: HTTP 200,
	// nothing stored.
	cmd := exec.Command(bin, append([]string{"-storageDataPath=" + filepath.Join(dir, "data"), "-httpListenAddr=" + addr,
		"-retentionPeriod=100y", "-loggerLevel=ERROR"}, args...)...)
	log, err := os.Create(filepath.Join(dir, "victoria-logs.log"))
	if err != nil {
		tb.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	s := &Server{URL: "http://" + addr, cmd: cmd}
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()
		log.Close()
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 || resp.StatusCode == 401 {
				return s
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(log.Name())
			tb.Fatalf("victoria-logs did not become healthy in 30 s: %v\n%s", err, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Entry is one line to ingest.
type Entry struct {
	T      time.Time
	Msg    string
	Fields map[string]string
}

// Ingest sends entries through /insert/jsonline with the given stream
// fields and makes them searchable.
func (s *Server) Ingest(tb testing.TB, streamFields []string, entries []Entry) {
	tb.Helper()
	var buf bytes.Buffer
	flush := func() {
		if buf.Len() == 0 {
			return
		}
		req, err := http.NewRequest(http.MethodPost, s.URL+"/insert/jsonline?_stream_fields="+strings.Join(streamFields, ","), &buf)
		if err != nil {
			tb.Fatal(err)
		}
		// Without a JSON content type the body is taken for a form and
		// nothing is stored (HTTP 200).
		req.Header.Set("Content-Type", "application/stream+json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			tb.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			tb.Fatalf("insert: HTTP %d: %s", resp.StatusCode, b)
		}
		buf.Reset()
	}
	for _, e := range entries {
		m := map[string]string{"_time": e.T.UTC().Format(time.RFC3339Nano), "_msg": e.Msg}
		for k, v := range e.Fields {
			m[k] = v
		}
		b, err := json.Marshal(m)
		if err != nil {
			tb.Fatal(err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
		if buf.Len() > 4<<20 {
			flush()
		}
	}
	flush()
	resp, err := http.Get(s.URL + "/internal/force_flush")
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
}

// ReadLog reads a log file (gzip or plain) as a shipper would: each line
// with its time, read by stamp (the demo's two formats: nginx's
// [02/Jan/2006:15:04:05 -0700] and syslog's "Jan  2 15:04:05" in year
// and loc). Lines without a readable time are an error.
func ReadLog(path string, year int, loc *time.Location) ([]Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			return nil, err
		}
		r = gz
	}
	var out []Entry
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		t, err := stamp(line, year, loc)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n, err)
		}
		out = append(out, Entry{T: t, Msg: line})
	}
	return out, sc.Err()
}

func stamp(line string, year int, loc *time.Location) (time.Time, error) {
	if i := strings.IndexByte(line, '['); i >= 0 {
		if j := strings.IndexByte(line[i:], ']'); j > 0 {
			if t, err := time.Parse("02/Jan/2006:15:04:05 -0700", line[i+1:i+j]); err == nil {
				return t, nil
			}
		}
	}
	if len(line) >= 15 {
		t, err := time.ParseInLocation("Jan _2 15:04:05", line[:15], loc)
		if err == nil {
			return t.AddDate(year-t.Year(), 0, 0), nil
		}
	}
	return time.Time{}, fmt.Errorf("no time in %q", line)
}

// LoadDemo ingests the demo's logs (dir is testdata/demo): access.log and
// its rotations as stream {file="access.log"}, each syslog-* file as
// {file="syslog-..."}.
func (s *Server) LoadDemo(tb testing.TB, dir string) int {
	tb.Helper()
	loc, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		tb.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "access.log*"))
	syslogs, _ := filepath.Glob(filepath.Join(dir, "syslog-*"))
	sort.Strings(files)
	var all []Entry
	for _, f := range append(files, syslogs...) {
		es, err := ReadLog(f, 2025, loc)
		if err != nil {
			tb.Fatal(err)
		}
		set := filepath.Base(f)
		if strings.HasPrefix(set, "access.log") {
			set = "access.log"
		}
		for i := range es {
			es[i].Fields = map[string]string{"file": set}
		}
		all = append(all, es...)
	}
	if len(all) == 0 {
		tb.Fatalf("no demo logs in %s", dir)
	}
	s.Ingest(tb, []string{"file"}, all)
	return len(all)
}

// BusyDay makes n log lines spread over the day from start, as a busy
// web service writes them: nginx access lines (routes with ids, a few 4xx
// and 5xx, request times) as stream {app="nginx"}, and application lines
// (a dozen message shapes with numbers, ids and an occasional error) as
// {app="api"}, nine access lines to one application line. Deterministic.
func BusyDay(start time.Time, n int) []Entry {
	routes := []string{"/api/items/%d", "/products/%d", "/api/cart/%d/add", "/static/app.js", "/", "/api/search?q=w%d", "/api/orders/%d"}
	msgs := []string{
		"request handled route=/api/items/%d status=200 took=%dms",
		"cache miss key=item:%d",
		"payment authorised order=%d amount=%d.00",
		"user %d logged in from 203.0.113.%d",
		"queue depth %d workers %d",
		"slow query on orders (%d ms) rows=%d",
		"ERROR upstream timeout after %d ms calling inventory for item %d",
		"scheduled job cleanup removed %d sessions in %dms",
	}
	out := make([]Entry, n)
	step := 24 * time.Hour / time.Duration(n)
	x := uint64(2025)
	rnd := func(m int) int {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		return int(x % uint64(m))
	}
	for i := range out {
		t := start.Add(time.Duration(i) * step)
		if i%10 != 9 {
			status := 200
			switch r := rnd(1000); {
			case r < 5:
				status = 502
			case r < 30:
				status = 404
			}
			route := routes[rnd(len(routes))]
			if strings.Contains(route, "%d") {
				route = fmt.Sprintf(route, rnd(100000))
			}
			out[i] = Entry{T: t, Fields: map[string]string{"app": "nginx"}, Msg: fmt.Sprintf(
				`203.0.113.%d - - [%s] "GET %s HTTP/1.1" %d %d "https://shop.example/" "Mozilla/5.0" %d.%03d`,
				rnd(250), t.UTC().Format("02/Jan/2006:15:04:05 -0700"), route, status, 200+rnd(50000), rnd(2), rnd(1000))}
			continue
		}
		m := msgs[rnd(len(msgs))]
		if strings.HasPrefix(m, "ERROR") && rnd(4) != 0 {
			m = msgs[0]
		}
		out[i] = Entry{T: t, Fields: map[string]string{"app": "api"}, Msg: fmt.Sprintf(
			t.UTC().Format(time.RFC3339Nano)+" "+m, rnd(100000), rnd(5000))}
	}
	return out
}
