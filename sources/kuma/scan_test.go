package kuma

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/kuma/kumadb"
)

// TestScanMatchesIndexReads: a window that holds most of a Kuma 1
// database is read in one pass over the table (scanBeats), and gives the
// beats that reading each monitor through its index gives, at every step;
// a monitor whose beats are stored out of time order (a database put
// together from backups) is read again in time order, and monitors not
// selected are left out.
func TestScanMatchesIndexReads(t *testing.T) {
	from := utc("2025-11-19T00:00:00Z")
	beats := demoBeats(from, 2*1440, utc("2025-11-20T18:41:00Z"))
	// DB (id 3, selected by name below) beats every 60 s; its second day
	// is stored again below, newest first.
	var db []kumadb.Beat
	for i := range 2 * 1440 {
		st := kumadb.Up
		if i%97 == 5 {
			st = kumadb.Down
		}
		db = append(db, kumadb.Beat{MonitorID: 3, T: from.Add(time.Duration(i)*time.Minute + 11*time.Second), Status: st, PingMS: 3 + i%5, Msg: "ok"})
	}
	beats = append(beats, db...)
	path := mustBuild(t, 1, time.Time{}, demoMonitors, beats)
	day2 := timeText(from.Add(24 * time.Hour))
	mustExec(t, path,
		`CREATE TEMP TABLE t AS SELECT * FROM heartbeat WHERE monitor_id = 3 AND time >= '`+day2+`'`,
		`DELETE FROM heartbeat WHERE monitor_id = 3 AND time >= '`+day2+`'`,
		`INSERT INTO heartbeat (important, monitor_id, status, msg, time, ping, duration, down_count)
			SELECT important, monitor_id, status, msg, time, ping, duration, down_count FROM t ORDER BY time DESC`,
	)
	ctx := context.Background()
	for _, sel := range [][]string{nil, {"Shop", "DB"}} {
		s, err := New(Config{Path: path, Monitors: sel})
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []sources.Window{
			{From: from, To: from.Add(48 * time.Hour)},
			{From: from.Add(90 * time.Minute), To: from.Add(47*time.Hour + 30*time.Second)},
		} {
			for _, step := range []time.Duration{0, time.Minute, 5 * time.Minute, time.Hour} {
				k, chosen := openChosen(ctx, t, s, sel)
				if ok, err := k.scanWorth(ctx, chosen, w); err != nil || !ok {
					t.Fatalf("%v %v: scanWorth %v %v, want a scan", sel, w, ok, err)
				}
				pre, err := k.scanBeats(ctx, chosen, w, step, internTable{})
				if err != nil {
					t.Fatal(err)
				}
				// DB is inactive: chosen only by name, and then read again.
				reread := 0
				if sel != nil {
					reread = 1
				}
				if _, ok := pre[3]; ok || len(pre) != len(chosen)-reread {
					t.Errorf("%v: the scan read %d monitors (DB among them: %v), want %d without DB", sel, len(pre), ok, len(chosen)-reread)
				}
				for _, m := range chosen {
					want, err := k.rawBeats(ctx, m.id, w.From, w.To, step, 0, internTable{})
					if err != nil {
						t.Fatal(err)
					}
					if got, ok := pre[m.id]; ok && !reflect.DeepEqual(got, want) {
						t.Errorf("%v %v step %v: monitor %d: the scan gives %d beats, the index %d", sel, w, step, m.id, len(got), len(want))
					}
				}
				k.close()
				// Fetch, scan and all, gives the index's answer for every monitor.
				ds, err := s.Fetch(ctx, w, step)
				if err != nil {
					t.Fatal(err)
				}
				if len(ds.Probes) != len(chosen) {
					t.Fatalf("%d probes, want %d", len(ds.Probes), len(chosen))
				}
				for i, p := range ds.Probes {
					k, _ := s.open(ctx)
					want, _ := k.rawBeats(ctx, chosen[i].id, w.From, w.To, step, 0, internTable{})
					k.close()
					if !reflect.DeepEqual(p.Beats, want) || len(want) == 0 {
						t.Errorf("%v %v step %v: %s: Fetch gives %d beats, the index %d", sel, w, step, p.Name, len(p.Beats), len(want))
					}
				}
			}
		}
	}
}

// TestScanOddValues: the table pass reads SQLite's rows packed (numbers
// in one integer, time and message in one text); it gives what the index
// reads give for pings that are NULL, negative, zero, fractional or
// large, statuses Kuma does not write, messages holding the separator or
// NULL, and beats of monitor ids past the packing's 24 bits, which must
// not be taken for another monitor's.
func TestScanOddValues(t *testing.T) {
	from := utc("2025-11-19T00:00:00Z")
	beats := demoBeats(from, 1440, utc("2025-11-19T18:41:00Z"))
	path := mustBuild(t, 1, time.Time{}, demoMonitors, beats)
	mustExec(t, path,
		`UPDATE heartbeat SET ping = NULL WHERE id % 7 = 1`,
		`UPDATE heartbeat SET ping = -5 WHERE id % 7 = 2`,
		`UPDATE heartbeat SET ping = 0 WHERE id % 7 = 3`,
		`UPDATE heartbeat SET ping = 12.625 WHERE id % 7 = 4`,
		`UPDATE heartbeat SET ping = 47999.5 WHERE id % 7 = 5`,
		`UPDATE heartbeat SET status = 7 WHERE id % 101 = 0`,
		`UPDATE heartbeat SET status = 3 WHERE id % 103 = 0`,
		`UPDATE heartbeat SET msg = NULL WHERE id % 11 = 0`,
		"UPDATE heartbeat SET msg = 'a\tb\tc' WHERE id % 13 = 0",
		`INSERT INTO heartbeat (important, monitor_id, status, msg, time, ping, duration, down_count)
			SELECT important, monitor_id + 16777216, 0, 'stray', time, 1, duration, down_count FROM heartbeat WHERE monitor_id = 1`,
		`INSERT INTO heartbeat (important, monitor_id, status, msg, time, ping, duration, down_count)
			SELECT important, 16777215, 0, 'stray', time, 1, duration, down_count FROM heartbeat WHERE monitor_id = 2`,
	)
	ctx := context.Background()
	s, err := New(Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	w := sources.Window{From: from, To: from.Add(24 * time.Hour)}
	for _, step := range []time.Duration{0, time.Minute, 5 * time.Minute} {
		k, chosen := openChosen(ctx, t, s, nil)
		pre, err := k.scanBeats(ctx, chosen, w, step, internTable{})
		if err != nil {
			t.Fatal(err)
		}
		if len(pre) != len(chosen) {
			t.Fatalf("the scan read %d monitors, want %d", len(pre), len(chosen))
		}
		for _, m := range chosen {
			want, err := k.rawBeats(ctx, m.id, w.From, w.To, step, 0, internTable{})
			if err != nil {
				t.Fatal(err)
			}
			got := pre[m.id]
			if !reflect.DeepEqual(got, want) || len(want) == 0 {
				t.Errorf("step %v: monitor %d: the scan gives %d beats, the index %d", step, m.id, len(got), len(want))
				for i := range min(len(got), len(want)) {
					if !reflect.DeepEqual(got[i], want[i]) {
						t.Errorf("first difference: %+v, want %+v", got[i], want[i])
						break
					}
				}
			}
		}
		k.close()
	}
}

// TestMemoryFollowsData: a window 30 times longer than the data holds
// slices of the data's size, through the table pass and through the
// index alike (the capacity hints took the window over the interval:
// 30 times the memory).
func TestMemoryFollowsData(t *testing.T) {
	from := utc("2025-11-19T00:00:00Z")
	path := mustBuild(t, 1, time.Time{}, demoMonitors, demoBeats(from, 2*1440, utc("2025-11-20T18:41:00Z")))
	ctx := context.Background()
	held := func(sel []string, days int, step time.Duration) (beats, capacity int) {
		s, err := New(Config{Path: path, Monitors: sel})
		if err != nil {
			t.Fatal(err)
		}
		ds, err := s.Fetch(ctx, sources.Window{From: from.AddDate(0, 0, -days/2), To: from.AddDate(0, 0, days-days/2)}, step)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ds.Probes {
			beats, capacity = beats+len(p.Beats), capacity+cap(p.Beats)
		}
		return beats, capacity
	}
	for _, sel := range [][]string{nil, {"Shop"}} { // the table pass; the index
		for _, step := range []time.Duration{0, time.Minute} {
			b2, c2 := held(sel, 4, step)
			b60, c60 := held(sel, 60, step)
			if b2 != b60 || c60 > c2*11/10 {
				t.Errorf("%v step %v: 4 days hold %d beats in %d, 60 days %d in %d; want the same beats in about the same room", sel, step, b2, c2, b60, c60)
			}
		}
	}
}

// openChosen opens s's database and returns the monitors sel chooses.
func openChosen(ctx context.Context, t *testing.T, s *Source, sel []string) (*kdb, []monitor) {
	t.Helper()
	k, err := s.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	all, err := k.monitors(ctx)
	if err != nil {
		t.Fatal(err)
	}
	chosen, _ := selectMonitors(all, sel)
	return k, chosen
}

// FuzzScanRow stores one heartbeat of any values (a time that is not one,
// a message of any bytes, a ping as text, ids and statuses out of range)
// among ordinary ones and reads the month through the table pass, which
// reads rows through SQLite's C API: an error or beats, never a panic; a
// row of a monitor not chosen is never read into one that is; the
// ordinary monitor's beats stay whole.
func FuzzScanRow(f *testing.F) {
	from := utc("2025-11-19T00:00:00Z")
	base := mustBuild(f, 1, time.Time{}, demoMonitors, demoBeats(from, 240, utc("2025-11-19T02:00:00Z")))
	img, err := os.ReadFile(base)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(int64(1), "2025-11-19 01:00:30.250", []byte("200 - OK"), int64(1), "12.5")
	f.Add(int64(2), "2025-11-19T01:00:30+09:00", []byte("a\tb\x00c\xff"), int64(0), "")
	f.Add(int64(99), "not a time", []byte{}, int64(7), "x")
	f.Add(int64(1), "not a time", []byte{}, int64(1), "3")
	f.Add(int64(-1), "2025-11-19 01:00:30", []byte("x"), int64(-300), "1e308")
	f.Add(int64(1<<40), "2025-02-30 01:00:30", []byte("x"), int64(1), "-5")
	w := sources.Window{From: from, To: from.Add(4 * time.Hour)}
	f.Fuzz(func(t *testing.T, mon int64, ts string, msg []byte, status int64, ping string) {
		path := filepath.Join(t.TempDir(), "kuma.db")
		if err := os.WriteFile(path, img, 0o644); err != nil {
			t.Fatal(err)
		}
		rw, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		var pv any = ping // text, as a tool other than Kuma might store it
		if p, err := strconv.ParseFloat(ping, 64); err == nil {
			pv = p
		} else if ping == "" {
			pv = nil
		}
		_, err = rw.Exec(`INSERT INTO heartbeat (important, monitor_id, status, msg, time, ping, duration, down_count) VALUES (0, ?, ?, ?, ?, ?, 0, 0)`,
			mon, status, msg, ts, pv)
		rw.Close()
		if err != nil {
			t.Skip(err) // a value SQLite's constraints refuse
		}
		s, err := New(Config{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		k, chosen := openChosen(ctx, t, s, []string{"Shop", "API"})
		defer k.close()
		pre, err := k.scanBeats(ctx, chosen, w, time.Minute, internTable{})
		if err != nil {
			if !strings.Contains(err.Error(), "read heartbeats of") {
				t.Errorf("an error that does not say what was read: %v", err)
			}
			return
		}
		for _, m := range chosen {
			for _, b := range pre[m.id] {
				if b.T.Before(w.From) || !b.T.Before(w.To) {
					t.Errorf("monitor %d: a beat at %v, outside the window", m.id, b.T)
				}
			}
			// Both beat once a minute, each beat its own step at 1m; the
			// stored row touches its own monitor only.
			if n := len(pre[m.id]); int64(m.id) != mon && n != 240 {
				t.Errorf("monitor %s: %d beats, want its 240", m.name, n)
			}
		}
	})
}
