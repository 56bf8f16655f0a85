package zabbix

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-viper/mapstructure/v2"

	"github.com/hindsight-sre/hindsight/sources"
)

// fakeZabbix serves answers recorded from, or built after, the Zabbix API
// documentation of a given version, and records every request. A method
// with no answer fails the test.
type fakeZabbix struct {
	tb      testing.TB
	version string
	answers map[string]string // method -> JSON of "result", or {"error":...} when it starts with {"error"
	// handlers answer a method from its params, before answers.
	handlers map[string]func(params map[string]json.RawMessage) string
	delay    time.Duration

	mu    sync.Mutex
	reqs  []fakeReq
	count map[string]int
}

type fakeReq struct {
	Method string
	Auth   *string // nil when the request had no "auth" member
	Bearer string  // Authorization header
	Params map[string]json.RawMessage
	Raw    string
}

func newFake(tb testing.TB, version string, answers map[string]string) (*fakeZabbix, string) {
	f := &fakeZabbix{tb: tb, version: version, answers: answers}
	srv := httptest.NewServer(f)
	tb.Cleanup(srv.Close)
	return f, srv.URL + "/zabbix/"
}

func (f *fakeZabbix) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/zabbix/api_jsonrpc.php" {
		f.tb.Errorf("request to %s, want /zabbix/api_jsonrpc.php", r.URL.Path)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json-rpc" {
		w.WriteHeader(http.StatusPreconditionFailed) // what Zabbix does
		return
	}
	body, _ := io.ReadAll(r.Body)
	var req struct {
		Method string          `json:"method"`
		Auth   *string         `json:"auth"`
		ID     int             `json:"id"`
		Params json.RawMessage `json:"params"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		f.tb.Errorf("bad request %s: %v", body, err)
	}
	fr := fakeReq{Method: req.Method, Auth: req.Auth, Bearer: r.Header.Get("Authorization"), Raw: string(body)}
	_ = json.Unmarshal(req.Params, &fr.Params)
	f.mu.Lock()
	f.reqs = append(f.reqs, fr)
	if f.count == nil {
		f.count = map[string]int{}
	}
	f.count[req.Method]++
	n := f.count[req.Method]
	f.mu.Unlock()
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-r.Context().Done():
			return
		}
	}
	var ans string
	var ok bool
	if h := f.handlers[req.Method]; h != nil {
		ans, ok = h(fr.Params), true
	} else {
		ans, ok = f.answers[fmt.Sprintf("%s#%d", req.Method, n)] // the n-th call, when it differs
	}
	if !ok {
		ans, ok = f.answers[req.Method]
	}
	if req.Method == "apiinfo.version" && !ok {
		ans, ok = `"`+f.version+`"`, true
	}
	if !ok {
		f.tb.Errorf("unexpected call %s %s", req.Method, req.Params)
		ans = `{"error":{"code":-32601,"message":"Method not found.","data":"Incorrect API \"x\"."}}`
	}
	w.Header().Set("Content-Type", "application/json")
	if strings.HasPrefix(ans, `{"error"`) {
		io.WriteString(w, `{"jsonrpc":"2.0",`+ans[1:len(ans)-1]+`,"id":`+jsonInt(req.ID)+`}`)
		return
	}
	io.WriteString(w, `{"jsonrpc":"2.0","result":`+ans+`,"id":`+jsonInt(req.ID)+`}`)
}

func jsonInt(i int) string { b, _ := json.Marshal(i); return string(b) }

func (f *fakeZabbix) calls() []fakeReq {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeReq(nil), f.reqs...)
}

func (f *fakeZabbix) find(method string) []fakeReq {
	var out []fakeReq
	for _, r := range f.calls() {
		if r.Method == method {
			out = append(out, r)
		}
	}
	return out
}

const sessionID = "0424bd59b807674191e7d77572075f33"
const apiToken = "e0a1f8c6ad5b3f6a2c4b79f1f2d4c6a8e0a1f8c6ad5b3f6a2c4b79f1f2d4c6a8"

func TestAuthByVersion(t *testing.T) {
	for _, tc := range []struct {
		version    string
		token      bool
		loginField string // "" for a token
		bearer     bool
	}{
		{"5.0.30", false, "user", false},
		{"5.2.7", false, "user", false},
		{"5.4.0", false, "username", false},
		{"6.0.14", false, "username", false},
		{"6.2.9", false, "username", false},
		{"6.4.0", false, "username", true},
		{"7.0.5", false, "username", true},
		{"7.4.0rc1", false, "username", true},
		{"5.4.12", true, "", false},
		{"6.0.14", true, "", false},
		{"6.4.20", true, "", true},
		{"7.2.3", true, "", true},
	} {
		mode := "password"
		if tc.token {
			mode = "token"
		}
		t.Run(tc.version+"/"+mode, func(t *testing.T) {
			f, url := newFake(t, tc.version, map[string]string{
				"user.login":  `"` + sessionID + `"`,
				"user.logout": `true`,
				"host.get":    `"3"`,
			})
			cfg := Config{URL: url}
			secret := sessionID
			if tc.token {
				t.Setenv("ZBX_TEST_TOKEN", apiToken)
				cfg.TokenEnv, secret = "ZBX_TEST_TOKEN", apiToken
			} else {
				t.Setenv("ZBX_TEST_PW", "pa55word")
				cfg.User, cfg.PasswordEnv = "Admin", "ZBX_TEST_PW"
			}
			got, err := mustSource(t, cfg).Check(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(got, "Zabbix "+strings.TrimSuffix(tc.version, "rc1")) || !strings.HasSuffix(got, "3 hosts visible") {
				t.Errorf("Check = %q", got)
			}
			var methods []string
			for _, r := range f.calls() {
				methods = append(methods, r.Method)
				if r.Method == "apiinfo.version" || r.Method == "user.login" {
					if r.Auth != nil || r.Bearer != "" {
						t.Errorf("%s carried auth %v / %q; it must carry none", r.Method, r.Auth, r.Bearer)
					}
					continue
				}
				if tc.bearer {
					if r.Bearer != "Bearer "+secret || r.Auth != nil {
						t.Errorf("%s: Authorization %q, auth member %v; want only the header", r.Method, r.Bearer, r.Auth)
					}
				} else if r.Auth == nil || *r.Auth != secret || r.Bearer != "" {
					t.Errorf("%s: auth member %v, Authorization %q; want only the member", r.Method, r.Auth, r.Bearer)
				}
			}
			want := "apiinfo.version,user.login,host.get,user.logout"
			if tc.token {
				want = "apiinfo.version,host.get"
			}
			if strings.Join(methods, ",") != want {
				t.Errorf("calls %v, want %s", methods, want)
			}
			if tc.loginField != "" {
				p := f.find("user.login")[0].Params
				if _, ok := p[tc.loginField]; !ok || len(p) != 2 {
					t.Errorf("user.login params %v, want %s and password", p, tc.loginField)
				}
			}
		})
	}
}

// Answers shaped after the 7.0 and 5.0 API manuals (host.get, item.get,
// history.get, trend.get, event.get, maintenance.get, httptest.get pages).
var answers70 = map[string]string{
	"user.login":  `"` + sessionID + `"`,
	"user.logout": `true`,
	"host.get":    `[{"hostid":"10601","host":"web1","name":"Web 1","hostgroups":[{"groupid":"22","name":"Web"}]}]`,
	"item.get": `[
		{"itemid":"501","hostid":"10601","key_":"system.cpu.util","name":"CPU utilization","value_type":"0","units":"%","history":"7d","trends":"365d","delay":"1m"},
		{"itemid":"502","hostid":"10601","key_":"net.if.in[eth0]","name":"Incoming","value_type":"3","units":"bps","history":"7d","trends":"365d","delay":"1m"},
		{"itemid":"503","hostid":"10601","key_":"web.test.fail[Login]","name":"Failed step","value_type":"3","units":"","history":"30d","trends":"90d","delay":"1m"},
		{"itemid":"504","hostid":"10601","key_":"web.test.time[Login,open,resp]","name":"Response time","value_type":"0","units":"s","history":"30d","trends":"90d","delay":"1m"}
	]`,
	"history.get":  `[{"itemid":"501","clock":"1700000000","value":"12.5","ns":"0"},{"itemid":"504","clock":"1700000000","value":"0.25","ns":"0"},{"itemid":"503","clock":"1700000000","value":"0","ns":"0"},{"itemid":"502","clock":"1700000060","value":"1000","ns":"0"}]`,
	"trend.get":    `[]`,
	"problem.get":  `[]`,
	"httptest.get": `[{"httptestid":"7","hostid":"10601","name":"Login","delay":"1m","steps":[{"name":"open","url":"https://web1.example/login","no":"1"}]}]`,
	"maintenance.get": `[{"maintenanceid":"3","name":"weekly patch","maintenance_type":"1","description":"","active_since":"1699000000","active_till":"1701000000",
		"hosts":[],"hostgroups":[{"groupid":"22","name":"Web"}],
		"timeperiods":[{"timeperiod_type":"3","every":"1","dayofweek":"16","start_time":"7200","period":"3600","start_date":"0"}]}]`,
	"event.get": `[{"eventid":"88","clock":"1700000100","name":"High CPU","severity":"5","r_eventid":"0","acknowledged":"0","hosts":[{"host":"web1"}],"tags":[],
		"acknowledges":[{"clock":"1700000200","message":"on it","username":"alice"}]}]`,
}

func TestFetchRecorded70(t *testing.T) {
	f, url := newFake(t, "7.0.5", answers70)
	t.Setenv("ZBX_TEST_PW", "pa55word")
	s := mustSource(t, Config{URL: url, User: "Admin", PasswordEnv: "ZBX_TEST_PW", Groups: nil, Hosts: []string{"web1"}})
	w := sources.Window{From: time.Unix(1699990000, 0), To: time.Unix(1700010000, 0)}
	ds, err := s.Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if p := f.find("host.get")[0].Params; p["selectHostGroups"] == nil || p["selectGroups"] != nil {
		t.Errorf("7.0 host.get params %v: want selectHostGroups", p)
	}
	if p := f.find("event.get")[0].Params; p["selectAcknowledges"] == nil || p["select_acknowledges"] != nil {
		t.Errorf("7.0 event.get params %v: want selectAcknowledges", p)
	}
	for _, r := range f.find("history.get") {
		if string(r.Params["history"]) != `"0"` && string(r.Params["history"]) != `"3"` {
			t.Errorf("history.get without a value type: %s", r.Raw)
		}
	}
	if len(ds.Series) != 2 {
		t.Fatalf("%d series, want 2: %+v", len(ds.Series), ds.Series)
	}
	for _, s := range ds.Series {
		switch s.Name {
		case "system.cpu.util":
			if s.Role != sources.Saturation || s.Unit != "%" || len(s.Points) != 1 || s.Points[0].V != 12.5 {
				t.Errorf("cpu %+v", s)
			}
		case "net.if.in[eth0]":
			if s.Role != sources.Traffic || s.Points[0].V != 1000 {
				t.Errorf("net %+v", s)
			}
		}
	}
	if len(ds.Probes) != 1 || ds.Probes[0].Target != "https://web1.example/login" || ds.Probes[0].Beats[0].Latency != 250*time.Millisecond {
		t.Errorf("probes %+v", ds.Probes)
	}
	var gotEv []string
	for _, e := range ds.Events {
		gotEv = append(gotEv, e.T.UTC().Format(time.RFC3339)+" "+string(e.Kind)+" "+e.Severity.String()+" "+e.Title)
	}
	// 2023-11-14 is a Tuesday; dayofweek 16 is Friday: 2023-11-17 02:00 UTC.
	want := []string{"2023-11-14T22:15:00Z problem critical web1: High CPU"}
	if strings.Join(gotEv, "|") != strings.Join(want, "|") {
		t.Errorf("events %q, want %q", gotEv, want)
	}
	if !strings.Contains(ds.Events[0].Detail, "acknowledged by alice") || !strings.Contains(ds.Events[0].Detail, "not resolved") {
		t.Errorf("detail %q", ds.Events[0].Detail)
	}
}

func TestFetchRecorded50(t *testing.T) {
	a := map[string]string{}
	for k, v := range answers70 {
		a[k] = v
	}
	a["host.get"] = `[{"hostid":"10601","host":"web1","name":"Web 1","groups":[{"groupid":"22","name":"Web"}]}]`
	a["maintenance.get"] = `[{"maintenanceid":"3","name":"nightly","maintenance_type":"0","active_since":"1699000000","active_till":"1701000000",
		"hosts":[],"groups":[{"groupid":"22","name":"Web"}],
		"timeperiods":[{"timeperiod_type":"2","every":"1","dayofweek":"0","start_time":"79200","period":"1800","start_date":"0"}]}]`
	a["event.get"] = `[{"eventid":"88","clock":"1700000100","name":"High CPU","severity":"3","r_eventid":"89","acknowledged":"1","hosts":[{"host":"web1"}],
		"tags":[{"tag":"scope","value":"performance"}],"acknowledges":[{"clock":"1700000200","message":"","alias":"bob"}]}]`
	a["event.get#2"] = `[{"eventid":"89","clock":"1700000400"}]` // the recovery event
	f, url := newFake(t, "5.0.30", a)
	t.Setenv("ZBX_TEST_PW", "pa55word")
	s := mustSource(t, Config{URL: url, User: "Admin", PasswordEnv: "ZBX_TEST_PW"})
	w := sources.Window{From: time.Unix(1699990000, 0), To: time.Unix(1700010000, 0)}
	ds, err := s.Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if p := f.find("host.get")[0].Params; p["selectGroups"] == nil {
		t.Errorf("5.0 host.get params %v: want selectGroups", p)
	}
	if p := f.find("event.get")[0].Params; p["select_acknowledges"] == nil {
		t.Errorf("5.0 event.get params %v: want select_acknowledges", p)
	}
	if p := f.find("user.login")[0].Params; p["user"] == nil {
		t.Errorf("5.0 user.login params %v: want user", p)
	}
	var maint []string
	for _, e := range ds.Events {
		if e.Kind == sources.KindMaintenance {
			maint = append(maint, e.T.UTC().Format(time.RFC3339)+".."+e.End.UTC().Format("15:04"))
		}
	}
	// daily 22:00-22:30 UTC, window 2023-11-14T19:46:40Z .. 2023-11-15T01:20:00Z
	if strings.Join(maint, "|") != "2023-11-14T22:00:00Z..22:30" {
		t.Errorf("maintenance %q", maint)
	}
	var prob sources.Event
	for _, e := range ds.Events {
		if e.Kind == sources.KindProblem {
			prob = e
		}
	}
	if prob.Severity != sources.Error || !strings.Contains(prob.Detail, "acknowledged by bob") || !strings.Contains(prob.Detail, "scope=performance") {
		t.Errorf("problem %+v", prob)
	}
	if prob.End.Unix() != 1700000400 {
		t.Errorf("recovery %v", prob.End)
	}
}

func TestAPIErrors(t *testing.T) {
	ctx := context.Background()
	w := sources.Window{From: time.Unix(1699990000, 0), To: time.Unix(1700010000, 0)}
	t.Run("error object shows code, message and data, never the password", func(t *testing.T) {
		_, url := newFake(t, "6.0.14", map[string]string{
			"user.login": `{"error":{"code":-32602,"message":"Invalid params.","data":"Invalid parameter \"/password\": value \"pa55word\" is wrong."}}`,
		})
		t.Setenv("ZBX_TEST_PW", "pa55word")
		_, err := mustSource(t, Config{URL: url, User: "Admin", PasswordEnv: "ZBX_TEST_PW"}).Fetch(ctx, w, time.Minute)
		wantErr(t, err, "pa55word", "api error -32602", "Invalid params", `Invalid parameter "/password"`, "[redacted]")
		var ae *APIError
		if !errors.As(err, &ae) || ae.Code != -32602 {
			t.Errorf("errors.As APIError: %v", err)
		}
	})
	t.Run("history.get error becomes the fetch error with the call to reproduce", func(t *testing.T) {
		a := map[string]string{}
		for k, v := range answers70 {
			a[k] = v
		}
		a["history.get"] = `{"error":{"code":-32500,"message":"Application error.","data":"No permissions to referred object or it does not exist!"}}`
		_, url := newFake(t, "7.0.5", a)
		t.Setenv("ZBX_TEST_PW", "pa55word")
		_, err := mustSource(t, Config{URL: url, User: "Admin", PasswordEnv: "ZBX_TEST_PW"}).Fetch(ctx, w, time.Minute)
		wantErr(t, err, "pa55word", "history.get itemids=", "api error -32500", "No permissions", "hint: the Zabbix user lacks read permission")
	})
	t.Run("slow server is a timeout", func(t *testing.T) {
		f, url := newFake(t, "6.0.14", nil)
		f.delay = 2 * time.Second
		t.Setenv("ZBX_TEST_TOKEN", apiToken)
		_, err := mustSource(t, Config{URL: url, TokenEnv: "ZBX_TEST_TOKEN", Timeout: 100 * time.Millisecond}).Fetch(ctx, w, time.Minute)
		wantErr(t, err, apiToken, "no answer from", "within 100ms", "hint: the server is slow")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("not a deadline error: %v", err)
		}
	})
	t.Run("caller's cancellation is not a timeout", func(t *testing.T) {
		f, url := newFake(t, "6.0.14", nil)
		f.delay = 2 * time.Second
		t.Setenv("ZBX_TEST_TOKEN", apiToken)
		cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		_, err := mustSource(t, Config{URL: url, TokenEnv: "ZBX_TEST_TOKEN"}).Fetch(cctx, w, time.Minute)
		if !errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "raise timeout") {
			t.Errorf("err %v", err)
		}
	})
	t.Run("not the API", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "<html><body>Zabbix login page</body></html>")
		}))
		defer srv.Close()
		t.Setenv("ZBX_TEST_TOKEN", apiToken)
		_, err := mustSource(t, Config{URL: srv.URL, TokenEnv: "ZBX_TEST_TOKEN"}).Check(ctx)
		wantErr(t, err, apiToken, "answer is not JSON-RPC", "Zabbix login page", "hint: url must point")
	})
	t.Run("http status", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusPreconditionFailed)
		}))
		defer srv.Close()
		t.Setenv("ZBX_TEST_TOKEN", apiToken)
		_, err := mustSource(t, Config{URL: srv.URL, TokenEnv: "ZBX_TEST_TOKEN"}).Check(ctx)
		wantErr(t, err, apiToken, "http 412", "(empty body)")
	})
}

func TestNew(t *testing.T) {
	t.Setenv("ZBX_TEST_PW", "pw")
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"no url", Config{User: "a", PasswordEnv: "ZBX_TEST_PW"}, "hint: set sources.zabbix.url"},
		{"bad url", Config{URL: "zabbix.example", User: "a", PasswordEnv: "ZBX_TEST_PW"}, "is not an http(s) address"},
		{"no credentials", Config{URL: "http://z"}, "no credentials"},
		{"user without password", Config{URL: "http://z", User: "a"}, "has no password"},
		{"unset variable", Config{URL: "http://z", User: "a", PasswordEnv: "ZBX_TEST_UNSET_VAR"}, "ZBX_TEST_UNSET_VAR is not set"},
		{"token and user", Config{URL: "http://z", User: "a", TokenEnv: "ZBX_TEST_PW"}, "both an API token and a user"},
		{"bad timezone", Config{URL: "http://z", TokenEnv: "ZBX_TEST_PW", Timezone: "Mars/Base"}, "timezone"},
		{"missing secret file", Config{URL: "http://z", TokenFile: "testdata/nope"}, "read secret file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			wantErr(t, err, "", tc.want)
		})
	}
	s, err := New(Config{URL: "https://z.example/zabbix/", User: "a", PasswordEnv: "ZBX_TEST_PW"})
	if err != nil || s.url != "https://z.example/zabbix/api_jsonrpc.php" || s.Name() != "zabbix" {
		t.Errorf("New = %v, %v", s, err)
	}
	t.Setenv("ZBX_TEST_PW", "pa55word")
	s = mustSource(t, Config{URL: "https://z.example/zabbix/", User: "a", PasswordEnv: "ZBX_TEST_PW"})
	for _, f := range []string{"%v", "%+v", "%s", "%#v"} {
		if out := fmt.Sprintf(f, s); strings.Contains(out, "pa55word") {
			t.Errorf("%s of a Source shows the password: %s", f, out)
		}
	}
}

func TestSecretFile(t *testing.T) {
	dir := t.TempDir()
	file := dir + "/token"
	if err := os.WriteFile(file, []byte(apiToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, url := newFake(t, "7.0.5", map[string]string{"host.get": `"0"`})
	s := mustSource(t, Config{URL: url, TokenFile: file})
	if _, err := s.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := f.find("host.get")[0].Bearer; got != "Bearer "+apiToken {
		t.Errorf("Authorization %q: the file's newline must be dropped", got)
	}
	if err := os.WriteFile(file, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := New(Config{URL: url, TokenFile: file})
	wantErr(t, err, "", "is empty", "hint: set sources.zabbix.token_env")
}

// TestHistoryPaging serves one item at one value per second for a day and
// a limit small enough that chunks must be halved: every second comes back
// once, in order.
func TestHistoryPaging(t *testing.T) {
	defer func(a, b int) { targetRows, maxRows = a, b }(targetRows, maxRows)
	targetRows, maxRows = 5_000, 8_000 // the item claims 1m but sends 1 s: chunks overflow
	const from, to = 1700000000, 1700000000 + 86400
	var mu sync.Mutex
	var calls, cut int
	f, url := newFake(t, "6.0.14", map[string]string{
		"host.get":        `[{"hostid":"1","host":"h"}]`,
		"item.get":        `[{"itemid":"9","hostid":"1","key_":"icmppingsec","name":"ping","value_type":"0","units":"s","history":"90d","trends":"0","delay":"1m"}]`,
		"maintenance.get": `[]`,
		"event.get":       `[]`,
		"problem.get":     `[]`,
	})
	f.handlers = map[string]func(map[string]json.RawMessage) string{
		"history.get": func(p map[string]json.RawMessage) string {
			var a, b, limit int64
			json.Unmarshal(p["time_from"], &a)
			json.Unmarshal(p["time_till"], &b)
			json.Unmarshal(p["limit"], &limit)
			var sb strings.Builder
			sb.WriteString("[")
			n := int64(0)
			for ts := max(a, from); ts <= min(b, to-1) && n < limit; ts++ {
				if n > 0 {
					sb.WriteString(",")
				}
				fmt.Fprintf(&sb, `{"itemid":"9","clock":"%d","ns":"0","value":"%d"}`, ts, ts-from)
				n++
			}
			sb.WriteString("]")
			mu.Lock()
			calls++
			if n == limit {
				cut++
			}
			mu.Unlock()
			return sb.String()
		},
	}
	t.Setenv("ZBX_TEST_TOKEN", apiToken)
	ds, err := mustSource(t, Config{URL: url, TokenEnv: "ZBX_TEST_TOKEN"}).Fetch(context.Background(),
		sources.Window{From: time.Unix(from, 0), To: time.Unix(to, 0)}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Series) != 1 || len(ds.Series[0].Points) != 86400 {
		t.Fatalf("series %d, points %d; want 1 with 86400", len(ds.Series), len(ds.Series[0].Points))
	}
	for i, p := range ds.Series[0].Points {
		if p.T.Unix() != from+int64(i) || p.V != float64(i) {
			t.Fatalf("point %d = %v %v", i, p.T.Unix(), p.V)
		}
	}
	if cut == 0 || calls <= 2*cut {
		t.Errorf("%d calls, %d cut at the limit: the halving was not exercised", calls, cut)
	}
}

// TestConfigDecode decodes a config entry the way cmd's viper does
// (mapstructure with the string-to-duration hook).
func TestConfigDecode(t *testing.T) {
	in := map[string]any{
		"name": "prod-zbx", "url": "https://zbx.example/zabbix", "user": "hindsight",
		"password_env": "ZBX_PW", "password_file": "", "token_env": "", "token_file": "",
		"hosts": []string{"web1"}, "groups": []string{"Linux servers"}, "tags": []string{"env=prod"},
		"items": []string{"system.cpu.util*", "icmppingsec"}, "timezone": "Asia/Seoul", "timeout": "15s",
	}
	var c Config
	d, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		DecodeHook: mapstructure.StringToTimeDurationHookFunc(), Result: &c, ErrorUnused: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Decode(in); err != nil {
		t.Fatal(err)
	}
	want := Config{Name: "prod-zbx", URL: "https://zbx.example/zabbix", User: "hindsight", PasswordEnv: "ZBX_PW",
		Hosts: []string{"web1"}, Groups: []string{"Linux servers"}, Tags: []string{"env=prod"},
		Items: []string{"system.cpu.util*", "icmppingsec"}, Timezone: "Asia/Seoul", Timeout: 15 * time.Second}
	if fmt.Sprint(c) != fmt.Sprint(want) {
		t.Errorf("decoded %+v\nwant    %+v", c, want)
	}
}
