// Package kumadb builds Uptime Kuma SQLite databases, for the tests of
// sources/kuma and for the demo generator. It is a test and demo tool: the
// hindsight binary never writes a Kuma database.
//
// The schemas are real Kuma's, checked in as schema-v1.sql (Kuma 1.23.17)
// and schema-v2.sql (Kuma 2.5.3), with the settings and knex_migrations rows
// of a fresh database in seed-v1.sql and seed-v2.sql. They were dumped from
// the real fixtures in the shared folder beside the repository (see
// shared/notes/real-services.md, section 4), from this directory, with:
//
//	F=../../../../shared/fixtures/uptime-kuma
//	sqlite3 -readonly $F/kuma-v1-empty.db .schema | grep -v '^CREATE TABLE sqlite_sequence(name,seq);$' > schema-v1.sql
//	sqlite3 -readonly $F/kuma-v2-empty.db .schema | grep -v '^CREATE TABLE sqlite_sequence(name,seq);$' > schema-v2.sql
//	sqlite3 -readonly $F/kuma-v1-empty.db ".mode insert setting" "select * from setting order by id"   # seed-v1.sql
//	sqlite3 -readonly $F/kuma-v2-empty.db ".mode insert setting" "select * from setting order by id" \
//	  ".mode insert knex_migrations" "select * from knex_migrations order by id" \
//	  ".mode insert knex_migrations_lock" "select * from knex_migrations_lock"                        # seed-v2.sql
//
// No heartbeat of the fixtures is copied. The tests prove that what Create
// builds has the real schema (testdata/real-schema-v*.txt) and, when the
// shared fixtures are present, that Create makes the same stat_* rows and
// keeps the same heartbeats as real Kuma 2.5.3 did for the demo data.
//
// For Version 2, Create does what real Kuma 2.5.3 leaves behind when it
// upgrades a v1 database at Options.Now (server/database.js
// migrateAggregateTable, then clearHeartbeatData) followed by its daily
// clear-old-data job (server/jobs/clear-old-data.js), with the counting rules
// of server/uptime-calculator.js:
//
//   - stat_minutely, stat_hourly, stat_daily hold one row per monitor and
//     UTC minute, hour and day; up counts UP beats, down counts DOWN and
//     PENDING beats, MAINTENANCE beats only go into extras
//     {"maintenance":n}; ping, ping_min and ping_max cover UP beats with a
//     ping, the average taken incrementally as Kuma does;
//   - a minutely row is kept when its last beat is after Now-24h, an hourly
//     row when its last beat is after Now-30d, a daily row when it starts on
//     or after the UTC day of Now-365d;
//   - heartbeats older than 365 days are deleted; non-important heartbeats
//     older than 24 h (compared at second precision, as Kuma's SQL does) are
//     deleted unless they are among the newest 100 of their monitor.
package kumadb

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed schema-v1.sql
var schemaV1 string

//go:embed schema-v2.sql
var schemaV2 string

//go:embed seed-v1.sql
var seedV1 string

//go:embed seed-v2.sql
var seedV2 string

// Schema returns the checked-in CREATE statements of Kuma's database for
// version 1 (1.23.x) or 2 (2.x), and "" for any other version.
func Schema(version int) string {
	switch version {
	case 1:
		return schemaV1
	case 2:
		return schemaV2
	}
	return ""
}

// Kuma's heartbeat.status values.
const (
	Down        = 0
	Up          = 1
	Pending     = 2
	Maintenance = 3
)

// TimeFormat is how Kuma writes heartbeat.time: UTC, milliseconds, no zone.
const TimeFormat = "2006-01-02 15:04:05.000"

// Monitor is one row of Kuma's monitor table. For the types http, keyword
// and json-query URL goes to monitor.url; for the others (ping, port, dns,
// ...) it goes to monitor.hostname, as Kuma's form does.
type Monitor struct {
	ID         int
	Name       string
	Type       string // "" means http
	URL        string
	Interval   int // seconds; 0 means 60
	Active     bool
	MaxRetries int
}

// Beat is one heartbeat.
type Beat struct {
	MonitorID int
	T         time.Time
	Status    int // 0 down, 1 up, 2 pending, 3 maintenance
	PingMS    int // -1 stores NULL
	Msg       string
	Important bool
}

// Options says which database to build.
type Options struct {
	Version int // 1 or 2
	// Now is the time at which the v2 database is taken: pruning and
	// aggregation happen relative to it. Zero means the time of the last
	// beat. Version 1 ignores it: Kuma 1 keeps 180 days of raw beats.
	Now time.Time
}

// Important reports whether Kuma marks a beat with status cur important,
// given the status prev of the monitor's previous beat (first: there is
// none). It is Monitor.isImportantBeat of Kuma's server/model/monitor.js.
func Important(first bool, prev, cur int) bool {
	if first {
		return true
	}
	switch {
	case prev == Down && cur == Up, prev == Up && cur == Down, prev == Pending && cur == Down:
		return true
	case prev == Maintenance && (cur == Up || cur == Down):
		return true
	case (prev == Up || prev == Down) && cur == Maintenance:
		return true
	}
	return false
}

// MarkImportant sets Important on beats as Kuma would, per monitor in time
// order. Beats must be sorted by time within each monitor.
func MarkImportant(beats []Beat) {
	last := map[int]int{}
	for i := range beats {
		prev, seen := last[beats[i].MonitorID]
		beats[i].Important = Important(!seen, prev, beats[i].Status)
		last[beats[i].MonitorID] = beats[i].Status
	}
}

// Create writes a new Kuma database at path, which must not exist yet. The
// file is left in journal_mode=DELETE, with no -wal or -shm beside it.
func Create(path string, o Options, monitors []Monitor, beats []Beat) (err error) {
	schema, seed := schemaV1, seedV1
	switch o.Version {
	case 1:
	case 2:
		schema, seed = schemaV2, seedV2
	default:
		return fmt.Errorf("kumadb: create %s: version %d is not 1 or 2", path, o.Version)
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("kumadb: create %s: %w", path, ErrExists)
	}
	ids := map[int]bool{}
	for _, m := range monitors {
		if m.ID <= 0 || ids[m.ID] {
			return fmt.Errorf("kumadb: create %s: monitor %q: id %d is not positive and unique", path, m.Name, m.ID)
		}
		ids[m.ID] = true
	}
	for _, b := range beats {
		if !ids[b.MonitorID] {
			return fmt.Errorf("kumadb: create %s: beat at %s: no monitor %d", path, b.T.UTC().Format(TimeFormat), b.MonitorID)
		}
		if b.Status < Down || b.Status > Maintenance {
			return fmt.Errorf("kumadb: create %s: beat at %s: status %d is not 0..3", path, b.T.UTC().Format(TimeFormat), b.Status)
		}
	}

	// Heartbeat ids follow time, as a running Kuma assigns them.
	sorted := make([]Beat, len(beats))
	copy(sorted, beats)
	for i := range sorted {
		sorted[i].T = sorted[i].T.UTC().Truncate(time.Millisecond)
	}
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].T.Before(sorted[j].T) })

	now := o.Now.UTC()
	if now.IsZero() && len(sorted) > 0 {
		now = sorted[len(sorted)-1].T
	}
	keep := make([]bool, len(sorted))
	for i := range keep {
		keep[i] = true
	}
	var stats []statRow
	if o.Version == 2 {
		stats = aggregate(sorted, now)
		prune(sorted, keep, now)
	}

	db, err := sql.Open("sqlite", "file:"+uriPath(path)+"?_pragma=foreign_keys(0)")
	if err != nil {
		return fmt.Errorf("kumadb: create %s: %w", path, err)
	}
	defer func() {
		if cerr := db.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("kumadb: close %s: %w", path, cerr)
		}
		if err != nil {
			os.Remove(path)
		}
	}()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("kumadb: create %s: %w", path, err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(schema); err != nil {
		return fmt.Errorf("kumadb: create %s: schema: %w", path, err)
	}
	if _, err := tx.Exec(seed); err != nil {
		return fmt.Errorf("kumadb: create %s: seed rows: %w", path, err)
	}
	if err := insertMonitors(tx, monitors, sorted, now); err != nil {
		return fmt.Errorf("kumadb: create %s: %w", path, err)
	}
	if err := insertBeats(tx, o.Version, sorted, keep); err != nil {
		return fmt.Errorf("kumadb: create %s: %w", path, err)
	}
	if err := insertStats(tx, stats); err != nil {
		return fmt.Errorf("kumadb: create %s: %w", path, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("kumadb: create %s: commit: %w", path, err)
	}
	if _, err := db.Exec("PRAGMA journal_mode=DELETE"); err != nil {
		return fmt.Errorf("kumadb: create %s: journal mode: %w", path, err)
	}
	return nil
}

// uriPath escapes the characters that end or escape a path in an SQLite URI.
func uriPath(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
}

func httpLike(typ string) bool {
	switch typ {
	case "", "http", "keyword", "json-query", "real-browser":
		return true
	}
	return false
}

func insertMonitors(tx *sql.Tx, monitors []Monitor, beats []Beat, now time.Time) error {
	first := map[int]time.Time{}
	for _, b := range beats {
		if _, ok := first[b.MonitorID]; !ok {
			first[b.MonitorID] = b.T
		}
	}
	st, err := tx.Prepare(`INSERT INTO monitor (id, name, active, user_id, interval, url, type, hostname,
		created_date, maxretries, retry_interval, timeout, accepted_statuscodes_json)
		VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, '["200-299"]')`)
	if err != nil {
		return fmt.Errorf("insert monitors: %w", err)
	}
	defer st.Close()
	for _, m := range monitors {
		typ := m.Type
		if typ == "" {
			typ = "http"
		}
		interval := m.Interval
		if interval <= 0 {
			interval = 60
		}
		u, host := m.URL, any(nil)
		if !httpLike(typ) {
			u, host = "https://", m.URL // Kuma's form leaves url at its default
		}
		created, ok := first[m.ID]
		if !ok {
			created = now
		}
		_, err := st.Exec(m.ID, m.Name, m.Active, interval, u, typ, host,
			created.Add(-time.Minute).Format(time.DateTime), m.MaxRetries, interval, float64(interval)*0.8)
		if err != nil {
			return fmt.Errorf("insert monitor %d %q: %w", m.ID, m.Name, err)
		}
	}
	return nil
}

func insertBeats(tx *sql.Tx, version int, beats []Beat, keep []bool) error {
	q := `INSERT INTO heartbeat (id, important, monitor_id, status, msg, time, ping, duration, down_count)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)`
	if version == 2 {
		q = `INSERT INTO heartbeat (id, important, monitor_id, status, msg, time, ping, duration, down_count,
			end_time, retries) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, 0)`
	}
	st, err := tx.Prepare(q)
	if err != nil {
		return fmt.Errorf("insert heartbeats: %w", err)
	}
	defer st.Close()
	prev := map[int]time.Time{}
	for i, b := range beats {
		var ping any
		if b.PingMS >= 0 {
			ping = b.PingMS
		}
		// Kuma 1 stores the seconds since the monitor's previous beat;
		// Kuma 2 only does so for push monitors.
		duration := 0
		if p, ok := prev[b.MonitorID]; ok && version == 1 {
			duration = int(b.T.Sub(p) / time.Second)
		}
		prev[b.MonitorID] = b.T
		if !keep[i] {
			continue
		}
		args := []any{i + 1, b.Important, b.MonitorID, b.Status, b.Msg, b.T.Format(TimeFormat), ping, duration}
		if version == 2 {
			end := b.T.Add(time.Duration(max(b.PingMS, 0)) * time.Millisecond)
			args = append(args, end.Format(TimeFormat))
		}
		if _, err := st.Exec(args...); err != nil {
			return fmt.Errorf("insert heartbeat of monitor %d at %s: %w", b.MonitorID, b.T.Format(TimeFormat), err)
		}
	}
	return nil
}

// statRow is one row of stat_minutely, stat_hourly or stat_daily.
type statRow struct {
	table                 string
	monitorID             int
	ts                    int64 // bucket start, unix seconds
	up, down, maintenance int
	avg, min, max         float64
	last                  time.Time // time of the bucket's last beat
}

// add counts one beat as UptimeCalculator.update does.
func (r *statRow) add(status int, ping float64) {
	switch status {
	case Maintenance:
		r.maintenance++
	case Up:
		r.up++
		if !math.IsNaN(ping) {
			if r.up == 1 {
				r.avg, r.min, r.max = ping, ping, ping
			} else {
				r.avg = (r.avg*float64(r.up-1) + ping) / float64(r.up)
				r.min = math.Min(r.min, ping)
				r.max = math.Max(r.max, ping)
			}
		}
	case Down, Pending:
		r.down++
	}
}

// aggregate computes the stat_* rows Kuma 2 keeps at now for beats, which
// are sorted by time.
func aggregate(beats []Beat, now time.Time) []statRow {
	type key struct {
		table string
		mon   int
		ts    int64
	}
	rows := map[key]*statRow{}
	var order []key
	for _, b := range beats {
		ping := math.NaN() // parseFloat(null)
		if b.PingMS >= 0 {
			ping = float64(b.PingMS)
		}
		u := b.T.Unix()
		for _, k := range []key{
			{"stat_minutely", b.MonitorID, u - mod(u, 60)},
			{"stat_hourly", b.MonitorID, u - mod(u, 3600)},
			{"stat_daily", b.MonitorID, u - mod(u, 86400)},
		} {
			r := rows[k]
			if r == nil {
				r = &statRow{table: k.table, monitorID: k.mon, ts: k.ts}
				rows[k] = r
				order = append(order, k)
			}
			r.add(b.Status, ping)
			r.last = b.T
		}
	}
	minuteCut := now.Add(-24 * time.Hour)
	hourCut := now.AddDate(0, 0, -30)
	dayCut := now.AddDate(0, 0, -365).Truncate(24 * time.Hour).Unix()
	var out []statRow
	for _, k := range order {
		r := rows[k]
		switch {
		case k.table == "stat_minutely" && !r.last.After(minuteCut),
			k.table == "stat_hourly" && !r.last.After(hourCut),
			k.table == "stat_daily" && r.ts < dayCut:
			continue
		}
		out = append(out, *r)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.table != b.table {
			return a.table < b.table
		}
		if a.monitorID != b.monitorID {
			return a.monitorID < b.monitorID
		}
		return a.ts < b.ts
	})
	return out
}

func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

// prune clears keep for the heartbeats Kuma 2 deletes by now.
func prune(beats []Beat, keep []bool, now time.Time) {
	// clear-old-data: time < DATETIME('now', '-365 days'), seconds precision.
	sec := now.Truncate(time.Second)
	yearCut := sec.AddDate(0, 0, -365)
	dayCut := sec.Add(-24 * time.Hour)
	newest := map[int]int{} // per monitor, beats seen from the newest back
	for i := len(beats) - 1; i >= 0; i-- {
		b := beats[i]
		newest[b.MonitorID]++
		if b.T.Before(yearCut) {
			keep[i] = false
			continue
		}
		if !b.Important && b.T.Before(dayCut) && newest[b.MonitorID] > 100 {
			keep[i] = false
		}
	}
}

func insertStats(tx *sql.Tx, rows []statRow) error {
	if len(rows) == 0 {
		return nil
	}
	stmts := map[string]*sql.Stmt{}
	for _, t := range []string{"stat_minutely", "stat_hourly", "stat_daily"} {
		st, err := tx.Prepare(`INSERT INTO ` + t + ` (monitor_id, timestamp, ping, ping_min, ping_max, up, down, extras)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return fmt.Errorf("insert %s: %w", t, err)
		}
		defer st.Close()
		stmts[t] = st
	}
	for _, r := range rows {
		var extras any
		if r.maintenance > 0 {
			b, err := json.Marshal(map[string]int{"maintenance": r.maintenance})
			if err != nil {
				return err
			}
			extras = string(b)
		}
		if _, err := stmts[r.table].Exec(r.monitorID, r.ts, r.avg, r.min, r.max, r.up, r.down, extras); err != nil {
			return fmt.Errorf("insert %s monitor %d at %d: %w", r.table, r.monitorID, r.ts, err)
		}
	}
	return nil
}

// ErrExists is returned (wrapped) by Create when the file already exists.
var ErrExists = errors.New("file exists")
