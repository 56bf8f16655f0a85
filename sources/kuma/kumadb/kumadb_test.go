package kumadb

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fixtureDir is the shared folder of real-Kuma fixtures beside the
// repository. CI has it; a user's clone may not.
const fixtureDir = "../../../../shared/fixtures/uptime-kuma"

func mustFixtures(tb testing.TB) string {
	tb.Helper()
	if _, err := os.Stat(fixtureDir); err != nil {
		tb.Skipf("real Uptime Kuma fixtures not found: directory %s (the shared folder beside the repository) is missing", fixtureDir)
	}
	return fixtureDir
}

func mustOpenRO(tb testing.TB, path string) *sql.DB {
	tb.Helper()
	db, err := sql.Open("sqlite", "file:"+uriPath(path)+"?mode=ro")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func mustCreate(tb testing.TB, o Options, monitors []Monitor, beats []Beat) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), fmt.Sprintf("kuma-v%d.db", o.Version))
	if err := Create(path, o, monitors, beats); err != nil {
		tb.Fatal(err)
	}
	return path
}

// dumpSchema runs testdata/schema-dump.sql, the query that made
// testdata/real-schema-v*.txt with the sqlite3 CLI.
func dumpSchema(tb testing.TB, db *sql.DB) string {
	tb.Helper()
	q, err := os.ReadFile("testdata/schema-dump.sql")
	if err != nil {
		tb.Fatal(err)
	}
	rows, err := db.Query(string(q))
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			tb.Fatal(err)
		}
		b.WriteString(line + "\n")
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return b.String()
}

func sqliteMaster(tb testing.TB, db *sql.DB) map[string]string {
	tb.Helper()
	rows, err := db.Query(`SELECT type || ' ' || name, ifnull(sql, '') FROM sqlite_master`)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	m := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			tb.Fatal(err)
		}
		m[k] = v
	}
	return m
}

func diffLines(a, b string) string {
	as, bs := strings.Split(a, "\n"), strings.Split(b, "\n")
	inB := map[string]bool{}
	for _, l := range bs {
		inB[l] = true
	}
	inA := map[string]bool{}
	for _, l := range as {
		inA[l] = true
	}
	var d []string
	for _, l := range as {
		if !inB[l] {
			d = append(d, "- "+l)
		}
	}
	for _, l := range bs {
		if !inA[l] {
			d = append(d, "+ "+l)
		}
	}
	if len(d) == 0 {
		return "(same lines, different order)"
	}
	return strings.Join(d, "\n")
}

// TestSchemaIsReal builds empty databases from the embedded schema and
// compares their tables, columns (PRAGMA table_info), foreign keys and
// indexes with the dump of real Kuma's databases checked in as testdata.
func TestSchemaIsReal(t *testing.T) {
	for _, v := range []int{1, 2} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			want, err := os.ReadFile(fmt.Sprintf("testdata/real-schema-v%d.txt", v))
			if err != nil {
				t.Fatal(err)
			}
			got := dumpSchema(t, mustOpenRO(t, mustCreate(t, Options{Version: v}, nil, nil)))
			if got != string(want) {
				t.Errorf("schema of a built v%d database differs from real Kuma's:\n%s", v, diffLines(string(want), got))
			}
			// Every statement of the embedded schema is in sqlite_master as
			// written (SQLite drops only "IF NOT EXISTS").
			master := map[string]bool{}
			objects := sqliteMaster(t, mustOpenRO(t, mustCreate(t, Options{Version: v}, nil, nil)))
			for _, sqlText := range objects {
				master[sqlText] = true
			}
			stmts := strings.Split(strings.TrimSuffix(strings.TrimSpace(Schema(v)), ";"), ";\n")
			for _, st := range stmts {
				st = strings.Replace(st, "CREATE TABLE IF NOT EXISTS ", "CREATE TABLE ", 1)
				if !master[st] {
					t.Errorf("embedded statement not in sqlite_master of the built database:\n%s", st)
				}
			}
			if n := len(objects) - 1; len(stmts) != n-strings.Count(got, " sql=auto") { // minus sqlite_sequence and autoindexes
				t.Errorf("embedded schema has %d statements, built database %d objects (%d autoindexes)", len(stmts), n, strings.Count(got, " sql=auto"))
			}
			for _, table := range []string{"monitor", "heartbeat", "setting"} {
				if !strings.Contains(got, "table "+table+" column ") {
					t.Errorf("no table %s in the v%d dump", table, v)
				}
			}
			if v == 2 && !strings.Contains(got, "table stat_hourly column ") {
				t.Errorf("no stat_hourly in the v2 dump")
			}
		})
	}
}

// TestSchemaTestdataIsCurrent proves the checked-in dumps are those of the
// real fixtures, and that the built databases' sqlite_master holds the same
// statements as the real ones.
func TestSchemaTestdataIsCurrent(t *testing.T) {
	dir := mustFixtures(t)
	for _, v := range []int{1, 2} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			real := mustOpenRO(t, filepath.Join(dir, fmt.Sprintf("kuma-v%d-empty.db", v)))
			want, err := os.ReadFile(fmt.Sprintf("testdata/real-schema-v%d.txt", v))
			if err != nil {
				t.Fatal(err)
			}
			if got := dumpSchema(t, real); got != string(want) {
				t.Errorf("testdata/real-schema-v%d.txt is not the dump of the real fixture; regenerate it (see testdata/schema-dump.sql):\n%s",
					v, diffLines(string(want), got))
			}
			built := sqliteMaster(t, mustOpenRO(t, mustCreate(t, Options{Version: v}, nil, nil)))
			for k, sqlText := range sqliteMaster(t, real) {
				if built[k] != sqlText {
					t.Errorf("%s: built\n%s\nreal\n%s", k, built[k], sqlText)
				}
			}
			if len(built) != len(sqliteMaster(t, real)) {
				t.Errorf("built database has %d schema objects, real %d", len(built), len(sqliteMaster(t, real)))
			}
		})
	}
}

func TestImportant(t *testing.T) {
	for _, tc := range []struct {
		prev, cur int
		want      bool
	}{
		{Up, Pending, false}, {Up, Down, true}, {Up, Up, false}, {Pending, Pending, false},
		{Pending, Down, true}, {Pending, Up, false}, {Down, Down, false}, {Down, Up, true},
		{Maintenance, Maintenance, false}, {Maintenance, Up, true}, {Maintenance, Down, true},
		{Down, Maintenance, true}, {Up, Maintenance, true},
	} {
		if got := Important(false, tc.prev, tc.cur); got != tc.want {
			t.Errorf("Important(%d -> %d) = %v, want %v", tc.prev, tc.cur, got, tc.want)
		}
	}
	if !Important(true, Up, Up) {
		t.Error("first beat is not important")
	}
}

var t0 = time.Date(2025, 11, 21, 0, 0, 7, 123e6, time.UTC)

func minuteBeats(mon int, from time.Time, n int, status func(i int) int) []Beat {
	var bs []Beat
	for i := 0; i < n; i++ {
		s := status(i)
		ping := 100 + i%7
		if s != Up {
			ping = -1
		}
		bs = append(bs, Beat{MonitorID: mon, T: from.Add(time.Duration(i) * time.Minute), Status: s, PingMS: ping, Msg: "200 - OK"})
	}
	MarkImportant(bs)
	return bs
}

func TestCreateV1(t *testing.T) {
	mons := []Monitor{{ID: 1, Name: "Shop", URL: "https://shop.example", Interval: 60, Active: true, MaxRetries: 1},
		{ID: 2, Name: "DB", Type: "port", URL: "db1.example", Interval: 60, Active: false}}
	beats := minuteBeats(1, t0, 10, func(i int) int {
		if i == 4 {
			return Down
		}
		return Up
	})
	path := mustCreate(t, Options{Version: 1}, mons, beats)
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if _, err := os.Stat(path + suffix); err == nil {
			t.Errorf("%s left beside the database", suffix)
		}
	}
	db := mustOpenRO(t, path)
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "delete" {
		t.Errorf("journal_mode = %q, %v; want delete", mode, err)
	}
	var n, imp, nullPing int
	var first, host string
	db.QueryRow(`SELECT count(*), sum(important), sum(ping IS NULL), min(CAST(time AS TEXT)) FROM heartbeat`).Scan(&n, &imp, &nullPing, &first)
	if n != 10 || imp != 3 || nullPing != 1 || first != "2025-11-21 00:00:07.123" {
		t.Errorf("heartbeats: n=%d important=%d null pings=%d first=%q", n, imp, nullPing, first)
	}
	var dur int
	db.QueryRow(`SELECT duration FROM heartbeat WHERE id = 2`).Scan(&dur)
	if dur != 60 {
		t.Errorf("duration = %d, want 60", dur)
	}
	db.QueryRow(`SELECT hostname FROM monitor WHERE id = 2`).Scan(&host)
	if host != "db1.example" {
		t.Errorf("port monitor hostname = %q", host)
	}
	if err := Create(path, Options{Version: 1}, mons, beats); err == nil {
		t.Error("Create over an existing file did not fail")
	}
}

func TestCreateV2Aggregates(t *testing.T) {
	mons := []Monitor{{ID: 1, Name: "Shop", URL: "https://shop.example", Interval: 60, Active: true}}
	// Three days of beats; an outage (1 pending, 3 down) and a maintenance
	// beat on the first day, long pruned from the raw beats at now.
	from := time.Date(2025, 11, 19, 22, 30, 7, 0, time.UTC)
	beats := minuteBeats(1, from, 3*1440, func(i int) int {
		switch {
		case i == 100:
			return Pending
		case i > 100 && i <= 103:
			return Down
		case i == 200:
			return Maintenance
		}
		return Up
	})
	now := from.Add(3*24*time.Hour - 30*time.Second)
	db := mustOpenRO(t, mustCreate(t, Options{Version: 2, Now: now}, mons, beats))

	var up, down int
	var extras sql.NullString
	h := from.Add(100 * time.Minute).Truncate(time.Hour).Unix()
	if err := db.QueryRow(`SELECT up, down FROM stat_hourly WHERE monitor_id = 1 AND timestamp = ?`, h).Scan(&up, &down); err != nil {
		t.Fatal(err)
	}
	if up+down != 60 || down != 4 {
		t.Errorf("hour of the outage: up=%d down=%d, want 56/4", up, down)
	}
	m := from.Add(200 * time.Minute).Truncate(time.Hour).Unix()
	db.QueryRow(`SELECT up, down, extras FROM stat_hourly WHERE monitor_id = 1 AND timestamp = ?`, m).Scan(&up, &down, &extras)
	if up != 59 || down != 0 || extras.String != `{"maintenance":1}` {
		t.Errorf("hour of the maintenance beat: up=%d down=%d extras=%v", up, down, extras)
	}
	var minMin, nMin int64
	db.QueryRow(`SELECT min(timestamp), count(*) FROM stat_minutely`).Scan(&minMin, &nMin)
	if time.Unix(minMin, 0).Before(now.Add(-24*time.Hour).Truncate(time.Minute)) || nMin > 1440 {
		t.Errorf("stat_minutely starts %s with %d rows; want the last 24 h only", time.Unix(minMin, 0).UTC(), nMin)
	}
	var nDaily, sumUp, sumDown int
	db.QueryRow(`SELECT count(*), sum(up), sum(down) FROM stat_daily`).Scan(&nDaily, &sumUp, &sumDown)
	if nDaily != 4 || sumUp+sumDown != 3*1440-1 || sumDown != 4 {
		t.Errorf("stat_daily: %d rows, up=%d down=%d", nDaily, sumUp, sumDown)
	}
	var raw, important int
	var oldest string
	db.QueryRow(`SELECT count(*), sum(important), min(CAST(time AS TEXT)) FROM heartbeat WHERE important = 0`).Scan(&raw, &important, &oldest)
	if raw != 1440 {
		t.Errorf("non-important heartbeats kept = %d, want 1440 (the last 24 h)", raw)
	}
	var imps int
	db.QueryRow(`SELECT count(*) FROM heartbeat WHERE important = 1`).Scan(&imps)
	if imps != 5 { // first, pending->down, down->up, up->maint, maint->up
		t.Errorf("important heartbeats kept = %d, want 5", imps)
	}
	var ping, pmin, pmax float64
	db.QueryRow(`SELECT ping, ping_min, ping_max FROM stat_daily ORDER BY timestamp DESC LIMIT 1`).Scan(&ping, &pmin, &pmax)
	if pmin != 100 || pmax != 106 || ping < 100 || ping > 106 {
		t.Errorf("daily ping avg/min/max = %v/%v/%v", ping, pmin, pmax)
	}
}

func TestCreateV2KeepsNewest100(t *testing.T) {
	mons := []Monitor{{ID: 1, Name: "Old", Interval: 60, Active: true}}
	beats := minuteBeats(1, t0, 150, func(int) int { return Up })
	db := mustOpenRO(t, mustCreate(t, Options{Version: 2, Now: t0.Add(72 * time.Hour)}, mons, beats))
	var n int
	db.QueryRow(`SELECT count(*) FROM heartbeat`).Scan(&n)
	if n != 101 { // the newest 100 and the first (important) beat
		t.Errorf("kept %d heartbeats, want 101", n)
	}
}

// TestV2LikeRealKuma rebuilds the real v2 demo from the beats of the real v1
// demo and compares it with what real Kuma 2.5.3 made of them.
func TestV2LikeRealKuma(t *testing.T) {
	dir := mustFixtures(t)
	v1 := mustOpenRO(t, filepath.Join(dir, "kuma-demo-v1.db"))
	var mons []Monitor
	rows, err := v1.Query(`SELECT id, name, type, url, interval, active, maxretries FROM monitor ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var m Monitor
		if err := rows.Scan(&m.ID, &m.Name, &m.Type, &m.URL, &m.Interval, &m.Active, &m.MaxRetries); err != nil {
			t.Fatal(err)
		}
		mons = append(mons, m)
	}
	rows.Close()
	var beats []Beat
	rows, err = v1.Query(`SELECT monitor_id, CAST(time AS TEXT), status, ifnull(ping, -1), msg, important FROM heartbeat ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var b Beat
		var ts string
		if err := rows.Scan(&b.MonitorID, &ts, &b.Status, &b.PingMS, &b.Msg, &b.Important); err != nil {
			t.Fatal(err)
		}
		if b.T, err = time.Parse(TimeFormat, ts); err != nil {
			t.Fatal(err)
		}
		beats = append(beats, b)
	}
	rows.Close()
	if len(beats) != 8640 {
		t.Fatalf("read %d beats from the v1 demo, want 8640", len(beats))
	}

	now := time.Date(2025, 11, 22, 15, 0, 30, 0, time.UTC)
	built := mustOpenRO(t, mustCreate(t, Options{Version: 2, Now: now}, mons, beats))
	real := mustOpenRO(t, filepath.Join(dir, "kuma-demo-v2.db"))

	queries := map[string]string{
		"heartbeat": `SELECT monitor_id, CAST(time AS TEXT), status, ifnull(ping, 'NULL'), msg, important
			FROM heartbeat ORDER BY monitor_id, time`,
	}
	for _, tb := range []string{"stat_minutely", "stat_hourly", "stat_daily"} {
		queries[tb] = `SELECT monitor_id, timestamp, printf('%.17g', ping), ping_min, ping_max, up, down, ifnull(extras, 'NULL')
			FROM ` + tb + ` ORDER BY monitor_id, timestamp`
	}
	for name, q := range queries {
		want, got := rowsText(t, real, q), rowsText(t, built, q)
		if len(want) == 0 {
			t.Fatalf("%s: no rows in the real v2 demo", name)
		}
		if strings.Join(want, "\n") != strings.Join(got, "\n") {
			t.Errorf("%s: built %d rows, real Kuma %d; first differences:\n%s", name, len(got), len(want),
				firstDiffs(want, got, 5))
		}
	}
}

func rowsText(tb testing.TB, db *sql.DB, q string) []string {
	tb.Helper()
	rows, err := db.Query(q)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			tb.Fatal(err)
		}
		out = append(out, fmt.Sprint(vals...))
	}
	return out
}

func firstDiffs(want, got []string, n int) string {
	var d []string
	for i := 0; i < max(len(want), len(got)) && len(d) < n; i++ {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			d = append(d, fmt.Sprintf("row %d: real %q, built %q", i, w, g))
		}
	}
	return strings.Join(d, "\n")
}
