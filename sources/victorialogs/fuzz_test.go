package victorialogs

import (
	"strings"
	"testing"
	"time"
)

// FuzzReadEntries: any answer gives lines or an error, never a panic, and
// no line without a time.
func FuzzReadEntries(f *testing.F) {
	f.Add([]byte(`{"_msg":"hello","_stream":"{file=\"x\"}","_time":"2025-11-19T18:00:01Z"}` + "\n"))
	f.Add([]byte(`{"_time":"2025-11-19T18:00:01.123456789Z","_msg":"a\nb"}` + "\n\n" + `{"_time":"bad"}`))
	f.Add([]byte(`{"_time":"2025-11-19T18:00:01Z","_msg":123}`))
	f.Add([]byte("not json\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, whole := range []bool{false, true} {
			n := 0
			k, err := readEntries(strings.NewReader(string(b)), whole, func(ts time.Time, stream string, line []byte) {
				if ts.IsZero() {
					t.Fatal("a line without a time")
				}
				n++
			})
			if k != n {
				t.Fatalf("returned %d, gave %d lines (err %v)", k, n, err)
			}
		}
	})
}

func FuzzStreamName(f *testing.F) {
	for _, s := range []string{`{file="access.log"}`, `{a="1",b="2"}`, `{}`, `{a="\""}`, `{a=`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if streamName(s, "def") == "" && s != "" {
			t.Fatalf("empty name for %q", s)
		}
	})
}
