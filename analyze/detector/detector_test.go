package detector

import (
	"math"
	"math/rand/v2"
	"testing"
)

const minute = int64(60e6)

func series(n int, f func(i int) float64) (t []int64, v []float64) {
	for i := range n {
		t = append(t, int64(i)*minute)
		v = append(v, f(i))
	}
	return t, v
}

// Huge values must not give NaN scores (differences overflow to ±Inf).
func TestHugeValues(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ts, v := series(3000, func(i int) float64 {
		switch {
		case i%97 == 0:
			return -math.MaxFloat64
		case i%89 == 0:
			return math.MaxFloat64
		}
		return 1e308 * rng.Float64()
	})
	for i, r := range Score(Config{}, ts, v) {
		if r.Score != r.Score || r.P != r.P || r.Onset != r.Onset || r.Score < 0 || r.Score > 1 {
			t.Fatalf("row %d (%g): %+v", i, v[i], r)
		}
	}
}

// Causality: a row's result does not change with what comes after it.
func TestCausal(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	ts, v := series(4000, func(i int) float64 { return 10 + math.Sin(float64(i)/200) + rng.NormFloat64() })
	full := Score(Config{}, ts, v)
	cut := Score(Config{}, ts[:2500], v[:2500])
	for i := range cut {
		if cut[i] != full[i] {
			t.Fatalf("row %d: %+v alone, %+v with later rows", i, cut[i], full[i])
		}
	}
}

// Calibration: on normal data a row scores at least s about once in
// 10^(10 s) rows, on a flat, a noisy, a seasonal and a count series alike.
func TestCalibrated(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 30 * 1440
	poisson := func(l float64) float64 {
		k, p := 0.0, math.Exp(-l)
		for u, c := rng.Float64(), p; u > c && k < 100; c += p {
			k++
			p *= l / k
		}
		return k
	}
	cases := []struct {
		name string
		f    func(i int) float64
	}{
		{"noisy", func(i int) float64 { return 100 + 10*rng.NormFloat64() }},
		{"seasonal", func(i int) float64 { return 100 + 50*math.Sin(2*math.Pi*float64(i)/1440) + 3*rng.NormFloat64() }},
		{"counts", func(i int) float64 { return poisson(0.3) }},
		{"flat", func(i int) float64 { return 5 }},
		{"heavy", func(i int) float64 { return math.Exp(rng.NormFloat64()) }},
	}
	for _, c := range cases {
		name, f := c.name, c.f
		ts, v := series(n, f)
		hi3, hi5 := 0, 0
		for _, r := range Score(Config{}, ts, v)[2000:] {
			if r.Score >= 0.3 {
				hi3++
			}
			if r.Score >= 0.5 {
				hi5++
			}
		}
		rate := float64(hi3) / float64(n-2000)
		t.Logf("%s: %d rows ≥ 0.3 (%.2g per row), %d ≥ 0.5", name, hi3, rate, hi5)
		// A heavy (log-normal) tail is heavier than the exponential one
		// fitted to it: up to ~25 times the rows pass 0.5 there (measured
		// over seeds 1-5: 4 to 10 of 41,200, where 0.4 are expected).
		if rate > 3e-3 || hi5 > 12 {
			t.Errorf("%s: %d rows of %d score ≥ 0.3 (want about 1 in 1000), %d ≥ 0.5", name, hi3, n-2000, hi5)
		}
	}
}

// A spike and a dip both score high; a permanent step's onset fires once.
func TestSpikeDipStep(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	ts, v := series(6000, func(i int) float64 {
		x := 50 + rng.NormFloat64()
		switch {
		case i == 3000:
			x = 80
		case i == 3500:
			x = 20
		case i >= 4500:
			x += 30
		}
		return x
	})
	res := Score(Config{}, ts, v)
	if res[3000].Score < 0.5 || res[3000].Dir != 1 {
		t.Errorf("spike: %+v", res[3000])
	}
	if res[3500].Score < 0.5 || res[3500].Dir != -1 {
		t.Errorf("dip: %+v", res[3500])
	}
	fired := 0
	for i := 4500; i < 6000; i++ {
		if res[i].Onset >= 0.3 {
			fired++
		}
	}
	if res[4500].Onset < 0.5 || fired > 3 {
		t.Errorf("step: onset %+v, %d rows fired after it", res[4500], fired)
	}
}

// Rows sharing a time are merged and share the result; NaN is not judged.
func TestScoreMerges(t *testing.T) {
	ts := []int64{0, minute, minute, 2 * minute, 3 * minute}
	v := []float64{1, 2, math.NaN(), math.NaN(), 3}
	r := Score(Config{}, ts, v)
	if r[1] != r[2] || r[3].P != 1 || r[3].Dir != 0 {
		t.Errorf("%+v", r)
	}
}

func TestRarity(t *testing.T) {
	for p, want := range map[float64]string{
		1.0 / 3123:  "about 1 in 3,100 values of this series",
		1e-12:       "beyond anything in its record",
		0.9:         "usual for this series",
		1.0 / 45678: "about 1 in 46,000 values of this series",
	} {
		if got := Rarity(p); got != want {
			t.Errorf("Rarity(%g) = %q, want %q", p, got, want)
		}
	}
}

// FuzzScore: any sequence of times and values (repeats, NaN, ±Inf, values
// near the largest float, times going back are the caller's to sort, so
// they are sorted here) gives results in range, never NaN, never a panic.
func FuzzScore(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	f.Add([]byte("\x00\x00\x00\x00\x00\x00\xf0\x7f\x00\x00\x00\x00\x00\x00\xf0\xff"))
	f.Add([]byte("\xff\xff\xff\xff\xff\xff\xef\x7f\x01\x00\x00\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var ts []int64
		var vs []float64
		tm := int64(0)
		// An odd first byte: hourly rows, repeated over 17 days, so that
		// the day-of-week model and the week before's second opinion
		// (which needs a week and 100 errors) are reached too.
		unit, rows := minute, 200
		if len(data) > 0 && data[0]%2 == 1 {
			unit, rows = 60*minute, 17*24
		}
		for i := 0; i+9 <= len(data); i += 9 {
			tm += int64(data[i]%4) * unit // 0: a repeated time
			bits := uint64(0)
			for _, b := range data[i+1 : i+9] {
				bits = bits<<8 | uint64(b)
			}
			ts = append(ts, tm)
			vs = append(vs, math.Float64frombits(bits))
		}
		// Long enough to pass the warm-up: repeat the pattern.
		n := len(ts)
		for k := 0; n > 0 && len(ts) < rows; k++ {
			tm += unit
			ts = append(ts, tm)
			vs = append(vs, vs[k%n])
		}
		for i, r := range Score(Config{}, ts, vs) {
			// Expected is NaN for a row not judged, never infinite: -o json
			// writes it.
			if !(r.Score >= 0 && r.Score <= 1) || !(r.Onset >= 0 && r.Onset <= 1) || !(r.P >= 0 && r.P <= 1) || math.IsInf(r.Expected, 0) {
				t.Fatalf("row %d (%v): %+v", i, vs[i], r)
			}
		}
	})
}

// AnyHour judges against the level only: a spike every night at 03:00 is
// learned by the time-of-day model (after two days it predicts it, and
// the fourth night is not rare), but it stays far outside the series'
// usual range at any hour.
func TestAnyHour(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	ts, v := series(4*1440, func(i int) float64 {
		x := 10 + 2*math.Sin(2*math.Pi*float64(i)/1440) + 0.2*rng.NormFloat64()
		if m := i % 1440; m >= 180 && m < 200 {
			x += 25
		}
		return x
	})
	night := 3*1440 + 180
	seasonal := Score(Config{}, ts, v)
	plain := Score(Config{AnyHour: true}, ts, v)
	if seasonal[night].Seasonal == 0 || seasonal[night].Score >= 0.3 {
		t.Errorf("time of day: the fourth night is predicted and not rare, got %+v", seasonal[night])
	}
	for i, r := range plain {
		if r.Seasonal != 0 {
			t.Fatalf("row %d: AnyHour used model %d", i, r.Seasonal)
		}
	}
	t.Logf("night 4: time of day %+v, any hour %+v", seasonal[night], plain[night])
	if plain[night].Score < 0.3 {
		t.Errorf("at any hour: the fourth night's spike is rare, got %+v", plain[night])
	}
}

// Learned values are not judged; the next one is.
func TestLearned(t *testing.T) {
	n := Learned(Config{})
	ts, v := series(n+1, func(i int) float64 { return float64(10 + i%3) })
	v[n-1], v[n] = 1000, 1000 // a spike on the last learned value and on the first judged one
	res := Score(Config{}, ts, v)
	if res[n-1].Score != 0 || res[n-1].Dir != 0 {
		t.Errorf("value %d is learned, not judged: %+v", n, res[n-1])
	}
	if res[n].Score == 0 || res[n].Dir != 1 {
		t.Errorf("value %d is judged: %+v", n+1, res[n])
	}
}

// weekly is a series at 5-minute rows from a Monday 00:00 UTC, four
// weeks long: a daily shape, 3 % noise, and weekends at a fifth of the
// weekday load. bend changes row i's value (an anomaly), when not nil.
func weekly(seed uint64, bend func(i int, x float64) float64) (ts []int64, v []float64) {
	const step = 5 * minute
	start := int64(1767571200) * 1e6 // 2026-01-05 00:00 UTC, a Monday
	rng := rand.New(rand.NewPCG(seed, 99))
	for i := range 4 * 7 * 288 {
		day := (i / 288) % 7 // 0 Monday … 5 Saturday, 6 Sunday
		x := 1000 * (1 + 0.4*math.Sin(2*math.Pi*float64(i%288)/288-math.Pi/2))
		if day >= 5 {
			x /= 5
		}
		x *= 1 + 0.03*rng.NormFloat64()
		if bend != nil {
			x = bend(i, x)
		}
		ts = append(ts, start+int64(i)*step)
		v = append(v, x)
	}
	return ts, v
}

// A weekly pattern is learned: weekends at a fifth of the weekday load
// alarm at most the first time (nothing to learn from); the turns into
// and out of the second and later weekends score below detect's cut
// 0.4, Score and Onset alike. A weekday falling to the weekend's load
// and a spike are still found.
func TestWeekly(t *testing.T) {
	const cut = 0.4
	turns := []int{}
	for w := 1; w < 4; w++ {
		turns = append(turns, (w*7+5)*288) // Saturday 00:00 of week w+1
		if w < 3 {
			turns = append(turns, (w+1)*7*288) // the Monday after
		}
	}
	for seed := uint64(1); seed <= 3; seed++ {
		ts, v := weekly(seed, nil)
		res := Score(Config{}, ts, v)
		for _, turn := range turns {
			// Six hours either side of the turn.
			for i := turn - 72; i < turn+72; i++ {
				if r := res[i]; r.Score >= cut || r.Onset >= cut {
					t.Errorf("seed %d: row %d (day %d %02d:%02d, %.0f): %+v", seed, i, i/288,
						i%288/12, i%12*5, v[i], r)
					break
				}
			}
		}
	}
	// A Wednesday of the third week falls to the weekend's load for six
	// hours from 10:00; a spike of twice the load on its Thursday at 15:00.
	drop, spike := (2*7+2)*288+120, (2*7+3)*288+180
	ts, v := weekly(1, func(i int, x float64) float64 {
		switch {
		case i >= drop && i < drop+72:
			return x / 5
		case i == spike:
			return 2 * x
		}
		return x
	})
	res := Score(Config{}, ts, v)
	if r := res[drop]; r.Onset < cut || r.Dir != -1 {
		t.Errorf("a weekday at the weekend's load: %+v", r)
	}
	if r := res[spike]; r.Onset < cut || r.Dir != 1 {
		t.Errorf("a spike: %+v", r)
	}
}

// The sentence names the prediction a row was judged against.
func TestSentence(t *testing.T) {
	for model, want := range map[int8]string{
		0: "2.0× its usual 50 (the median of the values before; about 1 in 1,000 values of this series)",
		1: "2.0× its usual 50 for this time of day (the same time on the previous days; about 1 in 1,000 values of this series)",
		2: "2.0× its usual 50 for this time of the week (the same time in the previous weeks; about 1 in 1,000 values of this series)",
		3: "2.0× its usual 50 for this time of the week (the same time a week before, moved by the change in level since; about 1 in 1,000 values of this series)",
	} {
		if got := Sentence(100, 50, 1e-3, model, nil); got != want {
			t.Errorf("model %d: %q, want %q", model, got, want)
		}
	}
}
