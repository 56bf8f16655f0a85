package file

import (
	"strings"
	"testing"
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
