package kuma

import (
	"strings"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // RFC 3339 in UTC, "" for an error
	}{
		{"2025-11-21 05:03:07.123", "2025-11-21T05:03:07.123Z"}, // Kuma 1.18+
		{"2025-11-21 05:03:07", "2025-11-21T05:03:07Z"},         // before 1.18
		{"2025-11-21 05:03:07.5", "2025-11-21T05:03:07.5Z"},
		{"2025-11-21 05:03:07.123456789123", "2025-11-21T05:03:07.123456789Z"},
		{"2025-11-21T05:03:07.123Z", "2025-11-21T05:03:07.123Z"},
		{"2025-11-21 14:03:07+09:00", "2025-11-21T05:03:07Z"},
		{"2025-11-21 00:03:07-05:00", "2025-11-21T05:03:07Z"},
		{"2024-02-29 00:00:00", "2024-02-29T00:00:00Z"},
		{"2025-02-29 00:00:00", ""},
		{"2025-11-21 24:00:00", ""},
		{"2025-11-21 05:03:07.", ""},
		{"2025-11-21 05:03:07 ", ""},
		{"2025-11-21 05:03", ""},
		{"2025-11-21", ""},
		{"1763702587", ""},
		{"2025-1a-21 05:03:07", ""},
		{"2025-11-21 05:03:07+9:00", ""},
		{"", ""},
	} {
		got, err := parseTime(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("parseTime(%q) = %s, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got.Format(time.RFC3339Nano) != tc.want || got.Location() != time.UTC {
			t.Errorf("parseTime(%q) = %s, %v; want %s", tc.in, got.Format(time.RFC3339Nano), err, tc.want)
		}
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"2025-11-21 05:03:07.123", "2025-11-21 05:03:07", "2025-11-21T05:03:07Z",
		"2025-11-21 05:03:07.123456789+09:00", "2024-02-29 23:59:59.999", "0000-01-01 00:00:00",
		"9999-12-31 23:59:59.999999999-23:59", "2025-11-21 05:03:07.", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseTime(s)
		gotB, errB := parseTime([]byte(s))
		if (err == nil) != (errB == nil) || !got.Equal(gotB) {
			t.Fatalf("string and []byte disagree on %q: %v %v / %v %v", s, got, err, gotB, errB)
		}
		if err != nil {
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("parseTime(%q) is in %v, not UTC", s, got.Location())
		}
		// Kuma's own form parses as time.Parse reads it.
		if len(s) == len("2006-01-02 15:04:05.000") && s[10] == ' ' && s[19] == '.' && strings.Trim(s[20:], "0123456789") == "" {
			want, perr := time.Parse("2006-01-02 15:04:05.000", s)
			if perr != nil || !want.Equal(got) {
				t.Fatalf("parseTime(%q) = %s; time.Parse says %s, %v", s, got, want, perr)
			}
		}
		// Without a zone, the wall clock is the text itself.
		if len(s) >= 19 && !strings.ContainsAny(s[19:], "Z+-") {
			if w := strings.Replace(s[:19], "T", " ", 1); got.Format(time.DateTime) != w {
				t.Fatalf("parseTime(%q) = %s, wall clock changed", s, got)
			}
		}
		// The result round-trips through Kuma's format.
		back, err := parseTime(got.Format("2006-01-02 15:04:05.000000000"))
		if got.Year() >= 0 && got.Year() <= 9999 && (err != nil || !back.Equal(got)) {
			t.Fatalf("parseTime(%q) = %s does not round-trip: %s, %v", s, got, back, err)
		}
	})
}
