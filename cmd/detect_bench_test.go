package cmd

import (
	"bytes"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/hindsight-sre/hindsight/internal/cputime"
)

// BenchmarkDetect: `hindsight detect` on a 1,000,000-row CSV (a noisy
// daily cycle at one row a minute), read, scored and written; the target
// is a second.
func BenchmarkDetect(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("timestamp,value\n")
	x := uint64(1)
	for i := range 1_000_000 {
		x = x*6364136223846793005 + 1442695040888963407
		v := 100 + 10*math.Sin(2*math.Pi*float64(i)/1440) + float64(x>>40)/float64(1<<24)
		buf.WriteString(strconv.Itoa(1600000000 + 60*i))
		buf.WriteByte(',')
		buf.WriteString(strconv.FormatFloat(v, 'f', 3, 64))
		buf.WriteByte('\n')
	}
	path := filepath.Join(b.TempDir(), "big.csv")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	o := &detectOptions{format: "csv", cut: 0.4}
	cpu0 := cputime.Process()
	for b.Loop() {
		if err := runDetect(path, o, nil, io.Discard, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(1e6*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	// CPU time (user + system, all threads) per run: on a shared machine
	// the wall time says little; the scorer runs on two goroutines, so
	// the wall time on two free cores is below this.
	b.ReportMetric((cputime.Process()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
}

func TestAppendScore(t *testing.T) {
	for _, s := range []float64{0, 1, 0.5, 0.123456, 0.9999994, 0.9999996, 1e-7, 6e-7, 0.0314159, 0.999999} {
		if got, want := string(appendScore(nil, s)), strconv.FormatFloat(s, 'f', 6, 64); got != want {
			t.Errorf("appendScore(%v) = %s, want %s", s, got, want)
		}
	}
}
