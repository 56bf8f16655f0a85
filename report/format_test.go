package report

import (
	"math"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/analyze"
)

func TestHuman(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{300 * time.Millisecond, "<1s"},
		{45 * time.Second, "45s"},
		{7 * time.Minute, "7m"},
		{7*time.Minute + 30*time.Second, "7m 30s"},
		{7*time.Minute + 29*time.Second + 600*time.Millisecond, "7m 30s"},
		{80 * time.Minute, "1h 20m"},
		{time.Hour + 20*time.Minute + 40*time.Second, "1h 21m"},
		{time.Hour + 59*time.Minute + 50*time.Second, "2h"},
		{24 * time.Hour, "24h"},
		{36 * time.Hour, "36h"},
		{7 * 24 * time.Hour, "7d"},
		{51 * time.Hour, "2d 3h"},
		{-90 * time.Second, "-1m 30s"},
	} {
		if got := human(c.d); got != c.want {
			t.Errorf("human(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

func TestLatency(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{400 * time.Microsecond, "0.4ms"},
		{212 * time.Millisecond, "212ms"},
		{4210 * time.Millisecond, "4.21s"},
		{12345 * time.Millisecond, "12.3s"},
		{125 * time.Second, "2m 5s"},
	} {
		if got := latency(c.d); got != c.want {
			t.Errorf("latency(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

func TestNumbers(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{num(182.4), "182"},
		{num(12.345), "12.3"},
		{num(4.2), "4.2"},
		{num(0.0312), "0.0312"},
		{num(-0.0001), "-0.0001"},
		{num(0), "0"},
		{num(math.NaN()), "n/a"},
		{value(0.182, "s"), "182ms"},
		{value(4.21, "s"), "4.21s"},
		{value(182e6, "B/s"), "182 MB/s"},
		{value(2.1e9, "B"), "2.1 GB"},
		{value(38, "%"), "38%"},
		{value(412, ""), "412"},
		{value(14, "checks"), "14 checks"},
		{value(1, "lines"), "1 line"},
		{value(1, "1/s"), "1/s"},
		{value(0.2, "1/s"), "0.2/s"},
		{ratio(23.13), "23.1×"},
		{ratio(0), ""},
		{percent(1), "100%"},
		{percent(0.99), "99.00%"},
		{percent(1 - 14.0/2880), "99.51%"},
		{percent(0.99999), "99.99%"}, // never rounds up to 100%
		{percent(-1), "n/a"},
		{score(0.8), "0.80"},
		{plural(1, "probe"), "1 probe"},
		{plural(2, "series"), "2 series"},
		{plural(3, "more entry"), "3 more entries"},
		{lead(68*time.Second, "outage"), "began 1m 8s before the outage"},
		{lead(-20*time.Second, "latency spike"), "began 20s into the latency spike"},
		{lead(0, "outage"), "began with the outage"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestSparkline(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		top  float64
		want string
	}{
		{nil, 0, ""},
		{[]float64{0, 0, 0}, 0, "···"},
		{[]float64{0.05, 0.05, 0.05}, 0.1, "▅▅▅"},
		{[]float64{0.05, 0, 0.05}, 0, "█·█"},
		{[]float64{0.18, 0.18, 2.8, 0.18}, 0.8, "▁▁█▁"},
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8}, 0, "▂▃▄▅▅▆▇█"},
		{[]float64{1, math.NaN(), -1, 1}, 0, "█  █"},
	} {
		if got := sparkline(c.in, c.top); got != c.want {
			t.Errorf("sparkline(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestMarkdownEscaping(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{text("backup <*> started\non *host*"), `backup <\*> started on \*host\*`},
		{text("see <https://x> or <b>"), `see \<https://x> or \<b>`},
		{cell("a || b"), `a \|\| b`},
		{code("rate(x[5m])"), "`rate(x[5m])`"},
		{code("a `b` c"), "``a `b` c``"},
		{code("`edge`"), "`` `edge` ``"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestLocalTimes(t *testing.T) {
	v := newView(incident())
	for _, c := range []struct {
		got, want string
	}{
		{v.span(kst("2025-11-20 14:05:10"), kst("2025-11-20 14:12:10")), "2025-11-20 14:05 – 14:12 KST"},
		{v.span(kst("2025-11-20 14:01:20"), kst("2025-11-20 14:01:50")), "2025-11-20 14:01 KST"},
		{v.span(kst("2025-11-20 23:50:00"), kst("2025-11-21 00:10:00")), "2025-11-20 23:50 – 2025-11-21 00:10 KST"},
		{v.fromTo(kst("2025-11-20 23:50:00"), kst("2025-11-21 00:10:00")), "from 23:50 KST on Thu 2025-11-20 to 00:10 KST on Fri 2025-11-21"},
		{v.stamp(kst("2025-11-20 03:00:01")), "03:00:01"},
		{v.stamp(kst("2025-11-19 23:59:00")), "2025-11-19 23:59:00"},
		{v.when(kst("2025-11-20 03:00:01")), "03:00 KST"},
		{v.zoneLabel(), "KST"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	sp := newView(&analyze.Findings{Zone: "America/Sao_Paulo"})
	if got := sp.zone(kst("2025-11-20 03:00:00")); got != "UTC-03" {
		t.Errorf("zone without letters = %q, want UTC-03", got)
	}
}
