package loki

// A stand-in for Loki's query API, serving the documented answer shapes
// (see the package doc) over HTTP from a set of entries, with Loki's
// limits and their error texts. It understands only what the source
// sends: a stream selector of = and =~ matchers, an optional |~ filter,
// and count_over_time over it, optionally under sum().

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

type entry struct {
	labels map[string]string
	t      int64 // unix ns
	line   string
}

type fakeLoki struct {
	entries    []entry // sorted by t
	maxEntries int
	maxLength  time.Duration
	maxSeries  int
	tenant     string // required X-Scope-OrgID, if set
	wording33  bool   // Loki 3.3's max entries message
	user, pass string // required basic auth, if set

	mu       sync.Mutex
	requests []string
}

func newFake(t testing.TB, es []entry) (*fakeLoki, *httptest.Server) {
	sort.SliceStable(es, func(i, j int) bool { return es[i].t < es[j].t })
	f := &fakeLoki{entries: es, maxEntries: 5000, maxLength: 721 * time.Hour, maxSeries: 500}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakeLoki) fail(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	fmt.Fprintln(w, msg)
}

func (f *fakeLoki) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.URL.RawQuery)
	f.mu.Unlock()
	if f.user != "" {
		if u, p, ok := r.BasicAuth(); !ok || u != f.user || p != f.pass {
			f.fail(w, 401, "Unauthorized")
			return
		}
	}
	if f.tenant != "" && r.Header.Get("X-Scope-OrgID") != f.tenant {
		f.fail(w, 401, "no org id")
		return
	}
	switch r.URL.Path {
	case "/loki/api/v1/status/buildinfo":
		fmt.Fprint(w, `{"version":"2.9.4","revision":"f599ebc535","branch":"HEAD","buildUser":"root@a3d5ba1f4b0d","buildDate":"2024-01-24T16:40:33Z","goVersion":"go1.21.3"}`)
	case "/loki/api/v1/query_range":
		f.queryRange(w, r)
	default:
		f.fail(w, 404, "404 page not found")
	}
}

var (
	matcherRe = regexp.MustCompile(`(\w+)\s*(=~|=)\s*"((?:[^"\\]|\\.)*)"`)
	countRe   = regexp.MustCompile(`^(sum\()?count_over_time\((.*) \[(\d+)s\]\)\)?$`)
	filterRe  = regexp.MustCompile("^(\\{[^}]*\\})\\s*(?:\\|~ `([^`]*)`)?$")
)

type selector struct {
	match  func(map[string]string) bool
	filter *regexp.Regexp
}

func parseSelector(q string) (selector, error) {
	m := filterRe.FindStringSubmatch(strings.TrimSpace(q))
	if m == nil {
		return selector{}, fmt.Errorf("parse error at line 1, col 1: syntax error: unexpected IDENTIFIER")
	}
	type mt struct {
		k  string
		re *regexp.Regexp
	}
	var ms []mt
	for _, x := range matcherRe.FindAllStringSubmatch(m[1], -1) {
		v, _ := strconv.Unquote(`"` + x[3] + `"`)
		if x[2] == "=" {
			v = regexp.QuoteMeta(v)
		}
		re, err := regexp.Compile("^(?:" + v + ")$")
		if err != nil {
			return selector{}, fmt.Errorf("parse error : %v", err)
		}
		ms = append(ms, mt{x[1], re})
	}
	if len(ms) == 0 {
		return selector{}, fmt.Errorf("parse error : queries require at least one regexp or equality matcher that does not have an empty-compatible value")
	}
	s := selector{match: func(l map[string]string) bool {
		for _, m := range ms {
			if !m.re.MatchString(l[m.k]) {
				return false
			}
		}
		return true
	}}
	if m[2] != "" {
		re, err := regexp.Compile(m[2])
		if err != nil {
			return selector{}, fmt.Errorf("parse error : %v", err)
		}
		s.filter = re
	}
	return s, nil
}

func (s selector) ok(e entry) bool {
	return s.match(e.labels) && (s.filter == nil || s.filter.MatchString(e.line))
}

func key(l map[string]string) string {
	b, _ := json.Marshal(l) // sorted keys
	return string(b)
}

func (f *fakeLoki) queryRange(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	start, err1 := strconv.ParseInt(q.Get("start"), 10, 64)
	end, err2 := strconv.ParseInt(q.Get("end"), 10, 64)
	if err1 != nil || err2 != nil {
		f.fail(w, 400, "invalid start or end")
		return
	}
	if d := time.Duration(end - start); d > f.maxLength {
		f.fail(w, 400, fmt.Sprintf("the query time range exceeds the limit (query length: %s, limit: %s)", d, f.maxLength))
		return
	}
	stats := `"stats":{"summary":{"bytesProcessedPerSecond":1,"linesProcessedPerSecond":1,"totalBytesProcessed":1,"totalLinesProcessed":1,"execTime":0.001}}`
	query := q.Get("query")
	if m := countRe.FindStringSubmatch(query); m != nil {
		sel, err := parseSelector(m[2])
		if err != nil {
			f.fail(w, 400, err.Error())
			return
		}
		rng, _ := strconv.ParseInt(m[3], 10, 64)
		step, err := time.ParseDuration(q.Get("step"))
		if err != nil || time.Duration(rng)*time.Second != step {
			f.fail(w, 400, "this stand-in answers only a range equal to the step")
			return
		}
		if (end-start)/int64(step)+1 > 11000 {
			f.fail(w, 400, "exceeded maximum resolution of 11,000 points per timeseries. Try increasing the value of the step parameter")
			return
		}
		series := map[string]map[int64]int{}
		labels := map[string]map[string]string{}
		for _, e := range f.entries {
			if !sel.ok(e) {
				continue
			}
			l := e.labels
			if m[1] != "" {
				l = map[string]string{}
			}
			k := key(l)
			// The point at t counts (t-range, t]; points are start + i*step,
			// and range is step here, so one point counts a line.
			if e.t <= start-rng*1e9 || e.t > end {
				continue
			}
			st := int64(step)
			i := (e.t - start + st - 1) / st
			if e.t < start {
				i = 0
			}
			t := start + i*st
			if series[k] == nil {
				series[k], labels[k] = map[int64]int{}, l
			}
			series[k][t]++
		}
		if len(series) > f.maxSeries {
			f.fail(w, 400, fmt.Sprintf("maximum of series (%d) reached for a single query", f.maxSeries))
			return
		}
		var res []string
		keys := make([]string, 0, len(series))
		for k := range series {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			var vals []string
			var ts []int64
			for t := range series[k] {
				ts = append(ts, t)
			}
			sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
			for _, t := range ts {
				// Loki writes a point's time as float seconds.
				vals = append(vals, fmt.Sprintf(`[%d.%09d,"%d"]`, t/1e9, t%1e9, series[k][t]))
			}
			lb, _ := json.Marshal(labels[k])
			res = append(res, fmt.Sprintf(`{"metric":%s,"values":[%s]}`, lb, strings.Join(vals, ",")))
		}
		fmt.Fprintf(w, `{"status":"success","data":{"resultType":"matrix","result":[%s],%s}}`, strings.Join(res, ","), stats)
		return
	}
	sel, err := parseSelector(query)
	if err != nil {
		f.fail(w, 400, err.Error())
		return
	}
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit > f.maxEntries {
		setting := "max_entries_limit"
		if f.wording33 {
			setting = "max_entries_limit_per_query"
		}
		f.fail(w, 400, fmt.Sprintf("max entries limit per query exceeded, limit > %s (%d > %d)", setting, limit, f.maxEntries))
		return
	}
	if q.Get("direction") != "forward" {
		f.fail(w, 400, "this stand-in answers only direction=forward")
		return
	}
	byStream := map[string][]string{}
	labels := map[string]map[string]string{}
	var order []string
	n := 0
	for _, e := range f.entries {
		if e.t < start || e.t >= end || !sel.ok(e) {
			continue
		}
		if n >= limit {
			break
		}
		n++
		k := key(e.labels)
		if byStream[k] == nil {
			order = append(order, k)
			labels[k] = e.labels
		}
		line, _ := json.Marshal(e.line)
		byStream[k] = append(byStream[k], fmt.Sprintf(`["%d",%s]`, e.t, line))
	}
	var res []string
	for _, k := range order {
		lb, _ := json.Marshal(labels[k])
		res = append(res, fmt.Sprintf(`{"stream":%s,"values":[%s]}`, lb, strings.Join(byStream[k], ",")))
	}
	fmt.Fprintf(w, `{"status":"success","data":{"resultType":"streams","result":[%s],%s}}`, strings.Join(res, ","), stats)
}
