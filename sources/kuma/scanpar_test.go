package kuma

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/kuma/kumadb"
)

// TestScanSplitMatchesOnePass: the table pass split into id ranges (read
// in parallel, joined per monitor) gives what one pass gives, wherever
// the splits fall: inside a step, between a failed check and the first
// UP after it, between two beats of one monitor stored out of time order
// (that monitor must still be left out, to be read through the index),
// and between every two rows.
func TestScanSplitMatchesOnePass(t *testing.T) {
	from := utc("2025-11-19T00:00:00Z")
	mons := append([]kumadb.Monitor{}, demoMonitors[:2]...)
	mons = append(mons,
		kumadb.Monitor{ID: 3, Name: "Sparse", Type: "port", URL: "db1.example:5432", Interval: 60, Active: true},
		kumadb.Monitor{ID: 4, Name: "Swapped", Type: "port", URL: "db2.example:5432", Interval: 60, Active: true})
	const n = 600
	beats := demoBeats(from, n, from.Add(5*time.Hour+3*time.Minute))
	var more []kumadb.Beat
	for i := range n {
		if i%7 == 0 && (i < 200 || i > 260) { // a gap of an hour
			st := kumadb.Up
			if i%91 == 0 || i%91 == 7 {
				st = kumadb.Down
			}
			more = append(more, kumadb.Beat{MonitorID: 3, T: from.Add(time.Duration(i)*time.Minute + 3*time.Second), Status: st, PingMS: i % 9, Msg: fmt.Sprint("m", i%3)})
		}
		more = append(more, kumadb.Beat{MonitorID: 4, T: from.Add(time.Duration(i)*time.Minute + 20*time.Second), Status: kumadb.Up, PingMS: 5, Msg: "ok"})
	}
	all := append(beats, more...)
	path := mustBuild(t, 1, time.Time{}, mons, all)
	// Swapped's beats 300 and 301 trade times: stored out of order.
	rw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	var id1, id2 int64
	var t1, t2 string
	err = rw.QueryRow(`SELECT a.id, a.time, b.id, b.time FROM heartbeat a, heartbeat b
		WHERE a.monitor_id = 4 AND b.monitor_id = 4 AND a.time >= ? AND a.time < ? AND b.time >= ? AND b.time < ?`,
		timeText(from.Add(300*time.Minute)), timeText(from.Add(301*time.Minute)),
		timeText(from.Add(301*time.Minute)), timeText(from.Add(302*time.Minute))).Scan(&id1, &t1, &id2, &t2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rw.Exec(`UPDATE heartbeat SET time = CASE id WHEN ? THEN ? ELSE ? END WHERE id IN (?, ?)`, id1, t2, t1, id1, id2); err != nil {
		t.Fatal(err)
	}
	rw.Close()
	ctx := context.Background()
	s, err := New(Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	k, err := s.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer k.close()
	ms, err := k.monitors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows := int64(len(all))
	for _, w := range []sources.Window{
		{From: from, To: from.Add(n * time.Minute)},
		{From: from.Add(95*time.Minute + 10*time.Second), To: from.Add(8*time.Hour + 30*time.Second)},
	} {
		for _, step := range []time.Duration{0, time.Minute, 5 * time.Minute, time.Hour} {
			want, err := k.scanParts(ctx, ms, w, step, internTable{}, nil, 1)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := want[4]; ok || len(want) != 3 {
				t.Fatalf("one pass read %d monitors, Swapped among them: %v; want 3 without it", len(want), ok)
			}
			for _, stride := range []int64{1, 2, 7, 61, 500} {
				var bounds []int64
				for b := 1 + stride; b <= rows; b += stride {
					bounds = append(bounds, b)
				}
				got, err := k.scanParts(ctx, ms, w, step, internTable{}, bounds, 3)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%v step %v: ranges of %d rows give %d monitors, one pass %d", w, step, stride, len(got), len(want))
					for id, g := range got {
						if !reflect.DeepEqual(g, want[id]) {
							t.Errorf("monitor %d: %d beats, one pass %d", id, len(g), len(want[id]))
						}
					}
				}
			}
		}
	}
	// Fetch splits a table as small as this one when ranges may be small.
	defer func(r int64) { scanRows = r }(scanRows)
	scanRows = 5
	if b, err := k.scanSplit(ctx, 2); err != nil || len(b) != 127 {
		t.Fatalf("scanSplit: %v %v, want 127 bounds", b, err)
	}
	if b, err := k.scanSplit(ctx, 1); err != nil || len(b) != 0 {
		t.Fatalf("scanSplit on one core: %v %v, want none", b, err)
	}
}
