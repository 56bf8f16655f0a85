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

// Versus says how a value compares with what was expected, the way the
// reports say it: "20.6× the expected 139", "down to 0.3× the expected
// 52", "4.1 against the expected 0".
func Versus(value, expected float64, fmtVal func(float64) string) string {
	if fmtVal == nil {
		fmtVal = func(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }
	}
	switch {
	case expected > 0 && value >= 0 && value > expected:
		return fmt.Sprintf("%.1f× the expected %s", value/expected, fmtVal(expected))
	case expected > 0 && value >= 0 && value < expected:
		return fmt.Sprintf("down to %.2g× the expected %s", value/expected, fmtVal(expected))
	}
	return fmt.Sprintf("%s against the expected %s", fmtVal(value), fmtVal(expected))
}

// Sentence is the judgement of an abnormal stretch as the reports write
// it: "peak 100 at 00:40, 10.0× the expected 10 (seasonal: same time of
// day), about 1 in 3,000 values of this series".
func Sentence(peak, expected, p float64, model int8, fmtVal func(float64) string) string {
	basis := ""
	switch model {
	case 1:
		basis = " for this time of day"
	case 2:
		basis = " for this time of the week"
	}
	return fmt.Sprintf("%s%s; %s (p = %.2g)", Versus(peak, expected, fmtVal), basis, Rarity(p), p)
}
