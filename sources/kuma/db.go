package kuma

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver of database/sql
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/hindsight-sre/hindsight/internal/lines"
	"github.com/hindsight-sre/hindsight/sources"
)

// kdb is one read-only connection to a Kuma database.
type kdb struct {
	name, path string // path names the database in errors: the file, or the MariaDB server and database
	sql        *sql.DB
	q          querier // sql, or a read-only transaction on it (MariaDB)
	tx         *sql.Tx
	mariadb    bool
	secret     string // the MariaDB password, cut out of messages
	version    int
	tables     map[string]bool
	// held is the span of the table's heartbeats, first to last by id
	// (Kuma appends them in time order); zero when unknown. Capacity
	// hints take the window's overlap with it, so that memory follows the
	// data, not the window (a 60-day window over 9 days of beats).
	held sources.Window
	uri  string // SQLite: the database's "file:" URI for rawConn
	// ids is the heartbeat table's id range, read once (idRange).
	ids struct {
		lo, hi   int64
		ok, read bool
	}
}

// readHeld sets k.held from the heartbeats with the least and the
// greatest id: two reads at the ends of the table's b-tree. Unreadable
// times leave it zero; it is only a hint.
func (k *kdb) readHeld(ctx context.Context) error {
	var lo, hi sql.NullString
	err := k.q.QueryRowContext(ctx, `SELECT (SELECT `+k.text("time")+` FROM heartbeat ORDER BY id LIMIT 1), (SELECT `+k.text("time")+` FROM heartbeat ORDER BY id DESC LIMIT 1)`).Scan(&lo, &hi)
	if err != nil {
		return k.wrap("read heartbeats of", err)
	}
	from, err1 := parseTime(lo.String)
	to, err2 := parseTime(hi.String)
	if err1 == nil && err2 == nil && !to.Before(from) {
		k.held = sources.Window{From: from, To: to}
	}
	return nil
}

// hint is the capacity of a slice of m's beats in [from, to): a beat per
// interval, at most one (summary) beat per step (see stepper), over the
// part of [from, to) the table holds beats in, plus slack.
func (k *kdb) hint(m monitor, from, to time.Time, step time.Duration) int {
	if m.interval <= 0 {
		return 8
	}
	iv := time.Duration(m.interval) * time.Second
	if !k.held.From.IsZero() {
		if from.Before(k.held.From) {
			from = k.held.From
		}
		if end := k.held.To.Add(iv); to.After(end) {
			to = end
		}
	}
	span := max(to.Sub(from), 0)
	n := span / iv
	if step > 0 {
		n = min(n, span/step+1)
	}
	// Slack of 1/32: a step with a failed check keeps its raw beats, so
	// a monitor with an outage holds a few beats more than steps; a slice
	// a beat short regrows by a quarter (a month of 300 monitors, one
	// outage each: 129 MB live where the beats need 104).
	return int(min(n+n/32+8, 1<<20))
}

// querier is what the reads need of *sql.DB and *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// text is the SQL that reads a DATETIME column as text in the database's
// dialect: Kuma writes UTC times as "2006-01-02 15:04:05".
func (k *kdb) text(expr string) string {
	if k.mariadb {
		return "CAST(" + expr + " AS CHAR)"
	}
	return "CAST(" + expr + " AS TEXT)"
}

// open opens the database read-only and finds which Kuma made it.
func (s *Source) open(ctx context.Context) (*kdb, error) {
	if s.mariadb() {
		return s.openMariaDB(ctx)
	}
	p := s.c.Path
	fi, err := os.Stat(p)
	if err != nil {
		return nil, statErr(s.c.Name, p, err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("kuma source %s: open %s: is a directory; hint: point sources.%s.path at the kuma.db file inside it", s.c.Name, p, s.c.Name)
	}
	if err := lines.Regular(p, fi.Mode()); err != nil {
		return nil, fmt.Errorf("kuma source %s: %w", s.c.Name, err)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, statErr(s.c.Name, p, err)
	}
	// mode=ro: SQLite opens the file read-only and never creates a journal;
	// query_only refuses any statement that would write. busy_timeout rides
	// out Kuma's checkpoints.
	// uri has SQLite's own parameters, for the table pass's connections
	// (rawConn); dsn adds the database/sql driver's.
	uri := "file:" + uriPath(abs) + "?mode=ro"
	if idle, err := walIdle(abs); err != nil {
		return nil, statErr(s.c.Name, p, err)
	} else if idle {
		// A WAL database without its -wal file is one no process has open
		// (SQLite removes -wal and -shm with the last connection): Kuma is
		// stopped. A read-only connection would create -wal and -shm and
		// leave them, owned by hindsight's user, where Kuma must later
		// write them. immutable=1 reads the file without creating either.
		uri += "&immutable=1"
	}
	dsn := uri + "&_pragma=query_only(1)&_pragma=busy_timeout(5000)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("kuma source %s: open %s: %w", s.c.Name, p, err)
	}
	db.SetMaxOpenConns(1)
	k := &kdb{name: s.c.Name, path: p, sql: db, q: db, uri: uri}
	if err := k.detect(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return k, nil
}

func (k *kdb) close() {
	if k.tx != nil {
		_ = k.tx.Rollback() // nothing was written: the transaction is read-only
	}
	k.sql.Close()
}

// walIdle reports whether path is an SQLite database in WAL mode (header
// bytes 18 and 19 are 2) with no -wal file beside it.
func walIdle(path string) (bool, error) {
	f, err := lines.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	var h [20]byte
	if _, err := io.ReadFull(f, h[:]); err != nil {
		return false, nil // too short for SQLite: the driver says what it is
	}
	if string(h[:16]) != "SQLite format 3\x00" || h[18] != 2 || h[19] != 2 {
		return false, nil
	}
	if _, err := os.Stat(path + "-wal"); errors.Is(err, os.ErrNotExist) {
		return true, nil
	}
	return false, nil
}

// uriPath escapes the characters that end or escape a path in an SQLite URI.
func uriPath(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
}

// wrap explains an SQLite error in terms of what the user can do.
func (k *kdb) wrap(doing string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if k.mariadb {
		return k.wrapMariaDB(doing, err)
	}
	// *sqlite.Error from the driver, *rawError from the table pass.
	var se interface{ Code() int }
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_NOTADB:
			return fmt.Errorf("kuma source %s: %s %s: not an SQLite database (%w); hint: sources.%s.path must be Uptime Kuma's kuma.db", k.name, doing, k.path, errNotKuma, k.name)
		case sqlite3.SQLITE_CORRUPT:
			return fmt.Errorf("kuma source %s: %s %s: the database is corrupt (%v); hint: run sqlite3 %s \"PRAGMA integrity_check\", or read a copy made with sqlite3 kuma.db \".backup copy.db\" while Kuma runs", k.name, doing, k.path, err, k.path)
		case sqlite3.SQLITE_CANTOPEN:
			return fmt.Errorf("kuma source %s: %s %s: %v; hint: with Kuma running, hindsight must be able to read kuma.db-wal and kuma.db-shm beside it", k.name, doing, k.path, err)
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return fmt.Errorf("kuma source %s: %s %s: %v; hint: Kuma held a lock for more than 5 s, try again", k.name, doing, k.path, err)
		}
	}
	return fmt.Errorf("kuma source %s: %s %s: %w", k.name, doing, k.path, err)
}

// detect finds the tables and the Kuma major version: 2 when the database
// has knex_migrations, stat_* tables or heartbeat.end_time (added by Kuma 2's
// migrations), else 1.
func (k *kdb) detect(ctx context.Context) error {
	tablesSQL := `SELECT name FROM sqlite_master WHERE type = 'table'`
	endTimeSQL := `SELECT count(*) FROM pragma_table_info('heartbeat') WHERE name = 'end_time'`
	if k.mariadb {
		tablesSQL = `SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()`
		endTimeSQL = `SELECT count(*) FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'heartbeat' AND column_name = 'end_time'`
	}
	rows, err := k.q.QueryContext(ctx, tablesSQL)
	if err != nil {
		return k.wrap("read schema of", err)
	}
	k.tables = map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return k.wrap("read schema of", err)
		}
		k.tables[n] = true
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return k.wrap("read schema of", err)
	}
	rows.Close()
	if !k.tables["monitor"] || !k.tables["heartbeat"] {
		if k.mariadb {
			return fmt.Errorf("kuma source %s: read %s: %w (no monitor and heartbeat tables); hint: database must name the one Kuma uses (KUMA_DB_NAME, kuma by default)", k.name, k.path, errNotKuma)
		}
		return fmt.Errorf("kuma source %s: read %s: %w (no monitor and heartbeat tables); hint: sources.%s.path must be Kuma's data/kuma.db", k.name, k.path, errNotKuma, k.name)
	}
	k.version = 1
	if k.tables["knex_migrations"] || k.tables["stat_daily"] {
		k.version = 2
	} else {
		var n int
		err := k.q.QueryRowContext(ctx, endTimeSQL).Scan(&n)
		if err != nil {
			return k.wrap("read schema of", err)
		}
		if n > 0 {
			k.version = 2
		}
	}
	return nil
}

func (k *kdb) monitors(ctx context.Context) ([]monitor, error) {
	// interval is a reserved word in MariaDB: quoted with backticks, which
	// SQLite reads too.
	rows, err := k.q.QueryContext(ctx, "SELECT id, ifnull(name, ''), ifnull(type, ''), ifnull(url, ''),"+
		" ifnull(hostname, ''), ifnull(port, 0), ifnull(`interval`, 0), ifnull(active, 0), ifnull(grpc_url, '')"+
		" FROM monitor ORDER BY id")
	if err != nil {
		return nil, k.wrap("read monitors of", err)
	}
	defer rows.Close()
	var out []monitor
	for rows.Next() {
		var m monitor
		if err := rows.Scan(&m.id, &m.name, &m.typ, &m.url, &m.host, &m.port, &m.interval, &m.active, &m.grpcTarget); err != nil {
			return nil, k.wrap("read monitors of", err)
		}
		if m.name == "" {
			m.name = fmt.Sprintf("monitor %d", m.id)
		}
		out = append(out, m)
	}
	return out, k.wrap("read monitors of", rows.Err())
}

func (k *kdb) lastBeat(ctx context.Context) (time.Time, bool, error) {
	var s sql.NullString
	err := k.q.QueryRowContext(ctx, `SELECT `+k.text("max(time)")+` FROM heartbeat`).Scan(&s)
	if err != nil {
		return time.Time{}, false, k.wrap("read heartbeats of", err)
	}
	if !s.Valid {
		return time.Time{}, false, nil
	}
	t, err := parseTime(s.String)
	if err != nil {
		return time.Time{}, false, k.wrap("read heartbeats of", fmt.Errorf("time %q: %w", s.String, err))
	}
	return t, true, nil
}

// probe reads one monitor's beats in w; note says which aggregates stand in
// for raw beats, if any.
// pre holds the raw beats of monitors already read by scanBeats.
func (k *kdb) probe(ctx context.Context, m monitor, w sources.Window, step time.Duration, in internTable, pre map[int][]sources.Beat) (sources.Probe, string, error) {
	p := sources.Probe{
		Name:     m.name,
		Target:   m.target(),
		Interval: time.Duration(m.interval) * time.Second,
	}
	// Kuma 2: raw beats are complete from the earliest non-important one on.
	v2 := k.version >= 2 && k.tables["stat_daily"]
	rawFrom, hasRaw := w.From, false
	if v2 {
		rawFrom = w.To
		var first sql.NullString
		err := k.q.QueryRowContext(ctx, `SELECT `+k.text("time")+` FROM heartbeat
			WHERE monitor_id = ? AND important = 0 ORDER BY time LIMIT 1`, m.id).Scan(&first)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return p, "", k.wrap("read heartbeats of", err)
		}
		if first.Valid {
			t, err := parseTime(first.String)
			if err != nil {
				return p, "", k.wrap("read heartbeats of", fmt.Errorf("monitor %d: time %q: %w", m.id, first.String, err))
			}
			if t.Before(rawFrom) {
				rawFrom, hasRaw = t, true
			}
		}
	}
	// A capacity guess saves the slice's regrowth.
	from := w.From
	if rawFrom.After(from) {
		from = rawFrom
	}
	hint := k.hint(m, from, w.To, step)
	// Where Kuma 2's aggregates stand in for the older part, the raw
	// beats (a day's) stay raw: the last aggregate may reach over them,
	// and raw beats inside an aggregate count for timing only.
	if rawFrom.After(w.From) {
		step = 0
	}
	raw, ok := pre[m.id]
	if !ok || rawFrom.After(w.From) {
		var err error
		raw, err = k.rawBeats(ctx, m.id, w.From, w.To, step, hint, in)
		if err != nil {
			return p, "", err
		}
	}
	if !rawFrom.After(w.From) {
		p.Beats = raw
		return p, "", nil
	}
	sum, segs, err := k.summaries(ctx, m.id, w.From, rawFrom, raw)
	if err != nil {
		return p, "", err
	}
	for _, b := range sum {
		p.Resolution = max(p.Resolution, b.Span)
	}
	p.Beats = append(sum, raw...)
	slices.SortStableFunc(p.Beats, func(a, b sources.Beat) int {
		if c := a.T.Compare(b.T); c != 0 {
			return c
		}
		return cmp.Compare(b.Span, a.Span) // a summary before a raw beat at its start
	})
	return p, notes(segs, rawFrom, hasRaw), nil
}

// rawBeats reads the heartbeats of monitor id in [from, to), oldest first,
// streamed through a stepper: a step of the analysis in which every check
// passed is one summary beat, so that memory grows with the steps that
// hold data, not with the heartbeats (issue 19: 300 monitors' month).
func (k *kdb) rawBeats(ctx context.Context, id int, from, to time.Time, step time.Duration, hint int, in internTable) ([]sources.Beat, error) {
	// Text bounds to the second widen the range to whole seconds; the
	// parsed times are then filtered exactly.
	hi := to.Truncate(time.Second)
	if hi.Before(to) {
		hi = hi.Add(time.Second)
	}
	rows, err := k.q.QueryContext(ctx, `SELECT `+k.text("time")+`, status, ping, ifnull(msg, '')
		FROM heartbeat WHERE monitor_id = ? AND time >= ? AND time < ? ORDER BY time`,
		id, timeText(from.Truncate(time.Second)), timeText(hi))
	if err != nil {
		return nil, k.wrap("read heartbeats of", err)
	}
	defer rows.Close()
	st := stepper{from: from, step: step, cur: -1, prevUp: true}
	// RawBytes: the time is parsed and the message interned from the
	// driver's buffer, without a string per row.
	var ts, msg sql.RawBytes
	first := true
	var status int
	var ping sql.NullFloat64
	n := 0
	for rows.Next() {
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if err := rows.Scan(&ts, &status, &ping, &msg); err != nil {
			return nil, k.wrap("read heartbeats of", err)
		}
		t, err := parseTime([]byte(ts))
		if err != nil {
			return nil, k.wrap("read heartbeats of", fmt.Errorf("monitor %d: time %q: %w", id, ts, err))
		}
		if t.Before(from) || !t.Before(to) {
			continue
		}
		if first {
			st.out, first = make([]sources.Beat, 0, hint), false
		}
		b := sources.Beat{T: t, Status: sources.Status(status), Msg: in.internBytes(msg)}
		if ping.Valid && ping.Float64 > 0 {
			b.Latency = time.Duration(ping.Float64 * float64(time.Millisecond))
		}
		st.add(b)
	}
	if err := rows.Err(); err != nil {
		return nil, k.wrap("read heartbeats of", err)
	}
	st.flush()
	return st.out, nil
}

// scanWorth reports whether reading the whole heartbeat table once, in
// the order it is stored, is cheaper than reading each monitor's beats
// through the (monitor_id, time) index: Kuma appends beats as they happen,
// so one monitor's beats are spread over every page of the table, and
// reading 300 monitors one by one reads each page 300 times (a month of
// 300 monitors: 280 s against 60 s, BENCHMARKS.md). It is when the
// window's beats, estimated from the monitors' intervals, are a quarter
// of the table or more. Kuma 2 keeps a day of raw beats (the rest is in
// its aggregate tables) and is read per monitor.
func (k *kdb) scanWorth(ctx context.Context, ms []monitor, w sources.Window) (bool, error) {
	if k.version >= 2 && k.tables["stat_daily"] || len(ms) < 2 {
		return false, nil
	}
	lo, hi, ok, err := k.idRange(ctx)
	if err != nil || !ok {
		return false, err
	}
	var want float64
	for _, m := range ms {
		iv := time.Duration(max(m.interval, 20)) * time.Second // Kuma's shortest interval is 20 s
		want += float64(w.Duration() / iv)
	}
	return want*4 >= float64(hi-lo+1), nil
}

// idRange returns the least and the greatest heartbeat id (ok false for
// an empty table), read once per connection: scanWorth and scanSplit
// both need them.
func (k *kdb) idRange(ctx context.Context) (lo, hi int64, ok bool, err error) {
	if !k.ids.read {
		var l, h sql.NullInt64
		// Two subqueries: SQLite reads a lone min() or max() of the rowid
		// from the b-tree's ends, but both in one query scan the table
		// (1 CPU-s on 13 M rows).
		if err := k.q.QueryRowContext(ctx, `SELECT (SELECT min(id) FROM heartbeat), (SELECT max(id) FROM heartbeat)`).Scan(&l, &h); err != nil {
			return 0, 0, false, k.wrap("read heartbeats of", err)
		}
		k.ids.lo, k.ids.hi, k.ids.ok, k.ids.read = l.Int64, h.Int64, l.Valid && h.Valid, true
	}
	return k.ids.lo, k.ids.hi, k.ids.ok, nil
}

// scanBeats reads the beats of the monitors ms in w in one pass over the
// heartbeat table, each monitor's through its own stepper, as rawBeats
// would. A monitor whose beats are not stored in time order (a database
// put together from backups) is left out of the result, to be read
// through the index in time order.
//
// On SQLite the pass reads through SQLite's C API (rawConn) and is split
// by id into ranges read at once on up to 4 read-only connections, one
// per core: SQLite's VM costs a third of a CPU-microsecond a row, and one
// core reads a month of 300 monitors in 5.4 s, two in 2.7 s (issue 19,
// BENCHMARKS.md). The ranges are joined per monitor in id order
// (scanMerge), which gives what one pass gives. Each connection reads
// its own snapshot: with Kuma writing, a later range may hold beats
// written after an earlier one was read, as a pass a moment later would.
func (k *kdb) scanBeats(ctx context.Context, ms []monitor, w sources.Window, step time.Duration, in internTable) (map[int][]sources.Beat, error) {
	// At most 4 connections: each holds a range's beats until it is
	// joined, and the table's pages are read from one disk.
	procs := min(runtime.GOMAXPROCS(0), 4)
	bounds, err := k.scanSplit(ctx, procs)
	if err != nil {
		return nil, err
	}
	return k.scanParts(ctx, ms, w, step, in, bounds, procs)
}

// scanRows is how many rows a range of the parallel pass holds at least:
// below it a second connection costs more than it saves.
var scanRows int64 = 1 << 16

// scanSplit returns the ids that split the heartbeat table into ranges of
// about equal rows, 64 per connection, so that each range is joined soon
// after it is read and few ranges' beats wait beside the joined ones;
// none on MariaDB (one read-only transaction, one connection) or one core.
func (k *kdb) scanSplit(ctx context.Context, procs int) ([]int64, error) {
	if k.mariadb || procs < 2 {
		return nil, nil
	}
	lo, hi, ok, err := k.idRange(ctx)
	if err != nil || !ok {
		return nil, err
	}
	rows := hi - lo + 1
	n := min(int64(64*procs), rows/scanRows)
	var bounds []int64
	for i := int64(1); i < n; i++ {
		bounds = append(bounds, lo+rows*i/n)
	}
	return bounds, nil
}

// scanMon is one monitor's part of one range of the table pass. Its head
// holds the raw beats of the first step it saw, which a range before it
// may have begun: they go through the joined stepper (scanMerge); the
// stepper st takes the steps after it, from the head's last beat on, and
// its last step stays pending, as a later range may continue it. The
// first range has no head.
type scanMon struct {
	st          stepper
	head        []sources.Beat
	headK       int64
	started     bool      // a beat was seen; headK is set
	more        bool      // a step after the head was seen (always in the first range)
	seen        bool      // an in-window beat was read
	first, last time.Time // the first and the last of them
	bad         bool      // out of time order: read again through the index
	hint        int
}

func (s *scanMon) add(b sources.Beat) {
	if s.more {
		if s.st.out == nil {
			s.st.out = make([]sources.Beat, 0, s.hint)
		}
		s.st.add(b)
		return
	}
	k := int64(-1)
	if s.st.step > 0 {
		k = int64(b.T.Sub(s.st.from) / s.st.step)
	}
	if !s.started {
		s.headK, s.started = k, true
	}
	if k == s.headK && s.st.step > 0 {
		s.head = append(s.head, b)
		return
	}
	s.more = true
	s.st.prevUp = len(s.head) == 0 || s.head[len(s.head)-1].Status == sources.Up
	s.add(b)
}

// scanParts reads the table in the ranges split by bounds (ids; none:
// one range), on up to procs connections, and joins them.
func (k *kdb) scanParts(ctx context.Context, ms []monitor, w sources.Window, step time.Duration, in internTable, bounds []int64, procs int) (map[int][]sources.Beat, error) {
	n := len(bounds) + 1
	hints := make(map[int]int, len(ms))
	for _, m := range ms {
		hints[m.id] = k.hint(m, w.From, w.To, step)
	}
	// Joined parts come back here to be read into again: a range's beats
	// are garbage once joined (fresh slices for every range were a seventh
	// of the pass's allocation).
	free := make(chan map[int]*scanMon, 2*procs+2)
	newPart := func(i int) map[int]*scanMon {
		if i > 0 {
			select {
			case by := <-free:
				for _, s := range by {
					*s = scanMon{st: stepper{from: w.From, step: step, cur: -1, prevUp: true,
						out: s.st.out[:0], pend: s.st.pend[:0]}, head: s.head[:0], hint: s.hint}
				}
				return by
			default:
			}
		}
		by := make(map[int]*scanMon, len(ms))
		for _, m := range ms {
			h := hints[m.id]
			if i > 0 {
				h = h/n + h/(4*n) + 8 // a range's share and slack; the first is kept
			}
			by[m.id] = &scanMon{st: stepper{from: w.From, step: step, cur: -1, prevUp: true}, more: i == 0, hint: h}
		}
		return by
	}
	if n == 1 {
		part := newPart(0)
		var rc *rawConn
		if !k.mariadb {
			var err error
			if rc, err = openRaw(k.uri); err != nil {
				return nil, k.wrap("read heartbeats of", err)
			}
			defer rc.close()
		}
		if err := k.scanRange(ctx, rc, part, w, in, false, 0, false, 0); err != nil {
			return nil, err
		}
		return scanJoin(part), nil
	}
	// Each range on its own connection: SQLite's reads run in parallel
	// only on distinct connections.
	procs = max(min(n, procs), 1)
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		part map[int]*scanMon
		err  error
	}
	done := make([]chan result, n)
	for i := range done {
		done[i] = make(chan result, 1)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := internTable{} // not shared: a map
			rc, err := openRaw(k.uri)
			if err != nil {
				err = k.wrap("read heartbeats of", err)
				cancel()
			} else {
				defer rc.close()
			}
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				part := newPart(i)
				var lo, hi int64
				if i > 0 {
					lo = bounds[i-1]
				}
				if i < n-1 {
					hi = bounds[i]
				}
				if rc != nil {
					err = k.scanRange(ctx, rc, part, w, in, i > 0, lo, i < n-1, hi)
				}
				if err != nil {
					part = nil
					cancel() // the others stop at their next check
				}
				done[i] <- result{part, err}
			}
		}()
	}
	defer wg.Wait()
	// Every range sends a result, so that this loop never waits for one
	// that will not come; the first error not caused by the cancel above
	// is the one to say.
	var acc map[int]*scanMon
	var errs []error
	for i := range n {
		r := <-done[i]
		if r.err != nil {
			errs = append(errs, r.err)
			continue
		}
		if len(errs) > 0 {
			continue
		}
		if acc == nil {
			acc = r.part
			continue
		}
		for id, s := range acc {
			scanMerge(s, r.part[id])
		}
		select {
		case free <- r.part:
		default:
		}
	}
	if len(errs) > 0 {
		if err := parent.Err(); err != nil {
			return nil, err
		}
		for _, err := range errs {
			if !errors.Is(err, context.Canceled) {
				return nil, err
			}
		}
		return nil, errs[0]
	}
	return scanJoin(acc), nil
}

// scanMerge appends the next range's part c of a monitor to the joined
// part s (which has no head): c's head steps through s's stepper, as if
// one pass had read both, and c's finished steps follow.
func scanMerge(s, c *scanMon) {
	if s.bad || c.bad {
		s.bad = true
		return
	}
	if !c.seen {
		return
	}
	if s.seen && c.first.Before(s.last) {
		s.bad = true
		return
	}
	if s.st.out == nil {
		s.st.out = make([]sources.Beat, 0, s.hint)
	}
	for _, b := range c.head {
		s.st.add(b)
	}
	if c.more {
		s.st.flush()
		s.st.out = append(s.st.out, c.st.out...)
		s.st.pend = append(s.st.pend[:0], c.st.pend...)
		s.st.cur, s.st.prevUp = c.st.cur, c.st.prevUp
	}
	if !s.seen {
		s.first, s.seen = c.first, true
	}
	s.last = c.last
}

// scanJoin ends the joined parts' steppers.
func scanJoin(by map[int]*scanMon) map[int][]sources.Beat {
	out := make(map[int][]sources.Beat, len(by))
	for id, s := range by {
		if !s.bad {
			s.st.flush()
			out[id] = s.st.out
		}
	}
	return out
}

// scanRange reads the heartbeats with ids in [lo, hi) (either bound
// optional) into the parts by, in id order: through rc on SQLite, through
// k.q on MariaDB (rc nil).
func (k *kdb) scanRange(ctx context.Context, rc *rawConn, by map[int]*scanMon, w sources.Window, in internTable, hasLo bool, lo int64, hasHi bool, hi int64) error {
	where, args := "", []int64{}
	switch {
	case hasLo && hasHi:
		where, args = ` WHERE id >= ? AND id < ?`, []int64{lo, hi}
	case hasLo:
		where, args = ` WHERE id >= ?`, []int64{lo}
	case hasHi:
		where, args = ` WHERE id < ?`, []int64{hi}
	}
	sc := scanner{by: by, w: w, in: in}
	if n := maxID(by); n < 1<<20 {
		// Monitor ids are small and dense: a slice finds a row's monitor
		// in a third of a map's time.
		sc.idx = make([]*scanMon, n+1)
		for id, s := range by {
			sc.idx[id] = s
		}
	}
	if rc == nil {
		return k.scanRangeSQL(ctx, &sc, where, args)
	}
	// No time bound in the query: the window is most of the table, and a
	// bound on Kuma's DATETIME column costs a text-to-number conversion
	// per row; times are parsed and compared here. The columns as they
	// are stored: SQLite's VM only copies them, and rawStmt reads the
	// time and the message from its buffers.
	st, err := rc.query(ctx, `SELECT monitor_id, time, status, ping, msg FROM heartbeat`+where+` ORDER BY id`, args...)
	if err != nil {
		return k.wrap("read heartbeats of", err)
	}
	defer st.close()
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		ok, err := st.next()
		if !ok {
			if err != nil {
				if cerr := ctx.Err(); cerr != nil {
					return cerr
				}
				return k.wrap("read heartbeats of", err)
			}
			return nil
		}
		if st.null(0) {
			continue // a beat of no monitor
		}
		// Status converts as rawBeats converts it, so that the pass and
		// the index give the same beats; a NULL ping is 0.
		if err := sc.row(st.int64(0), st.int64(2), st.float64(3), st.text(1), st.text(4)); err != nil {
			return k.wrap("read heartbeats of", err)
		}
	}
}

// scanRangeSQL is scanRange through database/sql (MariaDB).
func (k *kdb) scanRangeSQL(ctx context.Context, sc *scanner, where string, args []int64) error {
	qargs := make([]any, len(args))
	for i, a := range args {
		qargs[i] = a
	}
	qs := `SELECT monitor_id, ` + k.text("time") + `, status, ping, ifnull(msg, '') FROM heartbeat` + where + ` ORDER BY id`
	rows, err := k.q.QueryContext(ctx, qs, qargs...)
	if err != nil {
		return k.wrap("read heartbeats of", err)
	}
	defer rows.Close()
	// Numbers are scanned into any: database/sql converts an int64 into
	// an int or a float through its text (a third of the pass's time).
	var ts, msg sql.RawBytes
	var idv, statusv, pingv any
	n := 0
	for rows.Next() {
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := rows.Scan(&idv, &ts, &statusv, &pingv, &msg); err != nil {
			return k.wrap("read heartbeats of", err)
		}
		if idv == nil {
			continue // a beat of no monitor
		}
		id, ok1 := asInt(idv)
		status, ok2 := asInt(statusv)
		if !ok1 || !ok2 {
			return k.wrap("read heartbeats of", fmt.Errorf("monitor id %v, status %v: not numbers", idv, statusv))
		}
		ping, _ := asFloat(pingv)
		if err := sc.row(id, status, ping, ts, msg); err != nil {
			return k.wrap("read heartbeats of", err)
		}
	}
	if err := rows.Err(); err != nil {
		return k.wrap("read heartbeats of", err)
	}
	return nil
}

// scanner takes the rows of one range of the table pass into its parts.
type scanner struct {
	by  map[int]*scanMon
	idx []*scanMon // by, indexed by monitor id; nil when ids are too large
	w   sources.Window
	in  internTable
}

// row takes one heartbeat: its monitor's id, status, ping (ms; 0 for
// none), time text and message. ts and msg may be the driver's buffers:
// they are not kept.
func (sc *scanner) row(id, status int64, ping float64, ts, msg []byte) error {
	var s *scanMon
	if sc.idx != nil {
		if id >= 0 && id < int64(len(sc.idx)) {
			s = sc.idx[id]
		}
	} else if id >= 0 && id <= math.MaxInt32 {
		s = sc.by[int(id)]
	}
	if s == nil || s.bad {
		return nil
	}
	t, err := parseTime(ts)
	if err != nil {
		return fmt.Errorf("monitor %d: time %q: %w", id, ts, err)
	}
	if t.Before(sc.w.From) || !t.Before(sc.w.To) {
		return nil
	}
	if s.seen && t.Before(s.last) {
		s.bad = true // read again in time order
		return nil
	}
	if !s.seen {
		s.first, s.seen = t, true
	}
	s.last = t
	b := sources.Beat{T: t, Status: sources.Status(status), Msg: sc.in.internBytes(msg)}
	if ping > 0 {
		b.Latency = time.Duration(ping * float64(time.Millisecond))
	}
	s.add(b)
	return nil
}

// maxID is the largest monitor id of by.
func maxID(by map[int]*scanMon) int {
	n := 0
	for id := range by {
		n = max(n, id)
	}
	return n
}

// asInt and asFloat read a number the driver returned: SQLite gives int64
// or float64 by the value's storage class, MariaDB may give text.
func asInt(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case float64:
		return int64(x), true
	case []byte:
		n, err := strconv.ParseInt(string(x), 10, 64)
		return n, err == nil
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		return n, err == nil
	}
	return 0, false
}

func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case []byte:
		f, err := strconv.ParseFloat(string(x), 64)
		return f, err == nil
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false // NULL
}

// stepper gathers one monitor's raw beats, oldest first, per step of the
// analysis grid ([from+k*step, from+(k+1)*step)). A step whose beats are
// all UP, two or more, after an UP beat (or none), becomes one summary
// beat (Span step, Checks, Failed 0, the mean latency of those with one,
// as the analysis takes per step anyway); any other step keeps its beats
// as they are: a failed or PENDING check, its message, the first UP after
// it (an outage's end) and maintenance keep their exact times. With no
// step, or a step no longer than the interval, every beat stays raw.
type stepper struct {
	from   time.Time
	step   time.Duration
	out    []sources.Beat
	pend   []sources.Beat // the current step's beats
	cur    int64          // the current step's index, -1 before the first
	prevUp bool           // the beat before the current step was UP (or none)
}

func (s *stepper) add(b sources.Beat) {
	if s.step <= 0 {
		s.out = append(s.out, b)
		return
	}
	if k := int64(b.T.Sub(s.from) / s.step); k != s.cur {
		s.flush()
		s.cur = k
	}
	s.pend = append(s.pend, b)
}

func (s *stepper) flush() {
	n := len(s.pend)
	if n == 0 {
		return
	}
	up := s.prevUp && n >= 2
	var sum time.Duration
	with := 0
	for _, b := range s.pend {
		if b.Status != sources.Up {
			up = false
			break
		}
		if b.Latency > 0 {
			sum += b.Latency
			with++
		}
	}
	if up {
		sb := sources.Beat{T: s.from.Add(time.Duration(s.cur) * s.step), Span: s.step, Checks: n,
			Status: sources.Up, Msg: s.pend[n-1].Msg}
		if with > 0 {
			sb.Latency = sum / time.Duration(with)
		}
		s.out = append(s.out, sb)
	} else {
		s.out = append(s.out, s.pend...)
	}
	s.prevUp = s.pend[n-1].Status == sources.Up
	s.pend = s.pend[:0]
}
