package kuma

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// TestRawConnReadOnly: the table pass's own connection refuses every
// write and leaves the file as it was, nothing beside it.
func TestRawConnReadOnly(t *testing.T) {
	path := mustBuild(t, 1, time.Time{}, demoMonitors, demoBeats(demoFrom, 60, demoOutage))
	before := fileSum(t, path)
	c, err := openRaw("file:" + uriPath(path) + "?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE x (a)`,
		`DELETE FROM heartbeat`,
		`UPDATE heartbeat SET status = 0`,
	} {
		if err := c.exec(q); err == nil {
			t.Errorf("%s: no error on a read-only connection", q)
		}
	}
	st, err := c.query(context.Background(), `SELECT count(*), max(monitor_id) FROM heartbeat WHERE id >= ?`, 1)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := st.next(); !ok || err != nil {
		t.Fatalf("count: %v %v", ok, err)
	}
	if n, m := st.int64(0), st.int64(1); n != 120 || m != 2 {
		t.Errorf("count, max(monitor_id) = %d, %d; want 120, 2", n, m)
	}
	st.close()
	c.close()
	if fileSum(t, path) != before {
		t.Error("the raw connection changed the database file")
	}
	for _, suffix := range []string{"-wal", "-shm", "-journal"} {
		if _, err := os.Stat(path + suffix); err == nil {
			t.Errorf("the raw connection left %s beside the database", suffix)
		}
	}
}

// TestRawConnInterrupt: a statement whose one step runs long ends soon
// after its context does (sqlite3_interrupt from the context's AfterFunc);
// the row loop's own checks come only between rows.
func TestRawConnInterrupt(t *testing.T) {
	path := mustBuild(t, 1, time.Time{}, demoMonitors, demoBeats(demoFrom, 60, demoOutage))
	c, err := openRaw("file:" + uriPath(path) + "?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	// Minutes of work in one step.
	st, err := c.query(ctx, `WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n LIMIT 10000000000) SELECT count(*) FROM n`)
	if err != nil {
		t.Fatal(err)
	}
	defer st.close()
	start := time.Now()
	ok, err := st.next()
	if ok || !errors.Is(err, errInterrupted) {
		t.Errorf("next past the deadline: %v, %v; want interrupted", ok, err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the step ran %v past a 50 ms deadline", d)
	}
	// The connection is still good for the next statement.
	st2, err := c.query(context.Background(), `SELECT 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.close()
	if ok, err := st2.next(); !ok || err != nil || st2.int64(0) != 1 {
		t.Errorf("after an interrupt: %v %v", ok, err)
	}
}

// TestRawConnErrors: a missing file and bad SQL are errors with SQLite's
// message, not a panic.
func TestRawConnErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none.db")
	if _, err := openRaw("file:" + uriPath(missing) + "?mode=ro"); err == nil || !strings.Contains(err.Error(), "unable to open") {
		t.Errorf("open a missing file: %v", err)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("mode=ro created the file")
	}
	path := mustBuild(t, 1, time.Time{}, demoMonitors, demoBeats(demoFrom, 10, demoOutage))
	c, err := openRaw("file:" + uriPath(path) + "?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	if _, err := c.query(context.Background(), `SELECT nope FROM heartbeat`); err == nil || !strings.Contains(err.Error(), "no such column") {
		t.Errorf("bad SQL: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.query(ctx, `SELECT 1`); !errors.Is(err, context.Canceled) {
		t.Errorf("query with a canceled context: %v", err)
	}
}

// TestScanCorruptPage: a heartbeat page that is garbage, met in the
// middle of the table pass, is an error that says the database is
// corrupt, with the hint the driver's errors get, not SQLite's bare
// "malformed".
func TestScanCorruptPage(t *testing.T) {
	path := mustBuild(t, 1, time.Time{}, demoMonitors, demoBeats(demoFrom, 3*1440, demoOutage))
	db, err := sql.Open("sqlite", "file:"+uriPath(path)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	var pages []int64
	rows, err := db.Query(`SELECT pageno FROM dbstat WHERE name = 'heartbeat' AND pagetype = 'leaf' ORDER BY pageno`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var p int64
		if err := rows.Scan(&p); err != nil {
			t.Fatal(err)
		}
		pages = append(pages, p)
	}
	var size int64
	if err := db.QueryRow(`PRAGMA page_size`).Scan(&size); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if len(pages) < 10 {
		t.Fatalf("the heartbeat table has %d leaf pages", len(pages))
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	// A middle leaf: the first and the last are read for the table's
	// span before the pass begins.
	if _, err := f.WriteAt(bytes.Repeat([]byte{0x5a}, int(size)), (pages[len(pages)/2]-1)*size); err != nil {
		t.Fatal(err)
	}
	f.Close()
	s := mustNew(t, Config{Name: "kuma", Path: path})
	_, err = s.Fetch(context.Background(), sources.Window{From: demoFrom, To: demoFrom.Add(3 * 24 * time.Hour)}, time.Minute)
	if err == nil || !strings.Contains(err.Error(), "the database is corrupt") || !strings.Contains(err.Error(), "hint: run sqlite3") {
		t.Errorf("Fetch over a corrupt heartbeat page: %v", err)
	}
}
