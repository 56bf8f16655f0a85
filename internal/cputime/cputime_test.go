package cputime

import (
	"runtime"
	"testing"
	"time"
)

// Busy work shows up as CPU time: the figure the benchmarks report moves
// with the work done, not with the clock.
func TestProcessCountsWork(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("not measured on this system")
	}
	before := Process()
	x := 0
	for start := time.Now(); time.Since(start) < 50*time.Millisecond; {
		for i := range 1000 {
			x += i
		}
	}
	if got := Process() - before; got < 10*time.Millisecond {
		t.Errorf("50 ms of busy work counted %v of CPU (x=%d)", got, x)
	}
	time.Sleep(50 * time.Millisecond)
	idle := Process()
	time.Sleep(50 * time.Millisecond)
	if got := Process() - idle; got > 40*time.Millisecond {
		t.Errorf("50 ms asleep counted %v of CPU", got)
	}
}
