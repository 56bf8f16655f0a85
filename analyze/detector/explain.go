package detector

import (
	"fmt"
	"math"
	"strconv"
)

// Rarity says how rare a p-value is, for a sentence: "about 1 in 3,000
// values of this series", or "beyond anything in its record" when the
// tail gives less than one in a billion.
func Rarity(p float64) string {
	switch {
	case p <= 0 || p < 1e-9:
		return "beyond anything in its record"
	case p >= 0.5:
		return "usual for this series"
	}
	return "about 1 in " + roundCount(1/p) + " values of this series"
}

// roundCount writes n with two significant digits and thousands
// separators: 3,000, 45,000, 1,200,000.
func roundCount(n float64) string {
	if n < 100 {
		return strconv.Itoa(int(math.Round(n)))
	}
	mag := math.Pow(10, math.Floor(math.Log10(n))-1)
	s := strconv.FormatInt(int64(math.Round(n/mag)*mag), 10)
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	return string(b)
}

// Versus says how a value compares with what was expected, in the words
// of the analysis's reports: "20.6× its usual 139", "down to 0.3× its
// usual 52", "against its usual 0".
func Versus(value, expected float64, fmtVal func(float64) string) string {
	if fmtVal == nil {
		fmtVal = func(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }
	}
	switch r := value / expected; {
	case expected > 0 && value > expected && r < 1e4:
		return fmt.Sprintf("%.1f× its usual %s", r, fmtVal(expected))
	case expected > 0 && value > expected && !math.IsInf(r, 0):
		// Near zero, or near the largest float, a ratio says little and
		// %.1f would write hundreds of digits: three are enough.
		return strconv.FormatFloat(r, 'g', 3, 64) + "× its usual " + fmtVal(expected)
	case expected > 0 && value >= 0 && value < expected:
		return fmt.Sprintf("down to %.2g× its usual %s", value/expected, fmtVal(expected))
	}
	return "against its usual " + fmtVal(expected)
}

// Sentence is the judgement of an abnormal stretch's peak as the reports
// write it: "10.0× its usual 10 (the median of the values before; beyond
// anything in its record)", "for this time of day" when the seasonal
// model predicted it.
func Sentence(peak, expected, p float64, model int8, fmtVal func(float64) string) string {
	basis := "the median of the values before"
	switch model {
	case 1:
		basis = "the same time on the previous days"
	case 2:
		basis = "the same time in the previous weeks"
	case 3:
		basis = "the same time a week before, moved by the change in level since"
	}
	cmp := Versus(peak, expected, fmtVal)
	switch model {
	case 1:
		cmp += " for this time of day"
	case 2, 3:
		cmp += " for this time of the week"
	}
	return fmt.Sprintf("%s (%s; %s)", cmp, basis, Rarity(p))
}
