package kuma

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// statTable is one of Kuma 2's aggregate tables, finest first. Each row
// covers [timestamp, timestamp+span) of one monitor, timestamp being the
// start of the UTC minute, hour or day (server/uptime-calculator.js).
type statTable struct {
	name, res string
	span      int64 // seconds
}

var statTables = [...]statTable{
	{"stat_minutely", "minutely", 60},
	{"stat_hourly", "hourly", 3600},
	{"stat_daily", "daily", 86400},
}

// segment is a period read from one aggregate table.
type segment struct {
	res string
	to  time.Time // end of its last bucket
	n   int       // buckets
}

func floorTo(u, span int64) int64 {
	m := u % span
	if m < 0 {
		m += span
	}
	return u - m
}

func ceilTo(u, span int64) int64 {
	f := floorTo(u, span)
	if f < u {
		f += span
	}
	return f
}

// summaries returns summary beats for [from, rawFrom) of monitor id, each
// period from the finest table that reaches back to it, and the segments
// used. raw is the monitor's raw beats in the window: a last bucket whose
// every check is also a raw beat is left out, the raw beats carry it.
func (k *kdb) summaries(ctx context.Context, id int, from, rawFrom time.Time, raw []sources.Beat) ([]sources.Beat, []segment, error) {
	var start [len(statTables)]int64
	var has [len(statTables)]bool
	for i, t := range statTables {
		if !k.tables[t.name] {
			continue
		}
		var v sql.NullInt64
		err := k.q.QueryRowContext(ctx, `SELECT min(timestamp) FROM `+t.name+` WHERE monitor_id = ?`, id).Scan(&v)
		if err != nil {
			return nil, nil, k.wrap("read "+t.name+" of", err)
		}
		start[i], has[i] = v.Int64, v.Valid
	}
	var beats []sources.Beat
	var maint []int
	var segs []segment
	e := rawFrom.Unix() // buckets start at whole seconds: ts < e means before rawFrom
	if rawFrom.After(time.Unix(e, 0)) {
		e++
	}
	c := from.Unix()
	for c < e {
		pick := -1
		for i, t := range statTables {
			if has[i] && start[i] <= floorTo(c, t.span) {
				pick = i
				break
			}
		}
		if pick < 0 {
			// No table reaches back to c (the monitor is younger): go on
			// from where the first one starts.
			next := int64(math.MaxInt64)
			for i := range statTables {
				if has[i] && start[i] > c && start[i] < next {
					next = start[i]
				}
			}
			if next >= e {
				break
			}
			c = next
			continue
		}
		t := statTables[pick]
		stop := e
		for i := 0; i < pick; i++ {
			if has[i] {
				stop = min(stop, ceilTo(start[i], t.span))
			}
		}
		got, m, err := k.statRows(ctx, t, id, floorTo(c, t.span), stop)
		if err != nil {
			return nil, nil, err
		}
		if len(got) > 0 {
			beats = append(beats, got...)
			maint = append(maint, m...)
			last := got[len(got)-1]
			segs = append(segs, segment{res: t.res, to: last.T.Add(last.Span), n: len(got)})
		}
		c = stop
	}
	// The last bucket may reach past rawFrom. When the raw beats hold all
	// its checks it adds nothing but coarseness.
	if n := len(beats); n > 0 {
		last := beats[n-1]
		end := last.T.Add(last.Span)
		if last.T.Before(rawFrom) && end.After(rawFrom) {
			inside := 0
			for _, b := range raw {
				if !b.T.Before(last.T) && b.T.Before(end) {
					inside++
				}
			}
			if inside >= last.Checks+maint[n-1] {
				beats = beats[:n-1]
				s := &segs[len(segs)-1]
				if s.n--; s.n == 0 {
					segs = segs[:len(segs)-1]
				} else {
					s.to = last.T
				}
			}
		}
	}
	return beats, segs, nil
}

// statRows reads the rows of t for monitor id with timestamps in [lo, hi),
// and the maintenance count of each.
func (k *kdb) statRows(ctx context.Context, t statTable, id int, lo, hi int64) ([]sources.Beat, []int, error) {
	rows, err := k.q.QueryContext(ctx, `SELECT timestamp, ping, up, down, extras FROM `+t.name+`
		WHERE monitor_id = ? AND timestamp >= ? AND timestamp < ? ORDER BY timestamp`, id, lo, hi)
	if err != nil {
		return nil, nil, k.wrap("read "+t.name+" of", err)
	}
	defer rows.Close()
	var out []sources.Beat
	var maints []int
	for rows.Next() {
		var ts int64
		var ping sql.NullFloat64
		var up, down int
		var extras sql.NullString
		if err := rows.Scan(&ts, &ping, &up, &down, &extras); err != nil {
			return nil, nil, k.wrap("read "+t.name+" of", err)
		}
		maint := 0
		if extras.Valid && extras.String != "" {
			var x struct {
				Maintenance int `json:"maintenance"`
			}
			if json.Unmarshal([]byte(extras.String), &x) == nil {
				maint = x.Maintenance
			}
		}
		b := sources.Beat{
			T:      time.Unix(ts, 0).UTC(),
			Span:   time.Duration(t.span) * time.Second,
			Checks: up + down,
			Failed: down,
			Status: sources.Up,
			Msg:    fmt.Sprintf("%s: %d up, %d down", t.res, up, down),
		}
		switch {
		case down > 0:
			b.Status = sources.Down
		case up == 0 && maint > 0:
			b.Status = sources.Maintenance
		}
		if maint > 0 {
			b.Msg += fmt.Sprintf(", %d in maintenance", maint)
		}
		if up > 0 && ping.Valid && ping.Float64 > 0 {
			b.Latency = time.Duration(ping.Float64 * float64(time.Millisecond))
		}
		out = append(out, b)
		maints = append(maints, maint)
	}
	return out, maints, k.wrap("read "+t.name+" of", rows.Err())
}

// notes says, for Dataset.Notes, which aggregates stand in for raw beats
// and, when hasRaw, from when raw beats are kept.
func notes(segs []segment, rawFrom time.Time, hasRaw bool) string {
	if len(segs) == 0 {
		return ""
	}
	const f = "2006-01-02 15:04 UTC"
	parts := make([]string, 0, len(segs)+1)
	for _, s := range segs {
		parts = append(parts, s.res+" aggregates until "+s.to.Format(f))
	}
	if hasRaw {
		parts = append(parts, "raw heartbeats from "+rawFrom.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	return strings.Join(parts, ", ") + " (Kuma 2 keeps raw heartbeats 24 h)"
}
