package logs

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/logs/s3src/s3test"
)

// Lines in the shapes of the ELB user guide's examples ("Access log
// entries": an HTTP entry, an HTTP/2 entry, a 502 made by the load
// balancer; a Classic Load Balancer entry).
var albExamples = []string{
	`http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_1234abcd5678ef90`,
	`h2 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 10.0.1.252:48160 10.0.0.66:9000 0.000 0.002 0.000 200 200 5 257 "GET https://10.0.2.105:773/api/items/42?q=1 HTTP/2.0" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337327-72bd00b0343d75b906739c42" "-" "-" 1 2018-07-02T22:22:48.364000Z "redirect" "https://example.com:80/" "-" "10.0.0.66:9000" "200" "-" "-" TID_1234abcd5678ef90`,
	`https 2018-07-02T22:23:05.000000Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 - -1 -1 -1 502 - 34 366 "GET https://www.example.com:443/checkout HTTP/1.1" "curl/7.46.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337364-23a8c76965a2ef7629b185e3" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "LambdaInvalidResponse" "-" "-" "-" "-" TID_1234abcd5678ef90`,
}

var elbExample = `2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.000073 0.001048 0.000057 200 200 0 29 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.38.0" - -`

func TestParseALB(t *testing.T) {
	p := newALBParser(FormatALB, false)
	var r Record
	want := []struct {
		t      string
		status int
		rt     float64
		path   string
	}{
		{"2018-07-02T22:23:00.186641Z", 200, 0.001, "/"},
		{"2018-07-02T22:23:00.186641Z", 200, 0.002, "/api/items/42?q=1"},
		{"2018-07-02T22:23:05Z", 502, -1, "/checkout"},
	}
	for i, l := range albExamples {
		if res := p.parse([]byte(l), &r, allTimes); res != parsed {
			t.Fatalf("line %d: %v", i, res)
		}
		wt, _ := time.Parse(time.RFC3339Nano, want[i].t)
		if !r.T.Equal(wt) || r.Status != want[i].status || r.Path != want[i].path || r.Method != "GET" ||
			(want[i].rt < 0) != (r.RequestTime < 0) || want[i].rt >= 0 && abs(r.RequestTime-want[i].rt) > 1e-9 {
			t.Errorf("line %d: %v %d %v %q %q, want %+v", i, r.T, r.Status, r.RequestTime, r.Method, r.Path, want[i])
		}
	}
	e := newALBParser(FormatELB, false)
	if res := e.parse([]byte(elbExample), &r, allTimes); res != parsed || r.Status != 200 || abs(r.RequestTime-0.001178) > 1e-9 || r.Path != "/" {
		t.Errorf("classic ELB: %v %+v", res, r)
	}
	// Each parser refuses the other's lines, and nginx refuses both.
	if p.parse([]byte(elbExample), &r, allTimes) != malformed || e.parse([]byte(albExamples[0]), &r, allTimes) != malformed {
		t.Error("alb and elb parsers read each other's lines")
	}
	// Detection picks them from their lines.
	var lines []numbered
	for i, l := range albExamples {
		lines = append(lines, numbered{[]byte(l), i + 1})
	}
	if d := detect(lines, parserEnv{loc: time.UTC}); d == nil || d.format() != FormatALB {
		t.Errorf("detected %v, want alb", d)
	}
	if d := detect([]numbered{{[]byte(elbExample), 1}}, parserEnv{loc: time.UTC}); d == nil || d.format() != FormatELB {
		t.Errorf("detected %v, want elb", d)
	}
	// Outside the window: only the time.
	w := sources.Window{From: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)}
	if res := p.parse([]byte(albExamples[0]), &r, w); res != outside || r.T.Year() != 2018 {
		t.Errorf("outside: %v %v", res, r.T)
	}
	// Broken lines.
	for _, l := range []string{"", "http", "http 2018-07-02T22:23:00Z", `http 2018-13-02T22:23:00.1Z a b c 0.1 0.1 0.1 200 200 1 1 "GET / HTTP/1.1"`,
		`http 2018-07-02T22:23:00.1Z a b c 0.1 0.1 0.1 200 200 1 1 "GET / HTTP/1.1`, `http 2018-07-02T22:23:00.1Z a b c x 0.1 0.1 200 200 1 1 "GET / HTTP/1.1"`} {
		if res := p.parse([]byte(l), &r, allTimes); res != malformed {
			t.Errorf("%q: %v, want malformed", l, res)
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func FuzzParseALB(f *testing.F) {
	for _, s := range append(albExamples, elbExample) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		for _, lazy := range []bool{false, true} {
			for _, name := range []string{FormatALB, FormatELB} {
				var r Record
				p := newALBParser(name, lazy)
				res := p.parse(line, &r, allTimes)
				checkRecord(t, res, &r)
				if res == parsed && lazy && r.req != nil {
					_ = appendRequestTemplate(nil, r.req)
				}
			}
		}
	})
}

// albCorpus is an hour of one load balancer's lines, as AWS writes them.
func albCorpus(tb testing.TB) []byte {
	from := time.Date(2025, 11, 20, 10, 0, 0, 0, time.UTC)
	var raw bytes.Buffer
	for _, o := range (s3test.ALB{Account: "123456789012", Region: "eu-west-1", Name: "shop", Nodes: 1, PerObject: 2000, Seed: 3}).Objects(from, from.Add(time.Hour)) {
		zr := gunzipBytes(tb, o.Body)
		raw.Write(zr)
	}
	return raw.Bytes()
}

func gunzipBytes(tb testing.TB, b []byte) []byte {
	tb.Helper()
	t, ok := tb.(*testing.T)
	if ok {
		return gunzip(t, b)
	}
	out, err := gunzipAll(b)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// BenchmarkParseALB: ALB lines parsed from memory, one core, in the
// window (the hot path: every field up to the request read).
func BenchmarkParseALB(b *testing.B) {
	data := albCorpus(b)
	var lines [][]byte
	for l := range bytes.Lines(data) {
		lines = append(lines, bytes.TrimSuffix(l, []byte("\n")))
	}
	p := newALBParser(FormatALB, true)
	var r Record
	b.SetBytes(int64(len(data)))
	// The machine is shared: the thread's own CPU time says what a core
	// does, whatever else runs.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0 := threadCPU()
	b.ResetTimer()
	for b.Loop() {
		for _, l := range lines {
			if p.parse(l, &r, allTimes) != parsed {
				b.Fatal("not parsed")
			}
		}
	}
	cpu := threadCPU() - cpu0
	b.ReportMetric(float64(len(lines))*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
	b.ReportMetric(float64(len(data))*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
}

// threadCPU is the CPU time of the calling thread (RUSAGE_THREAD).
func threadCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(1, &ru) // RUSAGE_THREAD
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestALBOwnErrors: the load balancer's own 5xx (no target status) are a
// series of their own, besides all 5xx: 10:00-10:05 the target answers
// 500s (a failing target), 10:05-10:10 the load balancer answers 502 and
// 504 with no target response (a dead one).
func TestALBOwnErrors(t *testing.T) {
	from := time.Date(2025, 11, 20, 10, 0, 0, 0, time.UTC)
	var b strings.Builder
	line := func(at time.Time, times string, elb, target string) {
		fmt.Fprintf(&b, `http %s app/shop/50dc6c495c0c9188 192.168.1.9:2817 10.0.0.1:80 %s %s %s 34 366 "GET http://shop.example:80/api HTTP/1.1" "curl/8" - - arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/t/73e2 "Root=1-1" "-" "-" 0 %s "forward" "-" "-" "10.0.0.1:80" "%s" "-" "-" TID_1`+"\n",
			at.Format("2006-01-02T15:04:05.000000Z"), times, elb, target, at.Format("2006-01-02T15:04:05.000000Z"), target)
	}
	wantAll, wantLB := 0, 0
	for s := 0; s < 600; s += 2 {
		at := from.Add(time.Duration(s) * time.Second)
		switch {
		case s < 300 && s%10 == 0:
			line(at, "0.000 0.120 0.000", "500", "500") // the target's own
			wantAll++
		case s >= 300 && s%6 == 0:
			code := "502"
			if s%12 == 0 {
				code = "504"
			}
			line(at, "-1 -1 -1", code, "-") // the load balancer's
			wantAll++
			wantLB++
		default:
			line(at, "0.000 0.020 0.000", "200", "200")
		}
	}
	dir := t.TempDir()
	mustWrite(t, dir, "alb.log", b.String())
	src, err := New(Config{Name: "shop-alb", Paths: []string{filepath.Join(dir, "alb.log")}, Format: FormatALB})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := src.Fetch(context.Background(), sources.Window{From: from, To: from.Add(10 * time.Minute)}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if got := seriesSum(ds, "alb 5xx"); got != wantAll {
		t.Errorf("all 5xx %d, want %d", got, wantAll)
	}
	if got := seriesSum(ds, "alb elb 5xx"); got != wantLB || wantLB == 0 {
		t.Errorf("the load balancer's own 5xx %d, want %d", got, wantLB)
	}
	for _, s := range ds.Series {
		if s.Name != "alb elb 5xx" {
			continue
		}
		if s.Role != sources.Errors || len(s.Points) != 10 {
			t.Errorf("series %s: role %v, %d points; want errors, 10 (zeros included)", s.Name, s.Role, len(s.Points))
		}
		for _, p := range s.Points[:5] {
			if p.V != 0 {
				t.Errorf("%v: %v of the load balancer's own while only the target failed", p.T, p.V)
			}
		}
	}
	var r Record
	p := newALBParser(FormatALB, true)
	if p.parse([]byte(albExamples[2]), &r, allTimes) != parsed || !r.LBError {
		t.Error("the guide's 502 with no target status is not the load balancer's own")
	}
	if p.parse([]byte(albExamples[0]), &r, allTimes) != parsed || r.LBError {
		t.Error("a 200 is taken for the load balancer's error")
	}
}
