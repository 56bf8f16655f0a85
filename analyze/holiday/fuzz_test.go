package holiday

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzParseICS feeds arbitrary calendars to the parser and the expansion:
// an error is fine, a panic or a runaway expansion is not. The seeds are
// the files in testdata (and testdata/fuzz/FuzzParseICS keeps what the
// fuzzer found worth keeping).
func FuzzParseICS(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.ics"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(ics("BEGIN:VEVENT\nDTSTART;TZID=\"a:b\";VALUE=DATE-TIME:20250101T000000\nDURATION:P1W2DT3H4M5S\nRRULE:FREQ=YEARLY;INTERVAL=3;UNTIL=20300101T000000Z\nEND:VEVENT")))
	from, to := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2050, 12, 31, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, b []byte) {
		evs, err := ParseICS(bytes.NewReader(b))
		if err != nil {
			if evs != nil {
				t.Fatal("events returned with an error")
			}
			return
		}
		for _, e := range evs {
			if e.Start.IsZero() || (!e.End.IsZero() && e.End.Before(e.Start)) {
				t.Fatalf("event %+v passed the checks", e)
			}
		}
		got := ICalHolidays(evs, time.FixedZone("X", 9*3600), from, to)
		for d := range got {
			if d < "2000-01-01" || d > "2050-12-31" {
				t.Fatalf("date %s outside the range", d)
			}
		}
	})
}
