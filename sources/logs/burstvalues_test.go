package logs

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// TestAccessBurstValues: a surge of one client, one user agent and one
// campaign on an access log's route names all three at the peak, and the
// sample tells their share before the surge (none) from their share in it.
func TestAccessBurstValues(t *testing.T) {
	var b strings.Builder
	for m := range 60 {
		n := 20
		if m == 40 {
			n = 400
		}
		for i := range n {
			addr, ua, q := fmt.Sprintf("198.51.100.%d", (m*7+i)%250), fmt.Sprintf("Mozilla/5.0 (build %d)", i%9), ""
			if m == 40 && i%10 != 0 {
				addr, ua, q = "203.0.113.9", "python-requests/2.31", "?utm_source=mail&utm_campaign=blackfriday"
			}
			fmt.Fprintf(&b, "%s - - [20/Nov/2025:03:%02d:%02d +0900] \"GET /landing%s HTTP/1.1\" 200 512 \"https://example.org/\" \"%s\"\n", addr, m, i%60, q, ua)
		}
	}
	p := mustWrite(t, t.TempDir(), "access.log", b.String())
	seoul := mustSeoul(t)
	s, err := New(Config{Paths: []string{p}, Location: seoul})
	if err != nil {
		t.Fatal(err)
	}
	w := sources.Window{From: time.Date(2025, 11, 20, 3, 0, 0, 0, seoul), To: time.Date(2025, 11, 20, 4, 0, 0, 0, seoul)}
	ds, err := s.Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var lp *sources.LogPattern
	for i := range ds.Patterns {
		if strings.HasPrefix(ds.Patterns[i].Template, "GET /landing") {
			lp = &ds.Patterns[i]
		}
	}
	if lp == nil {
		t.Fatalf("no GET /landing pattern in %+v", ds.Patterns)
	}
	want := map[string]string{"client": "203.0.113.9", "user agent": "python-requests/2.31", "campaign": "utm_campaign=blackfriday"}
	for _, v := range lp.PeakValues {
		if want[v.Kind] == v.Value && v.Lines >= 300 {
			delete(want, v.Kind)
		}
	}
	if len(want) > 0 {
		t.Errorf("peak values %+v miss %v", lp.PeakValues, want)
	}
	burst := time.Date(2025, 11, 20, 3, 40, 0, 0, seoul)
	// The referrer every line has is in the peak too, but as usual.
	if share, _ := lp.Share("referrer", "https://example.org/", burst, burst.Add(time.Minute)); share != 1 {
		t.Errorf("baseline share of the referrer every line has %.2f, want 1", share)
	}
	if share, n := lp.Share("client", "203.0.113.9", burst, burst.Add(time.Minute)); share != 0 || n < 20 {
		t.Errorf("baseline share of the surge's client %.2f from %d lines, want 0 from 20 or more", share, n)
	}
	if share, _ := lp.Share("client", "203.0.113.9", w.From, w.From); share < 0.2 {
		t.Errorf("share of the surge's client over all lines %.2f, want about 0.4", share)
	}
}

// burstHit is the request an attack repeats in burstRequests' burst.
const burstHit = "/api/items/17?id=1%27%20OR%201=1"

// burstRequests calls line for each request of an hour (minute m, i-th of
// the minute) on /api/items/N, 20 a minute, with a burst of 400 in minute
// 40 in which nine of ten are for burstHit.
func burstRequests(line func(m, i int, path string)) {
	for m := range 60 {
		n := 20
		if m == 40 {
			n = 400
		}
		for i := range n {
			path := fmt.Sprintf("/api/items/%d", (m*31+i)%997)
			if m == 40 && i%10 != 0 {
				path = burstHit
			}
			line(m, i, path)
		}
	}
}

// TestAccessBurstRequest: a burst on a route with a variable, from many
// clients but for one item and query, names the request as written (the
// route's value and the query an attack repeats); a route without a
// variable or a query names no request (its template already says it).
func TestAccessBurstRequest(t *testing.T) {
	var b strings.Builder
	burstRequests(func(m, i int, path string) {
		addr := fmt.Sprintf("198.51.%d.%d", i%200, (m*7+i)%250) // a different client a line
		fmt.Fprintf(&b, "%s - - [20/Nov/2025:03:%02d:%02d +0900] \"GET %s HTTP/1.1\" 200 512 \"-\" \"curl/8.5.0\"\n", addr, m, i%60, path)
		fmt.Fprintf(&b, "%s - - [20/Nov/2025:03:%02d:%02d +0900] \"GET /health HTTP/1.1\" 200 2 \"-\" \"kube-probe/1.29\"\n", addr, m, i%60)
	})
	p := mustWrite(t, t.TempDir(), "access.log", b.String())
	seoul := mustSeoul(t)
	w := sources.Window{From: time.Date(2025, 11, 20, 3, 0, 0, 0, seoul), To: time.Date(2025, 11, 20, 4, 0, 0, 0, seoul)}
	ds := mustFetch(t, Config{Paths: []string{p}, Location: seoul}, w, time.Minute)
	got := map[string][]sources.LogValue{}
	for _, lp := range ds.Patterns {
		got[lp.Template] = lp.PeakValues
		for _, s := range lp.Sample {
			for _, v := range s.Values {
				if v.Kind == "request" && strings.HasPrefix(lp.Template, "GET /health") {
					t.Errorf("%s: sampled request %q: the route says it", lp.Template, v.Value)
				}
			}
		}
	}
	found := false
	for _, v := range got["GET /api/items/<*> 2xx"] {
		if v.Kind == "request" && v.Value == burstHit && v.Lines >= 300 {
			found = true
		}
		if v.Kind == "client" {
			t.Errorf("peak value %+v: no client stands out", v)
		}
	}
	if !found {
		t.Errorf("GET /api/items/<*> peak values %+v (patterns %v): want the request %s", got["GET /api/items/<*> 2xx"], keys(got), burstHit)
	}
	for _, v := range got["GET /health 2xx"] {
		if v.Kind == "request" {
			t.Errorf("GET /health peak value %+v", v)
		}
	}
}

// TestAccessKinds: the series are named after the server a format says
// (nginx, or Apache for format: apache and an Apache LogFormat), and a
// burst's referrer and user agent are read only where the quoted fields
// are the combined format's: a log_format that quotes the host first
// names no "referrer" (it would be the request's target).
func TestAccessKinds(t *testing.T) {
	line := func(b *strings.Builder, host, ref, ua string, m, s int) {
		fmt.Fprintf(b, "203.0.113.9 - - [20/Nov/2025:03:%02d:%02d +0900] \"GET /x HTTP/1.1\" 200 5 \"%s\" \"%s\" \"%s\"\n", m, s, ref, ua, host)
	}
	var comb, hostFirst strings.Builder
	for m := range 10 {
		for s := range 30 {
			line(&comb, "shop.example", "https://ads.example/", "bot/1.0", m, s)
			fmt.Fprintf(&hostFirst, "203.0.113.9 - - [20/Nov/2025:03:%02d:%02d +0900] \"shop.example\" \"GET /x HTTP/1.1\" 200 5 \"https://ads.example/\" \"bot/1.0\"\n", m, s)
		}
	}
	seoul := mustSeoul(t)
	w := sources.Window{From: time.Date(2025, 11, 20, 3, 0, 0, 0, seoul), To: time.Date(2025, 11, 20, 4, 0, 0, 0, seoul)}
	for _, c := range []struct {
		name, format, data, series string
		referrer                   bool
	}{
		{"detected", "", comb.String(), "nginx requests", true},
		{"named apache", "apache", comb.String(), "apache requests", true},
		{"Apache LogFormat", `LogFormat "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\" \"%v\"" vhost`, comb.String(), "apache requests", true},
		{"nginx log_format", `'$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" "$host"'`, comb.String(), "nginx requests", true},
		{"host quoted first", `'$remote_addr - $remote_user [$time_local] "$host" "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"'`, hostFirst.String(), "nginx requests", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := mustWrite(t, t.TempDir(), "access.log", c.data)
			ds := mustFetch(t, Config{Paths: []string{p}, Location: seoul, Format: c.format}, w, time.Minute)
			if got := seriesSum(ds, c.series); got != 300 {
				t.Errorf("%s: %d requests, want 300 (series %v)", c.series, got, seriesNames(ds))
			}
			var kinds []string
			for _, lp := range ds.Patterns {
				for _, v := range lp.PeakValues {
					kinds = append(kinds, v.Kind+"="+v.Value)
				}
			}
			has := strings.Contains(strings.Join(kinds, "|"), "referrer=https://ads.example/")
			if has != c.referrer || strings.Contains(strings.Join(kinds, "|"), "referrer=GET") {
				t.Errorf("peak values %v: referrer read %v, want %v", kinds, has, c.referrer)
			}
		})
	}
}

func seriesNames(ds *sources.Dataset) []string {
	var out []string
	for _, s := range ds.Series {
		out = append(out, s.Name)
	}
	return out
}

// TestJSONBurstRequest: an application's JSON access lines name the
// request behind a burst too (from the record's path: no request line).
func TestJSONBurstRequest(t *testing.T) {
	var b strings.Builder
	burstRequests(func(m, i int, path string) {
		fmt.Fprintf(&b, `{"ts":"2025-11-20T03:%02d:%02d+09:00","level":"info","msg":"request","method":"GET","path":%q,"status":200,"duration":0.01}`+"\n", m, i%60, path)
	})
	p := mustWrite(t, t.TempDir(), "app.jsonl", b.String())
	seoul := mustSeoul(t)
	w := sources.Window{From: time.Date(2025, 11, 20, 3, 0, 0, 0, seoul), To: time.Date(2025, 11, 20, 4, 0, 0, 0, seoul)}
	ds := mustFetch(t, Config{Paths: []string{p}, Location: seoul}, w, time.Minute)
	var all []string
	for _, lp := range ds.Patterns {
		for _, v := range lp.PeakValues {
			all = append(all, lp.Template+": "+v.Kind+"="+v.Value)
			if v.Kind == "request" && v.Value == burstHit && v.Lines >= 300 {
				return
			}
		}
	}
	t.Errorf("peak values %v: want the request %s", all, burstHit)
}

// TestSampleLinesInSecondBurst: a pattern's second burst, not its busiest
// step, has lines among the sample's (with their line numbers), so that
// its examples can come from inside it.
func TestSampleLinesInSecondBurst(t *testing.T) {
	var b strings.Builder
	for m := range 60 {
		n := 2
		switch m {
		case 10:
			n = 300
		case 40:
			n = 150
		}
		for i := range n {
			fmt.Fprintf(&b, "2025-11-20 03:%02d:%02d ERROR [main] c.e.App - payment %d declined\n", m, i%60, i)
		}
	}
	p := mustWrite(t, t.TempDir(), "app.log", b.String())
	seoul := mustSeoul(t)
	w := sources.Window{From: time.Date(2025, 11, 20, 3, 0, 0, 0, seoul), To: time.Date(2025, 11, 20, 4, 0, 0, 0, seoul)}
	ds := mustFetch(t, Config{Paths: []string{p}, Location: seoul}, w, time.Minute)
	if len(ds.Patterns) != 1 {
		t.Fatalf("patterns %+v", ds.Patterns)
	}
	lp := ds.Patterns[0]
	from := time.Date(2025, 11, 20, 3, 40, 0, 0, seoul)
	for _, e := range lp.Examples {
		if !e.T.Before(from) && e.T.Before(from.Add(time.Minute)) {
			t.Fatalf("example %+v in the second burst: the test tests nothing", e)
		}
	}
	in := 0
	for _, s := range lp.Sample {
		if l := s.Line; l != nil && !l.T.Before(from) && l.T.Before(from.Add(time.Minute)) {
			in++
			if l.Line < 1 || !strings.Contains(l.Text, "payment") {
				t.Errorf("sampled line %+v", l)
			}
		}
	}
	if in == 0 {
		t.Errorf("no sampled line in the second burst (%d samples)", len(lp.Sample))
	}
}
