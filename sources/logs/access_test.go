package logs

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// The stamp cache gives what parseNginxTime gives, line after line: seconds
// within a cached minute, a new minute, a new zone, bad seconds.
func TestNginxTimeCache(t *testing.T) {
	stamps := []string{
		"20/Nov/2025:03:01:07 +0900",
		"20/Nov/2025:03:01:07 +0900",
		"20/Nov/2025:03:01:59 +0900",
		"20/Nov/2025:03:01:60 +0900", // a leap second: the next minute's :00
		"20/Nov/2025:03:01:61 +0900",
		"20/Nov/2025:03:01:7a +0900",
		"20/Nov/2025:03:01:a7 +0900",
		"20/Nov/2025:03:01:00 +0900",
		"20/Nov/2025:03:01:00 -0900",
		"20/Nov/2025:03:01:00 +0930",
		"20/Nov/2025:03:02:00 +0930",
		"20/Nov/2025:03:02:01 +0930",
		"21/Nov/2025:03:02:01 +0930",
		"21/Nov/2025:03:02:01 x0930",
		"21/Nov/2025:03:02:02 +0930",
		"99/Nov/2025:03:02:02 +0930",
		"21/Nov/2025:03:02:03 +0930",
		"31/Dec/1969:23:59:59 +0000",
		"31/Dec/1969:23:59:58 +0000",
	}
	c := &nginxCache{}
	for _, s := range stamps {
		got, ok := c.time([]byte(s))
		want, wantOK := parseNginxTime([]byte(s))
		if ok != wantOK || got != want {
			t.Errorf("%s: %v %v, want %v %v", s, got, ok, want, wantOK)
		}
		if ok && got.Location() != time.UTC {
			t.Errorf("%s: location %v", s, got.Location())
		}
	}
}

// quotedFast finds the quote quoted finds, escapes and all.
func TestQuotedFast(t *testing.T) {
	for _, s := range []string{
		`"GET / HTTP/1.1" 200`, `""`, `"`, `"abc`, `x"a"`, `"a\"b" c`, `"a\\" b"`, `"a\\\"b" c`,
		`"a\\\\" c`, `"\x22" d`, `"a\`, `"a\"`, `"evil \"agent\"" rt=0.010`, `"\\\\\\\\\\"\\" x`,
	} {
		in, rest, ok := quotedFast([]byte(s))
		wIn, wRest, wOK := quoted([]byte(s))
		if string(in) != string(wIn) || string(rest) != string(wRest) || ok != wOK {
			t.Errorf("%s: %q %q %v, want %q %q %v", s, in, rest, ok, wIn, wRest, wOK)
		}
	}
}

// testAccessAdder is an access-log adder for an hour from t0 at 1-minute
// steps.
func testAccessAdder(tb testing.TB) *accessAdder {
	s, err := New(Config{Paths: []string{"access.log"}})
	if err != nil {
		tb.Fatal(err)
	}
	w := sources.Window{From: t0, To: t0.Add(time.Hour)}
	return newAccessAdder(newAggregator(s, &fileSet{name: "access.log"}, w, time.Minute))
}

// Requests that differ only in their query or ids find their template,
// the first time and from the cache the next; a JSON record (method and
// path, no request line) finds the same route, and is not taken for a
// request line.
func TestAccessRoute(t *testing.T) {
	acc := testAccessAdder(t)
	for range 2 {
		for _, tt := range []struct{ req, method, path, want string }{
			{req: "GET /api/items/1?x=1 HTTP/1.1", want: "GET /api/items/<*>"},
			{req: "GET /api/items/2 HTTP/1.1", want: "GET /api/items/<*>"},
			{req: "GET /api/items/2 HTTP/2.0", want: "GET /api/items/<*>"},
			{req: "GET /api/cart?x=1 HTTP/1.1", want: "GET /api/cart"},
			{req: "GET /api/cart?x=2 HTTP/1.1", want: "GET /api/cart"},
			{req: "POST /api/cart HTTP/1.1", want: "POST /api/cart"},
			{req: "\x16\x03\x01", want: "<invalid> <*>"},
			{method: "GET", path: "/api/items/3", want: "GET /api/items/<*>"},
			{method: "GET", path: "/api/cart HTTP/1.1", want: "GET /api/cart HTTP/<*>"},   // not the request line above
			{req: "GET /a/" + strings.Repeat("b", 300) + " HTTP/1.1", want: "GET /a/<*>"}, // not cached
		} {
			r := Record{Method: tt.method, Path: tt.path}
			if tt.req != "" {
				r.req = []byte(tt.req)
			}
			if got := acc.route(&r).tmpl; got != tt.want {
				t.Errorf("%q %s %s: %s, want %s", tt.req, tt.method, tt.path, got, tt.want)
			}
		}
	}
	if n := len(acc.a.routeTmpl); n != 6 {
		t.Errorf("%d routes, want 6", n)
	}
}

// BenchmarkAccessRoute: the route of a request line, over the requests
// of BenchmarkFetchNginx (six routes, about 3,000 requests).
func BenchmarkAccessRoute(b *testing.B) {
	acc := testAccessAdder(b)
	routes := []string{"/", "/api/items/%d", "/api/cart", "/static/app.%x.js", "/login", "/api/search?q=%d"}
	var recs []Record
	for i := range 6 * 997 {
		route := routes[i%len(routes)]
		if strings.Contains(route, "%") {
			route = fmt.Sprintf(route, i%997)
		}
		recs = append(recs, Record{req: []byte("GET " + route + " HTTP/1.1")})
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		acc.route(&recs[i])
		if i++; i == len(recs) {
			i = 0
		}
	}
}

// indexNear finds what bytes.IndexByte finds, near or far, at word
// boundaries and past them.
func TestIndexNear(t *testing.T) {
	for n := range 80 {
		for at := -1; at < n; at++ {
			b := []byte(strings.Repeat("\x80a\xff", n)[:n])
			if at >= 0 {
				b[at] = ' '
				if at+1 < n {
					b[at+1] = ' '
				}
			}
			if got, want := indexNear(b, ' '), bytes.IndexByte(b, ' '); got != want {
				t.Fatalf("%q: %d, want %d", b, got, want)
			}
		}
	}
}
