package file

import (
	"strings"
	"testing"
	"time"
)

func TestReadRows(t *testing.T) {
	in := "# exported\ntimestamp,value\n2025-01-01 00:00:00,1.5\n2025-01-01T00:01:00Z,\n1735689720,NaN\n"
	var got []Row
	err := ReadRows(strings.NewReader(in), "x.csv", func(r Row) error {
		r.Time, r.Value = append([]byte(nil), r.Time...), append([]byte(nil), r.Value...)
		got = append(got, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].V != 1.5 || got[0].Line != 3 || got[1].V == got[1].V || got[2].T.Unix() != 1735689720 {
		t.Errorf("rows %+v", got)
	}
	if string(got[0].Time) != "2025-01-01 00:00:00" {
		t.Errorf("timestamp text %q not kept as written", got[0].Time)
	}
}

// FuzzReadRows: any input gives rows or an error, never a panic, and rows
// come in strictly increasing time.
func FuzzReadRows(f *testing.F) {
	for _, s := range []string{
		"timestamp,value\n1,2\n2,3\n",
		"time,value\n2025-01-01T00:00:00Z,1\n",
		"ts,value,host\n\"1\",\"2\",a\n",
		"timestamp,value\n1,\"unterminated\n",
		"value,timestamp\n1,1e400\n",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var last time.Time
		n := 0
		_ = ReadRows(strings.NewReader(in), "fuzz.csv", func(r Row) error {
			if n > 0 && !r.T.After(last) {
				t.Fatalf("rows out of order at line %d", r.Line)
			}
			last = r.T
			n++
			return nil
		})
	})
}
