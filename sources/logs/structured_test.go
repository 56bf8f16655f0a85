package logs

import (
	"fmt"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// TestRoleTable: every name added is found with its first role, names
// not added are not, past the table's room too.
func TestRoleTable(t *testing.T) {
	var tb roleTable
	names := map[string]roleRank{}
	for i := range 400 {
		k := fmt.Sprintf("field_%d", i)
		tb.add(k, roleRank{fieldRole(i % int(nRoles)), int8(i % 100)})
		names[k] = roleRank{fieldRole(i % int(nRoles)), int8(i % 100)}
	}
	tb.add("field_3", roleRank{roleTime, 99}) // a second role: ignored
	for k, want := range names {
		if got, ok := tb.get([]byte(k)); !ok || got != want {
			t.Fatalf("%s: %v %v, want %v", k, got, ok, want)
		}
	}
	for _, k := range []string{"", "field_", "field_400", "msg", "x"} {
		if _, ok := tb.get([]byte(k)); ok {
			t.Errorf("%q found", k)
		}
	}
}

func TestJSONStringEscapes(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
		ok   bool
	}{
		{`"abc",`, `abc`, true},
		{`"a\"b"x`, `a\"b`, true},
		{`"a\\"x`, `a\\`, true},
		{`"a\\\"b"`, `a\\\"b`, true},
		{`"\\\\"`, `\\\\`, true},
		{`"abc`, ``, false},
		{`"a\"`, ``, false},
		{`""`, ``, true},
		{`"a long string of many words, no escapes at all here"x`, `a long string of many words, no escapes at all here`, true},
		{`"0123456\"89abcdef\\"`, `0123456\"89abcdef\\`, true},
		{`"01234567\`, ``, false},
		{`"0123456789abcdef`, ``, false},
	} {
		s, e, ok := jsonString([]byte(c.in), 0)
		if ok != c.ok || ok && c.in[s:e] != c.want {
			t.Errorf("%s: %q %v, want %q %v", c.in, c.in[s:e], ok, c.want, c.ok)
		}
	}
}

// TestCallerLineDropped: zap's caller names the program by file, not by
// line, so that templates keep their identity across releases.
func TestCallerLineDropped(t *testing.T) {
	p := newStructParser(FormatJSON, Fields{}, nil, t0)
	var r Record
	for _, c := range []struct{ line, want string }{
		{`{"ts":"2025-11-20T03:00:00Z","caller":"orders/handler.go:42","msg":"x"}`, "orders/handler.go"},
		{`{"ts":"2025-11-20T03:00:00Z","caller":"orders/handler.go","msg":"x"}`, "orders/handler.go"},
		{`{"ts":"2025-11-20T03:00:00Z","logger":"api:v2","msg":"x"}`, "api:v2"},
		{`{"ts":"2025-11-20T03:00:00Z","service":"db:5432","msg":"x"}`, "db:5432"},
	} {
		if res := p.parse([]byte(c.line), &r, sources.Window{From: t0.Add(-time.Hour), To: t0.Add(48 * time.Hour)}); res != parsed || r.Program != c.want {
			t.Errorf("%s: %v, program %q, want %q", c.line, res, r.Program, c.want)
		}
	}
}

// TestDaysFromCivil: the integer date arithmetic agrees with time.Date,
// days past a month's end and leap seconds included.
func TestDaysFromCivil(t *testing.T) {
	for y := 1600; y <= 2500; y += 7 {
		for m := 1; m <= 12; m++ {
			for _, d := range []int{1, 15, 28, 29, 30, 31} {
				want := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Unix()
				if got := daysFromCivil(y, m, d) * 86400; got != want {
					t.Fatalf("%d-%02d-%02d: %d, want %d", y, m, d, got, want)
				}
			}
		}
	}
	for _, c := range []struct {
		in   string
		want time.Time
	}{
		{"2024-02-29T23:59:60.5Z", time.Date(2024, 3, 1, 0, 0, 0, 5e8, time.UTC)},
		{"2025-02-31 10:00:00+09:00", time.Date(2025, 3, 3, 1, 0, 0, 0, time.UTC)},
		{"1969-12-31T23:59:59-0100", time.Date(1970, 1, 1, 0, 59, 59, 0, time.UTC)},
		{"2025-11-20T03:04:05", time.Date(2025, 11, 20, 3, 4, 5, 0, time.UTC)},
	} {
		got, _, ok := parseISOPrefix([]byte(c.in), time.UTC)
		if !ok || !got.Equal(c.want) {
			t.Errorf("%s: %v %v, want %v", c.in, got, ok, c.want)
		}
	}
}

func TestQuoteOrBackslash(t *testing.T) {
	for n := 0; n < 40; n++ {
		for _, c := range []byte{'"', '\\'} {
			for at := 0; at <= n; at++ {
				b := make([]byte, n+1)
				for i := range b {
					b[i] = byte('a' + i%26)
				}
				b[n] = 'x'
				want := n + 1
				if at < n {
					b[at] = c
					want = at
				}
				for j := 0; j <= min(at, n); j++ {
					if got := quoteOrBackslash(b, j); got != want && !(at == n && got == len(b)) {
						t.Fatalf("n %d, %q at %d, from %d: %d, want %d", n, c, at, j, got, want)
					}
				}
			}
		}
	}
}

// FuzzJSONString: the eight-bytes-at-a-time scan agrees with the plain
// byte loop.
func FuzzJSONString(f *testing.F) {
	for _, s := range []string{`"abc"`, `"a\"b\\"`, `"0123456789\\\\\"abcdef"x`, `"`, `"\`} {
		f.Add([]byte(s))
	}
	plain := func(b []byte) (int, int, bool) {
		for j := 1; j < len(b); j++ {
			switch b[j] {
			case '\\':
				j++
			case '"':
				return 1, j, true
			}
		}
		return 0, 0, false
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 || b[0] != '"' {
			return
		}
		s, e, ok := jsonString(b, 0)
		ps, pe, pok := plain(b)
		if s != ps || e != pe || ok != pok {
			t.Fatalf("%q: %d %d %v, byte loop %d %d %v", b, s, e, ok, ps, pe, pok)
		}
	})
}

// TestISOMinuteCache: stamps read with the minute of the one before agree
// with stamps read alone, across minutes, offsets and zones.
func TestISOMinuteCache(t *testing.T) {
	zones := []*time.Location{time.UTC, time.FixedZone("KST", 9*3600), time.FixedZone("X", -3*3600-1800)}
	if ny, err := time.LoadLocation("America/New_York"); err == nil {
		zones = append(zones, ny)
	}
	stamps := []string{
		"2025-11-02T01:59:59.5", "2025-11-02T01:59:59.9Z", "2025-11-02T01:59:00+09:00", "2025-11-02 01:59:30",
		"2025-11-02T02:00:00", "2025-11-02T02:00:00-0500", "2025-03-09T02:30:00", "2025-03-09T02:30:10",
		"2024-02-29T23:59:60", "2024-02-29T23:59:59,123456789", "2025-13-01T00:00:00", "2025-11-02T01:59:61",
	}
	for _, loc := range zones {
		var c isoMinute
		for _, s := range stamps {
			got, gn, gok := parseISO([]byte(s), loc, &c)
			want, wn, wok := parseISO([]byte(s), loc, nil)
			if !got.Equal(want) || gn != wn || gok != wok {
				t.Errorf("%s in %s: %v %d %v, alone %v %d %v", s, loc, got, gn, gok, want, wn, wok)
			}
			if !wok {
				continue
			}
			// Alone, it is what time.Date says.
			y, mo, d, h, mi, sec := atoi(s[0:4]), atoi(s[5:7]), atoi(s[8:10]), atoi(s[11:13]), atoi(s[14:16]), atoi(s[17:19])
			if len(s) == 19 {
				if td := time.Date(y, time.Month(mo), d, h, mi, sec, 0, loc); !td.Equal(want) {
					t.Errorf("%s in %s: %v, time.Date %v", s, loc, want, td)
				}
			}
		}
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// FuzzJSONLayout: a parser that has read line a reads line b as a fresh
// parser does: the key layout it keeps from a is only a shortcut.
func FuzzJSONLayout(f *testing.F) {
	f.Add([]byte(`{"level":"info","ts":"2025-11-20T03:00:00Z","msg":"a"}`), []byte(`{"level":"warn","ts":"2025-11-20T03:00:01Z","msg":"b"}`))
	f.Add([]byte(`{"level":"info","ts":1,"msg":"a"}`), []byte(`{"lev":"x","level":"warn","ts":2,"msg":"b"}`))
	f.Add([]byte(`{"a\"b":1,"ts":1,"msg":"a"}`), []byte(`{"a\"b":2,"ts":2,"msg":"b","level":"error"}`))
	f.Add([]byte(`{"msg":"a","ts":1}`), []byte(`{"msg":"a","ts" :2}`))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		mk := func() lineParser { return formatSpec{name: FormatJSON}.parser(env(false)) }
		warm, fresh := mk(), mk()
		var r1, r2 Record
		warm.parse(a, &r1, everything)
		res1 := warm.parse(b, &r1, everything)
		res2 := fresh.parse(b, &r2, everything)
		if res1 != res2 || res1 == parsed && (r1.Message != r2.Message || r1.Level != r2.Level || r1.Program != r2.Program ||
			!r1.T.Equal(r2.T) || r1.Status != r2.Status || r1.RequestTime != r2.RequestTime || r1.Method != r2.Method || r1.Path != r2.Path) {
			t.Fatalf("after %q, %q: %v %+v\nfresh: %v %+v", a, b, res1, r1, res2, r2)
		}
	})
}

// TestNormLevelB: the level words of common loggers in any case, bracketed
// or not, map to the four levels, anything else to "", and reading one
// allocates nothing; normLevel reads strings alike.
func TestNormLevelB(t *testing.T) {
	for in, want := range map[string]string{
		"info": "info", "INFO": "info", "Info": "info", "[INFO]": "info", " info ": "info", "notice": "info", "i": "info",
		"informational": "info", "<warn>": "warn", "warning": "warn", "WARN": "warn", "error": "error", "ERR": "error",
		"e": "error", "fatal": "error", "emergency": "error", "debug": "debug", "TRACE": "debug", "verbose": "debug",
		"x": "", "": "", "informative": "", "verylonglevelnamehere": "", "in fo": "",
	} {
		if got := normLevelB([]byte(in)); got != want {
			t.Errorf("normLevelB(%q) = %q, want %q", in, got, want)
		}
		if got := normLevel(in); got != want {
			t.Errorf("normLevel(%q) = %q, want %q", in, got, want)
		}
	}
	b := []byte("info")
	if n := testing.AllocsPerRun(100, func() { normLevelB(b) }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}
