package file

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"math"
	"sort"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// wide is a window that keeps every sample a fuzzer can write.
var wide = sources.Window{From: time.Unix(-maxSeconds, 0), To: time.Unix(maxSeconds, 0)}

// checkParse runs one parser over data and checks what must hold for any
// input: no panic, a malformed line is a *lineError with a line number, and
// what was kept is sorted and finite.
func checkParse(t *testing.T, data []byte, parse func(*bufio.Reader, *collector) error) {
	col := newCollector(wide)
	err := parse(bufio.NewReaderSize(bytes.NewReader(data), 64), col)
	if err != nil {
		var le *lineError
		if !errors.As(err, &le) {
			t.Fatalf("error is not a line error: %v", err)
		}
		if le.line < 1 || le.msg == "" {
			t.Fatalf("line error without line or message: %+v", le)
		}
		_ = le.Error()
	}
	for _, r := range col.raws() {
		if !sort.SliceIsSorted(r.Points, func(i, j int) bool { return r.Points[i].T.Before(r.Points[j].T) }) {
			t.Fatalf("%s: points not sorted", r.Name)
		}
		for _, p := range r.Points {
			if math.IsNaN(p.V) || math.IsInf(p.V, 0) {
				t.Fatalf("%s: kept %v", r.Name, p.V)
			}
		}
		if r.Name == "" {
			t.Fatal("series without a name")
		}
		for k, v := range r.Labels {
			if k == "" || v == "" {
				t.Fatalf("%s: empty label %q=%q", r.Name, k, v)
			}
		}
	}
}

func FuzzParseOpenMetrics(f *testing.F) {
	for _, s := range []string{
		"# HELP x help\n# TYPE x counter\nx_total{a=\"b\"} 1 1763564400\n# EOF\n",
		"x{a=\"\\\"\\\\\\n\",b=\"c\",} 1.5e3 1763564400.25 # {t=\"1\"} 2 1763564400\n",
		"{\"my.metric\",\"a.b\"=\"c\"} NaN 1763564400\nx +Inf -1\n",
		"# TYPE h histogram\nh_bucket{le=\"0.1\"} 3 1763564400\nh_created 1 1763564400\n",
		"x 1\n",
		"x{a=\"1\" 1 2\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParse(t, data, func(br *bufio.Reader, c *collector) error {
			return parseOpenMetrics(context.Background(), br, "fuzz.om", c)
		})
	})
}

func FuzzParseCSV(f *testing.F) {
	for _, s := range []string{
		"timestamp,value\n1763564400,1\n1763564460.5,2\n",
		"time,host,value\n2025-11-20T03:00:00+09:00,\"db, 1\",3\n2025-11-20 03:00:00Z,db2,\n",
		"value,ts,a,b\n1,1763564400,\"x\"\"y\",\n",
		"timestamp,value\n1763564400000,1\n",
		"a,b\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParse(t, data, func(br *bufio.Reader, c *collector) error {
			return parseCSV(context.Background(), br, "fuzz.csv", "m", c)
		})
	})
}
