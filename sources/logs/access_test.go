package logs

import (
	"testing"
	"time"
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
