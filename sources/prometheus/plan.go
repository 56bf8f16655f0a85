package prometheus

import (
	"fmt"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// MaxPointsPerQuery is the most points one query_range may return per
// series: Prometheus refuses more than 11,000 ("exceeded maximum resolution
// of 11,000 points per timeseries", promql/web API v1). Longer windows are
// split into chunks of at most this many points and stitched.
const MaxPointsPerQuery = 11000

// maxPointsPerSeries caps what one Fetch asks for per series (about 76 days
// at one minute): past it the step is raised, and a note says so.
const maxPointsPerSeries = 10 * MaxPointsPerQuery

// plan is how a window is fetched.
type plan struct {
	step   time.Duration
	first  time.Time     // the first evaluation time, a multiple of step
	last   time.Time     // the last one, before the window's end
	rng    time.Duration // the range of rate() and *_over_time()
	coarse bool          // step > scrape interval: aggregate over each step
	chunks []chunk
	notes  []string
}

// chunk is one query_range: evaluation times from, from+step, ..., to.
type chunk struct{ from, to time.Time }

// makePlan chooses the step for w from the step asked for and the scrape
// interval, aligns evaluation times to multiples of the step (so every
// backend answers at the same times) and splits the window in chunks of at
// most MaxPointsPerQuery points.
//
// The step is never smaller than the one asked for: a step below the scrape
// interval is raised to it (it would only repeat samples), and one that
// would need more than maxPointsPerSeries points is raised until it fits.
// With no step asked for, it is the smallest "round" step that fits the
// window in one chunk.
func makePlan(w sources.Window, asked, scrape time.Duration) plan {
	var p plan
	step := asked
	if step <= 0 {
		step = roundStep(w.Duration() / MaxPointsPerQuery)
	}
	if step < scrape {
		if asked > 0 {
			p.notes = append(p.notes, fmt.Sprintf("step %s raised to the scrape interval %s", asked, scrape))
		}
		step = scrape
	}
	if step < time.Second {
		step = time.Second
	}
	if n := w.Duration() / step; n > maxPointsPerSeries {
		raised := roundStep(w.Duration() / maxPointsPerSeries)
		p.notes = append(p.notes, fmt.Sprintf("step %s raised to %s: %d points per series is more than %d", step, raised, n, maxPointsPerSeries))
		step = raised
	}
	step = step.Truncate(time.Second) // the API takes whole seconds best
	p.step = step
	p.coarse = step > scrape
	// rate() needs two samples at least, and should see every sample once:
	// max(step + scrape, 4 × scrape), as Grafana's $__rate_interval.
	p.rng = max(step+scrape, 4*scrape)
	if p.coarse {
		p.rng = step // *_over_time(x[step]) summarises each step
	}

	s := int64(step / time.Second)
	from := w.From.Unix() // the first multiple of s at or after From
	if w.From.Nanosecond() > 0 {
		from++
	}
	if r := ((from % s) + s) % s; r != 0 {
		from += s - r
	}
	to := w.To.Unix() // the last multiple of s before To
	if w.To.Nanosecond() == 0 {
		to--
	}
	to -= ((to % s) + s) % s
	if to < from {
		return p
	}
	p.first, p.last = time.Unix(from, 0).UTC(), time.Unix(to, 0).UTC()
	p.split(1)
	return p
}

// minChunkPoints is the smallest chunk split for parallelism alone: a day
// at one minute. Smaller ones cost more in requests than they gain.
const minChunkPoints = 1440

// split cuts the evaluation times into at least parts chunks (fewer when
// they would be smaller than minChunkPoints), each of at most
// MaxPointsPerQuery points. More parts than the 11,000-point limit needs let
// one big query use every core of the server and of this machine (one
// query of 500 series × 7 days: 2.3 s as one request, BENCHMARKS.md).
func (p *plan) split(parts int) {
	p.chunks = nil
	if p.first.IsZero() {
		return
	}
	s := int64(p.step / time.Second)
	from, to := p.first.Unix(), p.last.Unix()
	n := (to-from)/s + 1
	per := min(int64(MaxPointsPerQuery), max((n+int64(parts)-1)/int64(max(parts, 1)), minChunkPoints))
	for c := from; c <= to; c += per * s {
		e := min(c+(per-1)*s, to)
		p.chunks = append(p.chunks, chunk{time.Unix(c, 0).UTC(), time.Unix(e, 0).UTC()})
	}
}

// points is the number of evaluation times in c.
func (c chunk) points(step time.Duration) int64 {
	return int64(c.to.Sub(c.from)/step) + 1
}

// split halves c at a step boundary; ok is false for a single point.
func (c chunk) split(step time.Duration) (a, b chunk, ok bool) {
	n := c.points(step)
	if n < 2 {
		return c, c, false
	}
	mid := c.from.Add(time.Duration(n/2-1) * step)
	return chunk{c.from, mid}, chunk{mid.Add(step), c.to}, true
}

// roundStep rounds d up to a step a person would pick.
func roundStep(d time.Duration) time.Duration {
	for _, s := range []time.Duration{
		time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
		time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
		time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
	} {
		if d <= s {
			return s
		}
	}
	return d.Truncate(24*time.Hour) + 24*time.Hour
}

// promDuration writes d as a PromQL duration ("5m", "90s").
func promDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return fmt.Sprintf("%dms", d/time.Millisecond)
}
