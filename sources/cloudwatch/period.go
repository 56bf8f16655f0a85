package cloudwatch

import (
	"fmt"
	"math"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// CloudWatch keeps data at coarser periods as it ages: 1-minute data for
// 15 days, 5-minute data for 63 days, hourly data for 455 days (15 months).
// A GetMetricData start time older than a tier must be a multiple of the
// next tier's period, and so must the period. These figures are AWS's
// ("Amazon CloudWatch concepts: Metrics retention" and the GetMetricData
// reference, StartTime).
var tiers = []struct {
	period time.Duration
	keep   time.Duration
}{
	{time.Minute, 15 * 24 * time.Hour},
	{5 * time.Minute, 63 * 24 * time.Hour},
	{time.Hour, 455 * 24 * time.Hour},
}

// periods are the periods hindsight asks for. 15 minutes sits between the
// tiers: a week's window at 5 minutes is 2,016 points, a month's at 15 is
// 2,880, both near the ~2,000 points a series needs for the analysis.
var periods = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour}

// pointsPerSeries is the number of points a window is cut into before the
// period is snapped: enough for a seasonal baseline at the analysis' step,
// few enough that a week of 500 series stays within a few GetMetricData
// pages (each page holds at most 100,800 datapoints).
const pointsPerSeries = 2000

// plan is the period and the range asked of CloudWatch for one window.
type plan struct {
	period   time.Duration
	w        sources.Window // the window asked for; points outside it are dropped
	from, to time.Time
	// coarse is set when the retention tiers forced a period coarser than
	// the window alone would have chosen; tier is that tier's period.
	coarse bool
	// clipped is set when the window starts before the oldest data kept
	// (455 days); from is then moved to the oldest hour kept.
	clipped bool
}

// makePlan chooses the period for w as seen at now: about w's length/2000
// snapped to the nearest of 1, 5, 15 and 60 minutes, not finer than the
// analysis step asks, and never finer than what CloudWatch still keeps for
// the window's start. The start is rounded down to the period.
func makePlan(w sources.Window, now time.Time, step time.Duration) (plan, error) {
	p := plan{w: w, to: w.To, from: w.From}
	oldest := now.Add(-tiers[len(tiers)-1].keep).Truncate(time.Hour).Add(time.Hour)
	if !w.To.After(oldest) {
		return p, fmt.Errorf("window %s ends before %s: CloudWatch keeps hourly data for 455 days only: %w",
			w, oldest.UTC().Format(time.RFC3339), sources.ErrNoData)
	}
	if p.from.Before(oldest) {
		p.from, p.clipped = oldest, true
	}
	want := nearest(w.Duration() / pointsPerSeries)
	for _, c := range periods {
		if c <= step && c > want {
			want = c
		}
	}
	age := now.Sub(p.from)
	floor := tiers[len(tiers)-1].period
	for _, t := range tiers {
		if age <= t.keep {
			floor = t.period
			break
		}
	}
	p.period = want
	if floor > want {
		p.period, p.coarse = floor, true
	}
	p.from = p.from.Truncate(p.period)
	if !p.to.Truncate(p.period).Equal(p.to) {
		p.to = p.to.Truncate(p.period).Add(p.period)
	}
	return p, nil
}

// nearest is the period closest to d on a log scale (60 s for anything
// shorter than a minute).
func nearest(d time.Duration) time.Duration {
	best, bd := periods[0], math.Inf(1)
	for _, c := range periods {
		x := math.Abs(math.Log(float64(c) / float64(max(d, time.Second))))
		if x < bd {
			best, bd = c, x
		}
	}
	return best
}

func (p plan) note() string {
	return fmt.Sprintf("%s periods from %s", human(p.period), p.from.UTC().Format(time.RFC3339))
}

// human writes a period as people say it: "1-minute", "5-minute", "hourly".
func human(d time.Duration) string {
	switch {
	case d == time.Hour:
		return "hourly"
	case d%time.Minute == 0:
		return fmt.Sprintf("%d-minute", int(d/time.Minute))
	}
	return d.String()
}
