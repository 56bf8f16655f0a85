package file

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// genWeek writes 7 days of 10 series at 60 s (100,800 samples) in the
// given format, like a week exported from a node_exporter.
func genWeek(format string) []byte {
	var b bytes.Buffer
	start := t0.Add(-7 * 24 * time.Hour).Unix()
	const n = 7 * 24 * 60
	if format == FormatCSV {
		b.WriteString("timestamp,value,instance,mode\n")
		for s := range 10 {
			for i := range n {
				fmt.Fprintf(&b, "%d,%.3f,db%d:9100,mode%d\n", start+int64(i)*60, 0.5+0.3*math.Sin(float64(i)/100), s%3, s)
			}
		}
		return b.Bytes()
	}
	b.WriteString("# HELP node_cpu_seconds Seconds the CPUs spent in each mode.\n# TYPE node_cpu_seconds counter\n")
	for s := range 10 {
		acc := 1000.0
		for i := range n {
			fmt.Fprintf(&b, "node_cpu_seconds_total{cpu=\"%d\",instance=\"db1:9100\",job=\"node\",mode=\"user\"} %.2f %d\n", s, acc, start+int64(i)*60)
			acc += 60 * (0.1 + 0.05*math.Sin(float64(i)/100))
		}
	}
	b.WriteString("# EOF\n")
	return b.Bytes()
}

// BenchmarkFetch reads a whole 7-day file (window: its last day), which is
// what a user waits for.
func BenchmarkFetch(b *testing.B) {
	for _, format := range []string{FormatOpenMetrics, FormatCSV} {
		for _, compressed := range []bool{false, true} {
			data := genWeek(format)
			raw := len(data)
			name := "week." + map[string]string{FormatCSV: "csv", FormatOpenMetrics: "om"}[format]
			if compressed {
				data = gz(b, data)
				name += ".gz"
			}
			b.Run(fmt.Sprintf("format=%s/gzip=%v", format, compressed), func(b *testing.B) {
				p := mustWrite(b, b.TempDir(), filepath.Base(name), data)
				s, err := New(Config{Path: p})
				if err != nil {
					b.Fatal(err)
				}
				w := sources.Window{From: t0.Add(-24 * time.Hour), To: t0}
				b.ReportAllocs()
				for b.Loop() {
					ds, err := s.Fetch(context.Background(), w, time.Minute)
					if err != nil || len(ds.Series) != 10 {
						b.Fatalf("err %v, %d series", err, len(ds.Series))
					}
				}
				sec := b.Elapsed().Seconds()
				b.ReportMetric(float64(raw)*float64(b.N)/1e6/sec, "MB/s")
				b.ReportMetric(float64(10*7*24*60)*float64(b.N)/sec, "samples/s")
			})
		}
	}
}
