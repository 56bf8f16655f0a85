package file

import (
	"bytes"
	"strconv"
	"testing"
)

// BenchmarkReadSeries: a million timestamp,value rows, as `hindsight
// detect` reads them.
func BenchmarkReadSeries(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("timestamp,value\n")
	for i := range 1_000_000 {
		buf.WriteString(strconv.Itoa(1600000000 + 60*i))
		buf.WriteByte(',')
		buf.WriteString(strconv.FormatFloat(100+float64(i%977)/10, 'f', 3, 64))
		buf.WriteByte('\n')
	}
	data := buf.Bytes()
	for b.Loop() {
		if _, err := ReadSeries(bytes.NewReader(data), "big.csv"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(1e6*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
