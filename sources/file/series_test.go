package file

import (
	"math"
	"strings"
	"testing"
)

func TestReadSeriesTolerant(t *testing.T) {
	in := "timestamp,value\n" +
		"2025-01-01 00:02:00,2\n" + // line 2
		"\n" +
		"2025-01-01 00:00:00,1\n" + // 4: earlier
		"2025-01-01 00:02:00,4\n" + // 5: repeat
		"2025-01-01 00:03:00,\n" + // 6: empty
		"2025-01-01 00:04:00,abc\n" + // 7: not a number
		"noon,3\n" + // 8: bad time
		"2025-01-01 00:05:00,1e308\n"
	s, err := ReadSeries(strings.NewReader(in), "x.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Rows) != 7 {
		t.Fatalf("%d rows, want 7 (one per data row)", len(s.Rows))
	}
	notes := strings.Join(s.Notes, "\n")
	for _, want := range []string{"1 rows earlier than a row above them (line 4)", "repeat an earlier row's timestamp (line 5)",
		"1 rows skipped (line 8;", "not numbers (line 7)", "empty or NaN (line 6)"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	var lines []int
	for _, i := range s.Order {
		lines = append(lines, s.Rows[i].Line)
	}
	if got := lines; len(got) != 6 || got[0] != 4 || got[1] != 2 || got[2] != 5 {
		t.Errorf("time order by line %v, want 4 2 5 6 7 9", got)
	}
	if !s.Rows[2].Dup || s.Rows[0].Dup {
		t.Error("the second row of a repeated time is not marked")
	}
	if string(s.TimeText(5)) != "noon" || string(s.ValueText(6)) != "1e308" {
		t.Errorf("texts %q %q", s.TimeText(5), s.ValueText(6))
	}
	_, v := s.Sorted()
	if v[5] != 1e308 || !math.IsNaN(v[3]) || !math.IsNaN(v[4]) {
		t.Errorf("values %v", v)
	}
}

func TestReadSeriesHeaderOnly(t *testing.T) {
	s, err := ReadSeries(strings.NewReader("timestamp,value\n"), "h.csv")
	if err != nil || len(s.Rows) != 0 || len(s.Notes) != 1 {
		t.Fatalf("header only: %v %+v", err, s)
	}
	if _, err := ReadSeries(strings.NewReader(""), "e.csv"); err == nil || !strings.Contains(err.Error(), "empty file") {
		t.Fatalf("empty file: %v", err)
	}
}

// FuzzReadSeries: any input gives a series or an error, never a panic;
// one row per data row, Order sorted by time and holding every row with a
// time, and the texts as written.
func FuzzReadSeries(f *testing.F) {
	for _, s := range []string{
		"timestamp,value\n1,2\n2,3\n",
		"time,value\n2025-01-01T00:00:00Z,1\n2025-01-01T00:00:00Z,2\n",
		"ts,value,host\n\"1\",\"2\",a\n",
		"timestamp,value\n1,\"unterminated\n",
		"value,timestamp\n1,1e400\n",
		"timestamp,value\n3,1\n1,NaN\n2,-1.7976931348623157e308\n\n\n2,1.7976931348623157e308\n",
		"timestamp,value\n",
		"",
		"timestamp,value\n1,2,3,4\nx\n,\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ReadSeries(strings.NewReader(in), "fuzz.csv")
		if err != nil {
			return
		}
		n := 0
		for i := range s.Rows {
			if s.Rows[i].OK {
				n++
			}
			if !strings.Contains(in, string(s.TimeText(i))) || !strings.Contains(in, string(s.ValueText(i))) {
				t.Fatalf("row %d texts %q %q not in the input", i, s.TimeText(i), s.ValueText(i))
			}
		}
		if n != len(s.Order) {
			t.Fatalf("%d rows with a time, %d in Order", n, len(s.Order))
		}
		for k := 1; k < len(s.Order); k++ {
			a, b := s.Rows[s.Order[k-1]], s.Rows[s.Order[k]]
			if a.T > b.T || (a.T == b.T) != b.Dup {
				t.Fatalf("order broken at %d: %+v %+v", k, a, b)
			}
		}
	})
}
