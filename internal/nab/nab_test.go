package nab

import (
	"math"
	"testing"
	"time"
)

// A hand-worked file: 100 rows (probation 15), one window over rows
// 50..59, a detection at its left edge (worth 1) and a false positive at
// row 20 before any window (-0.11).
func TestScoreByHand(t *testing.T) {
	t0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	times := make([]int64, 100)
	for i := range times {
		times[i] = t0.Add(time.Duration(i) * time.Minute).UnixMicro()
	}
	f, err := NewFile("x/a.csv", times, [][2]string{{"2020-01-01 00:50:00.000000", "2020-01-01 00:59:00"}})
	if err != nil {
		t.Fatal(err)
	}
	scores := make([]float64, 100)
	scores[20], scores[50], scores[5] = 0.9, 0.6, 1 // row 5 is in probation
	f.Attach(times, scores)
	r := Score([]*File{f}, Standard)
	if r.Threshold != 0.6 || math.Abs(r.Raw-0.89) > 1e-9 || math.Abs(r.Normalised-94.5) > 1e-9 || r.Detected != 1 || r.FPRows != 1 {
		t.Errorf("%+v, want threshold 0.6, raw 0.89, normalised 94.5", r)
	}
	// Never firing scores 0; detecting late in the window is worth less.
	f.Attach(times, make([]float64, 100))
	if r := Score([]*File{f}, Standard); r.Normalised != 0 || !math.IsInf(r.Threshold, 1) {
		t.Errorf("never firing: %+v", r)
	}
	scores = make([]float64, 100)
	scores[59] = 1
	f.Attach(times, scores)
	if r := Score([]*File{f}, Standard); math.Abs(r.Raw-0.2482) > 1e-3 {
		t.Errorf("a detection at the window's right edge is worth %v, want σ(-0.1)/σ(-1) = 0.2482", r.Raw)
	}
}

func TestParseTime(t *testing.T) {
	for s, want := range map[string]int64{
		"2020-01-01 00:00:00":        1577836800e6,
		"2020-01-01 00:00:00.000000": 1577836800e6,
		"2020-01-01T00:00:00Z":       1577836800e6,
		"1577836800":                 1577836800e6,
		"1577836800000":              1577836800e6,
	} {
		if got, err := ParseTime(s); err != nil || got != want {
			t.Errorf("ParseTime(%q) = %d, %v", s, got, err)
		}
	}
}
