package zabbix

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

func TestDecodeHistory(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    string
		trend bool
		want  []sample
		err   string
	}{
		{"numbers as strings", `[{"itemid":"7","clock":"1763661300","value":"0.129","ns":"5"}]`, false,
			[]sample{{"7", 1763661300_000000005, 0.129}}, ""},
		{"bare numbers", `[{"itemid":7,"clock":1763661300,"value":3}]`, false, []sample{{"7", 1763661300_000000000, 3}}, ""},
		{"trend average", `[{"itemid":"7","clock":"1763661600","num":"60","value_min":"1","value_avg":"1.5","value_max":"2"}]`, true,
			[]sample{{"7", 1763661600_000000000, 1.5}}, ""},
		{"empty", `[]`, false, []sample{}, ""},
		{"text value", `[{"itemid":"7","clock":"1","value":"backup started"}]`, false, nil, "invalid number"},
		{"no clock", `[{"itemid":"7","value":"1"}]`, false, nil, "clock"},
		{"no itemid", `[{"clock":"1","value":"1"}]`, false, nil, "no itemid"},
		{"ns out of range", `[{"itemid":"7","clock":"1","ns":"1000000000","value":"1"}]`, false, nil, "ns"},
		{"huge clock", `[{"itemid":"7","clock":"99999999999999","value":"1"}]`, false, nil, "out of range"},
		{"infinite", `[{"itemid":"7","clock":"1","value":"1e999"}]`, false, nil, "value"},
		{"not an array", `{"itemid":"7"}`, false, nil, "cannot unmarshal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := decodeHistory([]byte(tc.in), tc.trend)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("[%d] %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestStr(t *testing.T) {
	var v struct {
		A, B, C, D str
	}
	if err := json.Unmarshal([]byte(`{"A":"10084","B":10084,"C":null,"D":-1.5}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != "10084" || v.B != "10084" || v.C != "" || v.D != "-1.5" {
		t.Errorf("%+v", v)
	}
	if err := json.Unmarshal([]byte(`{"A":[1]}`), &v); err == nil {
		t.Error("an array decoded as str")
	}
}

func TestParseVersion(t *testing.T) {
	for in, want := range map[string]version{
		"6.0.14": {6, 0, 14}, "7.0.0alpha1": {7, 0, 0}, "5.4": {5, 4, 0}, " 7.4.2 ": {7, 4, 2},
	} {
		if got, err := parseVersion(in); err != nil || got != want {
			t.Errorf("parseVersion(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "6", "x.y", "6.x"} {
		if _, err := parseVersion(bad); err == nil {
			t.Errorf("parseVersion(%q) succeeded", bad)
		}
	}
}

func TestParsePeriod(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"60": time.Minute, "30s": 30 * time.Second, "1m": time.Minute, "1h": time.Hour, "90d": 90 * 24 * time.Hour,
		"1w": 7 * 24 * time.Hour, "0": 0, "1m;wd1-5,9-18": time.Minute,
	} {
		if got, ok := parsePeriod(in); !ok || got != want {
			t.Errorf("parsePeriod(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "{$HISTORY}", "x", "-1", "99999999999999999w"} {
		if _, ok := parsePeriod(bad); ok {
			t.Errorf("parsePeriod(%q) ok", bad)
		}
	}
}

func TestKeyParams(t *testing.T) {
	for in, want := range map[string]string{
		"icmppingsec":                         "icmppingsec|",
		"web.test.time[Shop home,home,resp]":  "web.test.time|Shop home/home/resp",
		`web.test.fail["a, b"]`:               "web.test.fail|a, b",
		`web.test.rspcode["say \"hi\"",step]`: `web.test.rspcode|say "hi"/step`,
		"system.cpu.util[,user]":              "system.cpu.util|/user",
		"x[[a,b],c]":                          "x|[a,b]/c",
	} {
		name, params := keyParams(in)
		if got := name + "|" + strings.Join(params, "/"); got != want {
			t.Errorf("keyParams(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMatch(t *testing.T) {
	for _, tc := range []struct {
		p, s string
		want bool
	}{
		{"system.cpu.util*", "system.cpu.util[,user]", true},
		{"vfs.dev.*", "vfs.dev.read.rate[sda]", true},
		{"vfs.dev.*", "vfs.fs.size[/,pused]", false},
		{"icmppingsec", "icmppingsec", true},
		{"icmppingsec", "icmppingsec[1.1.1.1]", false},
		{"net.if.*[eth0]", "net.if.in[eth0]", true},
		{"*[sda]", "vfs.dev.write.rate[sda]", true},
		{"a*a", "a", false},
		{"*", "", true},
		{"CPU*", "CPU utilization", true},
	} {
		if got := match(tc.p, tc.s); got != tc.want {
			t.Errorf("match(%q, %q) = %v", tc.p, tc.s, got)
		}
	}
}

func TestRole(t *testing.T) {
	for key, want := range map[string]sources.Role{
		"icmppingsec":                     sources.Latency,
		"web.test.time[a,b,resp]":         sources.Latency,
		"net.tcp.service.perf[http]":      sources.Other,
		"system.cpu.util[,user]":          sources.Saturation,
		"system.cpu.load[all,avg1]":       sources.Saturation,
		"vfs.dev.read.rate[sda]":          sources.Saturation,
		"vm.memory.size[pavailable]":      sources.Saturation,
		"web.test.fail[a]":                sources.Errors,
		"app.error.count":                 sources.Errors,
		"icmppingloss":                    sources.Errors,
		"net.if.in[eth0]":                 sources.Traffic,
		"agent.ping":                      sources.Other,
		"nginx.requests.total":            sources.Traffic,
		"log.count[/var/log/app,ERROR]":   sources.Errors,
		"proc.num[nginx]":                 sources.Other,
		"custom.latency.p95[checkout]":    sources.Latency,
		"system.swap.size[,pfree]":        sources.Saturation,
		"web.test.rspcode[Shop,home]":     sources.Errors,
		"zabbix[process,poller,avg,busy]": sources.Other,
	} {
		if got := role(key); got != want {
			t.Errorf("role(%q) = %v, want %v", key, got, want)
		}
	}
}

func TestResample(t *testing.T) {
	from := time.Unix(1000*60, 0)
	var pts []sources.Point
	for i := range 10 {
		pts = append(pts, sources.Point{T: from.Add(time.Duration(i) * time.Minute), V: float64(i)})
	}
	got := resample(pts, from, 5*time.Minute)
	if len(got) != 2 || got[0].V != 2 || got[1].V != 7 || !got[1].T.Equal(from.Add(5*time.Minute)) {
		t.Errorf("5m: %v", got)
	}
	if got := resample(pts, from, time.Minute); len(got) != 10 {
		t.Errorf("1m step changed 1m data: %v", got)
	}
	if got := resample(pts, from, 0); len(got) != 10 {
		t.Errorf("step 0: %v", got)
	}
}

func TestExpandPeriod(t *testing.T) {
	day := int64(86400)
	mon := time.Date(2025, 11, 17, 0, 0, 0, 0, time.UTC).Unix() // a Monday
	active := interval{mon - 30*day, mon + 30*day}
	w := interval{mon, mon + 7*day}
	fmtIvs := func(ivs []interval) string {
		var s []string
		for _, iv := range ivs {
			s = append(s, time.Unix(iv.from, 0).UTC().Format("Mon 01-02 15:04")+"+"+time.Duration((iv.to-iv.from)*int64(time.Second)).String())
		}
		return strings.Join(s, ", ")
	}
	for _, tc := range []struct {
		name string
		p    zPeriod
		loc  *time.Location
		want string
	}{
		{"one time", zPeriod{Type: "0", StartDate: str(fmtInt(mon + day + 3600)), Period: "7200"}, time.UTC, "Tue 11-18 01:00+2h0m0s"},
		{"one time clipped by the window", zPeriod{Type: "0", StartDate: str(fmtInt(mon - 3600)), Period: "7200"}, time.UTC, "Mon 11-17 00:00+1h0m0s"},
		{"every 3 days at 02:00", zPeriod{Type: "2", Every: "3", StartTime: "7200", Period: "1800"}, time.UTC,
			// counted from active_since (2025-10-18, a Saturday): 11-17 is day 30.
			"Mon 11-17 02:00+30m0s, Thu 11-20 02:00+30m0s, Sun 11-23 02:00+30m0s"},
		{"weekly Tue and Sat 23:00", zPeriod{Type: "3", Every: "1", DayOfWeek: "34", StartTime: "82800", Period: "3600"}, time.UTC,
			"Tue 11-18 23:00+1h0m0s, Sat 11-22 23:00+1h0m0s"},
		{"daily in Seoul", zPeriod{Type: "2", Every: "1", StartTime: "10800", Period: "600"}, mustLoc(t, "Asia/Seoul"),
			"Mon 11-17 18:00+10m0s, Tue 11-18 18:00+10m0s, Wed 11-19 18:00+10m0s, Thu 11-20 18:00+10m0s, Fri 11-21 18:00+10m0s, Sat 11-22 18:00+10m0s, Sun 11-23 18:00+10m0s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := expandPeriod(tc.p, active, w, tc.loc)
			if !ok || fmtIvs(got) != tc.want {
				t.Errorf("got %q (ok %v)\nwant %q", fmtIvs(got), ok, tc.want)
			}
		})
	}
	if _, ok := expandPeriod(zPeriod{Type: "4", Period: "60"}, active, w, time.UTC); ok {
		t.Error("monthly expanded")
	}
}

func fmtInt(i int64) string { b, _ := json.Marshal(i); return string(b) }

func mustLoc(tb testing.TB, name string) *time.Location {
	tb.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

// FuzzDecodeHistory feeds history.get/trend.get answers: decoding never
// panics, and what it accepts is finite and in range.
func FuzzDecodeHistory(f *testing.F) {
	f.Add([]byte(`[{"itemid":"7","clock":"1763661300","value":"0.129","ns":"5"}]`), false)
	f.Add([]byte(`[{"itemid":7,"clock":1763661300,"value":3}]`), false)
	f.Add([]byte(`[{"itemid":"7","clock":"1763661600","num":"60","value_avg":"1.5"}]`), true)
	f.Add([]byte(`[{"itemid":"7","clock":"-1","value":"NaN"}]`), false)
	f.Add([]byte(`[{"itemid":"7","clock":"1","value":"1e400"}]`), false)
	f.Fuzz(func(t *testing.T, b []byte, trend bool) {
		got, err := decodeHistory(b, trend)
		if err != nil {
			return
		}
		for _, s := range got {
			if math.IsNaN(s.V) || math.IsInf(s.V, 0) || s.T < 0 || s.ItemID == "" {
				t.Fatalf("accepted %+v from %q", s, b)
			}
		}
	})
}

// FuzzStr feeds the flexible string-or-number fields of API objects and
// the version and period parsers.
func FuzzStr(f *testing.F) {
	for _, s := range []string{`"10084"`, `10084`, `null`, `-1.5e3`, `true`, `[1]`, `"6.0.14"`, `"7.0.0alpha1"`, `"1m;wd1-5"`, `"{$H}"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var s str
		if err := json.Unmarshal(b, &s); err != nil {
			return
		}
		if v, err := parseVersion(string(s)); err == nil && (v.Major < 0 || v.Minor < 0 || v.Patch < 0) {
			t.Fatalf("negative version %v from %q", v, s)
		}
		if d, ok := parsePeriod(string(s)); ok && d < 0 {
			t.Fatalf("negative period %v from %q", d, s)
		}
		keyParams(string(s))
		match(string(s), string(s))
	})
}
