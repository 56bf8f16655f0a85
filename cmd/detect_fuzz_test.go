package cmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
)

// fuzzValues are the values a fuzzed row may carry: ordinary ones, the
// largest and smallest floats and values near them (their differences
// overflow), zero stretches, and what real exports hold instead of a
// number.
var fuzzValues = []string{
	"", "NaN", "nan", "abc", "Inf", "-Inf", "1e400", "0", "-0", "5e-324",
	"1e308", "-1e308", "1.7976931348623157e308", "-1.7976931348623157e308",
	"1.79e308", "-1.79e308", "8.98846567431158e307",
}

// detectCSV renders fuzz bytes as a timestamp,value CSV, two bytes a
// row: the first moves the clock (repeat the last time, one or several
// minutes on, or back), or writes an empty line or a row without a
// readable time; the second picks a value (a number near 100 or one of
// fuzzValues). The pattern repeats to at least 200 rows, past the
// detector's warm-up. It returns the CSV and its data rows, in file order,
// as [time, value] texts.
func detectCSV(data []byte) (string, [][2]string) {
	var b strings.Builder
	b.WriteString("timestamp,value\n")
	var rows [][2]string
	pairs := len(data) / 2
	tm := int64(1735689600)
	for j := 0; pairs > 0 && (j < pairs || len(rows) < 200) && j < 20_000; j++ {
		c, v := data[2*(j%pairs)], data[2*(j%pairs)+1]
		switch c % 16 {
		case 0, 1:
			// a repeated time
		case 2:
			tm -= 60 * int64(c/16+1) // back in time
		case 3:
			b.WriteString("\n")
			continue
		case 4:
			rows = append(rows, [2]string{"noon", "1"})
			b.WriteString("noon,1\n")
			continue
		case 5:
			tm += 3600 * int64(c/16+1) // a gap
		default:
			tm += 60
		}
		val := strconv.Itoa(90 + int(v%21))
		if v >= 128 {
			val = fuzzValues[int(v)%len(fuzzValues)]
		}
		ts := strconv.FormatInt(tm, 10)
		rows = append(rows, [2]string{ts, val})
		fmt.Fprintf(&b, "%s,%s\n", ts, val)
		if len(rows) > 5000 {
			break
		}
	}
	return b.String(), rows
}

// FuzzDetect: whatever a real file holds (repeated times, rows out of
// order, gaps, empty lines, unreadable times, NaN, empty and non-numeric
// values, values near the largest float), detect writes one row per data
// row with the row's own texts and a finite score in [0,1], and its JSON
// is valid with every interval's figures finite.
func FuzzDetect(f *testing.F) {
	f.Add([]byte{6, 1, 6, 2, 6, 3, 6, 4})
	f.Add([]byte{6, 138, 6, 139, 0, 140, 2, 141, 6, 7}) // near-max values, a repeat, a step back
	f.Add([]byte{6, 5, 3, 5, 4, 5, 0, 128, 6, 129, 5, 130, 6, 131})
	f.Add([]byte{6, 150, 6, 151, 6, 152, 6, 153, 6, 154, 6, 155, 6, 156})
	f.Add([]byte{1, 0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		in, rows := detectCSV(data)
		path := t.TempDir() + "/f.csv"
		mustWriteFile(t, path, in)
		var out, errb bytes.Buffer
		if err := runDetect(path, &detectOptions{format: "csv", cut: 0.4}, nil, &out, &errb); err != nil {
			t.Fatalf("detect: %v\n%s", err, in)
		}
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if lines[0] != "timestamp,value,anomaly_score" || len(lines)-1 != len(rows) {
			t.Fatalf("%d output rows for %d data rows:\n%s", len(lines)-1, len(rows), out.String())
		}
		for k, l := range lines[1:] {
			i := strings.LastIndexByte(l, ',')
			if want := rows[k][0] + "," + rows[k][1]; l[:i] != want {
				t.Fatalf("row %d written %q, read %q", k, l[:i], want)
			}
			s, err := strconv.ParseFloat(l[i+1:], 64)
			if err != nil || !(s >= 0 && s <= 1) {
				t.Fatalf("row %d (%s): score %q", k, rows[k][1], l[i+1:])
			}
		}
		out.Reset()
		if err := runDetect(path, &detectOptions{format: "json", cut: 0.01, explain: true}, nil, &out, io.Discard); err != nil {
			t.Fatalf("detect -o json: %v\n%s", err, in)
		}
		var res struct {
			Rows      int
			Intervals []struct {
				PeakScore float64 `json:"peak_score"`
				PeakValue float64 `json:"peak_value"`
				Expected  float64
				P         float64
				Explain   string
			}
		}
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			t.Fatalf("json: %v\n%s", err, out.String())
		}
		if res.Rows != len(rows) {
			t.Fatalf("json rows %d, want %d", res.Rows, len(rows))
		}
		for _, iv := range res.Intervals {
			if !(iv.PeakScore >= 0.01 && iv.PeakScore <= 1) || !(iv.P >= 0 && iv.P <= 1) ||
				math.IsInf(iv.Expected, 0) || iv.Explain == "" || strings.Contains(iv.Explain, "NaN") ||
				strings.Contains(iv.Explain, "Inf") {
				t.Fatalf("interval %+v", iv)
			}
		}
	})
}
