package kumadb

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Gen describes a large synthetic Kuma 1 database for measuring speed and
// memory (BENCHMARKS.md, issue 19): Monitors HTTP monitors beating every
// Interval from From for Days days. Each monitor has one outage of
// OutageBeats DOWN beats (a PENDING beat before it, as Kuma's retries
// write), at a time that differs per monitor, and a latency that wanders
// with the time of day.
type Gen struct {
	Monitors    int
	Days        int
	Interval    time.Duration // 0 means 60 s
	From        time.Time
	OutageBeats int // 0 means 10
}

// Generate writes the database of g at path, which must not exist. The
// beats are written by SQLite itself (a recursive query), so a month of
// 300 monitors (13 M beats) takes a minute and little memory rather than
// gigabytes of Beats in Go.
func Generate(path string, g Gen) error {
	if g.Interval <= 0 {
		g.Interval = time.Minute
	}
	if g.OutageBeats <= 0 {
		g.OutageBeats = 10
	}
	if g.Monitors <= 0 || g.Days <= 0 || g.Interval < time.Second {
		return fmt.Errorf("kumadb: generate %s: monitors, days and an interval of 1 s or more are needed", path)
	}
	mons := make([]Monitor, g.Monitors)
	for i := range mons {
		mons[i] = Monitor{ID: i + 1, Name: fmt.Sprintf("svc-%03d", i+1),
			URL: fmt.Sprintf("https://svc%03d.example/health", i+1), Interval: int(g.Interval / time.Second), Active: true}
	}
	if err := Create(path, Options{Version: 1}, mons, nil); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", "file:"+uriPath(path)+"?_pragma=foreign_keys(0)&_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)")
	if err != nil {
		return fmt.Errorf("kumadb: generate %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	from := g.From.UTC().Truncate(time.Second)
	n := int64(time.Duration(g.Days) * 24 * time.Hour / g.Interval)
	step := int64(g.Interval / time.Second)
	// Beat i of monitor m is at from + i*step + m seconds; its outage
	// starts at beat (m*7919) mod (n-2*OutageBeats) + OutageBeats.
	out := int64(g.OutageBeats)
	stmts := []string{
		`DROP INDEX IF EXISTS monitor_id`, `DROP INDEX IF EXISTS important`,
		`DROP INDEX IF EXISTS monitor_time_index`, `DROP INDEX IF EXISTS monitor_important_time_index`,
		fmt.Sprintf(`WITH RECURSIVE i(v) AS (SELECT 0 UNION ALL SELECT v + 1 FROM i WHERE v + 1 < %[1]d),
			m(id, o) AS (SELECT id, (id * 7919) %% (%[1]d - 2 * %[2]d) + %[2]d FROM monitor),
			b AS (SELECT i.v AS v, m.id AS mid, CASE
				WHEN i.v >= m.o AND i.v < m.o + %[2]d THEN 0
				WHEN i.v = m.o - 1 THEN 2 ELSE 1 END AS st, m.o AS o FROM i, m)
			INSERT INTO heartbeat (important, monitor_id, status, msg, time, ping, duration, down_count)
			SELECT (v = 0 OR v = o OR v = o + %[2]d), mid, st,
				CASE st WHEN 1 THEN '200 - OK' WHEN 2 THEN 'timeout of 48000ms exceeded (retry 1)' ELSE 'connect ECONNREFUSED 10.0.0.' || mid || ':443' END,
				strftime('%%Y-%%m-%%d %%H:%%M:%%S.000', %[3]d + v * %[4]d + mid, 'unixepoch'),
				CASE st WHEN 1 THEN 40 + (v * mid * 7919) %% 61 + 30 * (((%[3]d + v * %[4]d) / 3600) %% 24 >= 9 AND ((%[3]d + v * %[4]d) / 3600) %% 24 < 18) ELSE NULL END,
				CASE WHEN v = 0 THEN 0 ELSE %[4]d END, 0
			FROM b ORDER BY v, mid`, n, out, from.Unix(), step),
		`CREATE INDEX [monitor_id] ON [heartbeat]([monitor_id])`,
		`CREATE INDEX [important] ON [heartbeat]([important])`,
		`CREATE INDEX monitor_time_index ON heartbeat (monitor_id, time)`,
		`CREATE INDEX monitor_important_time_index ON heartbeat (monitor_id, important,time)`,
		`UPDATE monitor SET created_date = '` + from.Add(-time.Minute).Format(time.DateTime) + `'`,
	}
	for _, q := range stmts {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("kumadb: generate %s: %w", path, err)
		}
	}
	return nil
}
