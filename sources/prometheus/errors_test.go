package prometheus

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// Error paths, served by httptest with answers recorded from real servers.
// The main path is tested against the real ones (integration_test.go).

var day = sources.Window{From: time.Date(2025, 11, 21, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 11, 22, 0, 0, 0, 0, time.UTC)}

// only queries: one config query, nothing built in.
func onlyQuery(url string) Config {
	return Config{Name: "prom", URL: url, Probes: new(false), Node: new(false), Alerts: new(false),
		Queries: []Query{{Name: "load", Expr: "node_load1"}}}
}

func serve(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func fetchErr(t *testing.T, c Config) error {
	t.Helper()
	s := mustNew(t, c)
	ds, err := s.Fetch(context.Background(), day, time.Minute)
	if err == nil {
		t.Fatalf("Fetch succeeded: %+v", ds)
	}
	if !strings.Contains(err.Error(), "hint: ") {
		t.Errorf("error %q has no hint", err)
	}
	t.Log(err)
	return err
}

func TestFetchErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"401 unauthorized", 401, "Unauthorized\n", "unauthorized (HTTP 401); hint: set basic_auth"},
		{"403 forbidden", 403, "no org id\n", "forbidden (HTTP 403)"},
		{"503 unavailable", 503, "Service Unavailable", "server unavailable (HTTP 503); hint: the server is starting or overloaded"},
		{"404 wrong path", 404, "404 page not found\n", "no Prometheus API at"},
		{"malformed JSON", 200, `<html><body>Please log in</body></html>`, "malformed answer"},
		{"truncated JSON", 200, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{}`, "malformed answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			})
			err := fetchErr(t, onlyQuery(srv.URL))
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestServerDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	err = fetchErr(t, onlyQuery("http://"+addr))
	if !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), "is the server running") {
		t.Errorf("error = %q", err)
	}
	s := mustNew(t, Config{URL: "http://" + addr})
	if _, err := s.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("Check = %v, want connection refused", err)
	}
}

func TestUnknownHost(t *testing.T) {
	err := fetchErr(t, onlyQuery("http://no-such-host.invalid:9090"))
	if !strings.Contains(err.Error(), "cannot resolve host") {
		t.Errorf("error = %q", err)
	}
}

// The credentials and headers of the config are sent with every request.
func TestRequestCarriesAuth(t *testing.T) {
	t.Setenv("HS_TEST_PROM_PASSWORD", "s3cret")
	tokenFile := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tokenFile, []byte("tok-123\n"), 0o600)
	var got atomic.Value
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Clone())
		w.WriteHeader(401)
	})
	c := onlyQuery(srv.URL)
	c.BasicAuth = BasicAuth{User: "hindsight", PasswordEnv: "HS_TEST_PROM_PASSWORD"}
	c.Headers = map[string]string{"X-Scope-OrgID": "tenant-1"}
	// With credentials sent, a 401 says they were refused, not "set
	// basic_auth".
	if err := fetchErr(t, c); !strings.Contains(err.Error(), "refused the credentials") || strings.Contains(err.Error(), "set basic_auth") {
		t.Errorf("401 with basic_auth set: %v", err)
	}
	h := got.Load().(http.Header)
	if h.Get("X-Scope-OrgID") != "tenant-1" || h.Get("Authorization") != "Basic aGluZHNpZ2h0OnMzY3JldA==" {
		t.Errorf("headers = %v", h)
	}
	c = onlyQuery(srv.URL)
	c.BearerTokenFile = tokenFile
	fetchErr(t, c)
	if h := got.Load().(http.Header); h.Get("Authorization") != "Bearer tok-123" {
		t.Errorf("Authorization = %q, want the token from the file", h.Get("Authorization"))
	}
}

// A server slower than the source's timeout is reported as a timeout, not
// as a cancellation.
func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	c := onlyQuery(srv.URL)
	c.Timeout = 200 * time.Millisecond
	start := time.Now()
	err := fetchErr(t, c)
	if !strings.Contains(err.Error(), "timed out after 200ms") || errors.Is(err, context.Canceled) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want a timeout", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v to time out", d)
	}
	s := mustNew(t, c)
	if _, err := s.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Errorf("Check = %v, want a timeout", err)
	}

	// The caller's deadline is a timeout too.
	c.Timeout = time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = mustNew(t, c).Fetch(ctx, day, time.Minute)
	if err == nil || !strings.Contains(err.Error(), "caller's deadline") || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Fetch past the caller's deadline = %v", err)
	}
}

// A server with a lower points limit than 11,000 (VictoriaMetrics' answer
// recorded with -search.maxPointsPerTimeseries) gets the chunk halved until
// it fits; the stitched series is complete.
func TestTooManyPointsSplits(t *testing.T) {
	const limit = 500
	var requests atomic.Int32
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		r.ParseForm()
		start, _ := strconv.ParseFloat(r.Form.Get("start"), 64)
		end, _ := strconv.ParseFloat(r.Form.Get("end"), 64)
		step, _ := strconv.ParseFloat(r.Form.Get("step"), 64)
		n := int((end-start)/step) + 1
		if n > limit {
			w.WriteHeader(422)
			fmt.Fprintf(w, `{"status":"error","errorType":"422","error":"error when executing query=\"node_load1\" on the time range (start=%d, end=%d, step=%d): too many points for the given step=%d, start=%d and end=%d: %d; cannot exceed -search.maxPointsPerTimeseries=%d"}`,
				int(start*1000), int(end*1000), int(step*1000), int(step*1000), int(start*1000), int(end*1000), n, limit)
			return
		}
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `[%d,"%d"]`, int(start)+i*int(step), i)
		}
		fmt.Fprintf(w, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"instance":"db1:9100"},"values":[%s]}]}}`, b.String())
	})
	ds := mustFetch(t, mustNew(t, onlyQuery(srv.URL)), day, time.Minute)
	if len(ds.Gaps) != 0 || len(ds.Series) != 1 {
		t.Fatalf("gaps %v, %d series", ds.Gaps, len(ds.Series))
	}
	pts := ds.Series[0].Points
	if len(pts) != 1440 || !pts[0].T.Equal(day.From) || !pts[1439].T.Equal(day.To.Add(-time.Minute)) {
		t.Fatalf("%d points from %v to %v, want 1440 covering the day", len(pts), pts[0].T, pts[len(pts)-1].T)
	}
	for i := 1; i < len(pts); i++ {
		if pts[i].T.Sub(pts[i-1].T) != time.Minute {
			t.Fatalf("hole or repeat at %v", pts[i].T)
		}
	}
	if n := requests.Load(); n < 4 {
		t.Errorf("%d requests, want the day split", n)
	}
}

// Prometheus' own answer for more than 11,000 points (400 bad_data) at one
// point per chunk cannot be split further: the gap says so.
func TestTooManyPointsGap(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		fmt.Fprint(w, `{"status":"error","errorType":"bad_data","error":"exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"}`)
	})
	err := fetchErr(t, onlyQuery(srv.URL))
	if !strings.Contains(err.Error(), "too many points") || !strings.Contains(err.Error(), "larger step") {
		t.Errorf("error = %q", err)
	}
}

// Server warnings (Thanos partial responses) are gaps; the data is kept.
func TestWarningsAreGaps(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"status":"success","warnings":["No StoreAPIs matched for this query"],"data":{"resultType":"matrix","result":[{"metric":{"__name__":"node_load1","instance":"db1:9100"},"values":[[1763683200,"0.5"]]}]}}`)
	})
	ds := mustFetch(t, mustNew(t, onlyQuery(srv.URL)), day, time.Minute)
	if len(ds.Series) != 1 || len(ds.Gaps) != 1 || !strings.Contains(ds.Gaps[0].Reason, "No StoreAPIs matched") ||
		ds.Gaps[0].What != `query "load"` {
		t.Errorf("series %d, gaps %v", len(ds.Series), ds.Gaps)
	}
}

// One failing query is a gap; the others still answer.
func TestOneQueryFails(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		if r.Form.Get("query") == "bad" {
			w.WriteHeader(400)
			fmt.Fprint(w, `{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:4: parse error: unexpected end of input"}`)
			return
		}
		fmt.Fprint(w, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"instance":"db1:9100"},"values":[[1763683200,"0.5"]]}]}}`)
	})
	c := onlyQuery(srv.URL)
	c.Queries = append(c.Queries, Query{Name: "p95", Expr: "bad", Role: "latency"})
	ds := mustFetch(t, mustNew(t, c), day, time.Minute)
	if len(ds.Series) != 1 || len(ds.Gaps) != 1 {
		t.Fatalf("series %d gaps %v", len(ds.Series), ds.Gaps)
	}
	g := ds.Gaps[0]
	if g.What != `query "p95"` || !strings.Contains(g.Reason, "syntax error at line 1, column 4: unexpected end of input") || !strings.Contains(g.Reason, "hint:") {
		t.Errorf("gap = %v", g)
	}
}

func TestTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"status":"success","data":{"version":"2.42.0","revision":"","branch":"","buildUser":"","buildDate":"","goVersion":"go1.19"}}`)
	}))
	defer srv.Close()

	t.Run("unknown authority", func(t *testing.T) {
		s := mustNew(t, Config{URL: srv.URL})
		_, err := s.Check(context.Background())
		if err == nil || !strings.Contains(err.Error(), "unknown authority") || !strings.Contains(err.Error(), "hint: set tls.ca_file") {
			t.Errorf("Check = %v", err)
		}
	})
	t.Run("ca_file", func(t *testing.T) {
		ca := filepath.Join(t.TempDir(), "ca.pem")
		os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644)
		s := mustNew(t, Config{URL: srv.URL, TLS: TLS{CAFile: ca}})
		got, err := s.Check(context.Background())
		if err != nil || got != "Prometheus 2.42.0" {
			t.Errorf("Check = %q, %v", got, err)
		}
	})
	t.Run("insecure warns", func(t *testing.T) {
		s := mustNew(t, Config{URL: srv.URL, TLS: TLS{InsecureSkipVerify: true}, Probes: new(false), Node: new(false), Alerts: new(false)})
		got, err := s.Check(context.Background())
		if err != nil || !strings.Contains(got, "WARNING") || !strings.Contains(got, "insecure_skip_verify") {
			t.Errorf("Check = %q, %v", got, err)
		}
	})
	t.Run("https to an http server", func(t *testing.T) {
		plain := serve(t, func(w http.ResponseWriter, r *http.Request) {})
		err := fetchErr(t, onlyQuery(strings.Replace(plain.URL, "http://", "https://", 1)))
		if !strings.Contains(err.Error(), "tls:") || !strings.Contains(err.Error(), "use http://") {
			t.Errorf("error = %q", err)
		}
	})
}

func TestInsecureNote(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"instance":"db1:9100"},"values":[[1763683200,"0.5"]]}]}}`)
	}))
	defer srv.Close()
	c := onlyQuery(srv.URL)
	c.TLS.InsecureSkipVerify = true
	ds := mustFetch(t, mustNew(t, c), day, time.Minute)
	if len(ds.Notes) == 0 || !strings.HasPrefix(ds.Notes[0], "WARNING") {
		t.Errorf("notes = %q, want the TLS warning", ds.Notes)
	}
}

// VictoriaMetrics answers buildinfo with no data.
func TestCheckNoBuildinfo(t *testing.T) {
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"status":"success","data":{}}`)
	})
	got, err := mustNew(t, Config{URL: srv.URL}).Check(context.Background())
	if err != nil || got != "Prometheus-compatible (no buildinfo)" {
		t.Errorf("Check = %q, %v", got, err)
	}
}

func TestNewValidates(t *testing.T) {
	t.Setenv("HS_EMPTY", "")
	tests := []struct {
		name string
		c    Config
		want string
	}{
		{"no url", Config{}, "url: missing"},
		{"not http", Config{URL: "ftp://prom:9090"}, `url: "ftp://prom:9090" is not an http or https URL`},
		{"no scheme", Config{URL: "prom:9090"}, "is not an http or https URL"},
		{"api path", Config{URL: "http://prom:9090/api/v1"}, "includes the API path"},
		{"credentials in url", Config{URL: "http://u:p@prom:9090"}, "carries credentials"},
		{"bad role", Config{URL: "http://prom:9090", Queries: []Query{{Name: "x", Expr: "up", Role: "latncy"}}}, `queries[0].role: "latncy": unknown role`},
		{"unnamed query", Config{URL: "http://prom:9090", Queries: []Query{{Expr: "up"}}}, "queries[0].name: missing"},
		{"duplicate query", Config{URL: "http://prom:9090", Queries: []Query{{Name: "a", Expr: "up"}, {Name: "a", Expr: "up"}}}, `queries[1].name: "a" is used twice`},
		{"empty expr", Config{URL: "http://prom:9090", Queries: []Query{{Name: "a"}}}, "queries[0].expr: missing"},
		{"password env unset", Config{URL: "http://prom:9090", BasicAuth: BasicAuth{User: "u", PasswordEnv: "HS_EMPTY"}}, "environment variable HS_EMPTY is empty or unset"},
		{"password file missing", Config{URL: "http://prom:9090", BasicAuth: BasicAuth{User: "u", PasswordFile: "/nonexistent/pw"}}, "read secret"},
		{"two passwords", Config{URL: "http://prom:9090", BasicAuth: BasicAuth{User: "u", PasswordEnv: "A", PasswordFile: "b"}}, "both password_env and password_file"},
		{"basic and bearer", Config{URL: "http://prom:9090", BasicAuth: BasicAuth{User: "u"}, BearerTokenFile: "t"}, "set together with a bearer token"},
		{"cert without key", Config{URL: "https://prom:9090", TLS: TLS{CertFile: "c.pem"}}, "cert_file and key_file go together"},
		{"missing ca", Config{URL: "https://prom:9090", TLS: TLS{CAFile: "/nonexistent/ca.pem"}}, "tls.ca_file"},
		{"authorization header", Config{URL: "http://prom:9090", Headers: map[string]string{"authorization": "Bearer x"}}, "use bearer_token_env"},
		{"negative timeout", Config{URL: "http://prom:9090", Timeout: -time.Second}, "timeout: -1s is negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.c)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if s, err := New(Config{URL: "http://prom:9090/"}); err != nil || s.Name() != "prometheus" {
		t.Errorf("New with defaults = %v, %v", s, err)
	}
}
