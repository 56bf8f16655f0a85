package kuma

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// rawConn is a read-only SQLite connection opened through SQLite's own C
// API, as modernc.org/sqlite translates it to Go (modernc.org/sqlite/lib:
// the same SQLite the database/sql driver runs, not a second engine), for
// the one read that touches every heartbeat: the table pass of scanBeats.
//
// Why not database/sql: on a month of 300 monitors (13 M rows) the
// driver's Go side costs as much as SQLite itself. database/sql takes a
// lock and converts each column through an interface on every row, and the
// driver copies every text into a fresh Go string; here a row's columns
// are read where SQLite keeps them, and a time or a message is parsed or
// interned from SQLite's buffer without a copy. The connection is opened
// without SQLite's own mutex (SQLITE_OPEN_NOMUTEX): it is used by one
// goroutine, and the mutex was 7% of the pass (BENCHMARKS.md, issue 19).
// Everything else (the schema, the monitors, a monitor's beats in time
// order, MariaDB) goes through database/sql.
type rawConn struct {
	tls *libc.TLS
	db  uintptr
	mu  sync.Mutex // held by interrupt and close, so that interrupt never meets a closed handle
}

// openRaw opens uri (an SQLite "file:" URI; mode=ro and immutable=1 are
// SQLite's own parameters) read-only, refusing any write (query_only),
// waiting out a writer's lock for up to 5 s as the database/sql
// connection does.
func openRaw(uri string) (*rawConn, error) {
	c := &rawConn{tls: libc.NewTLS()}
	s, err := libc.CString(uri)
	if err != nil {
		c.tls.Close()
		return nil, err
	}
	defer libc.Xfree(c.tls, s)
	pp := c.tls.Alloc(int(unsafe.Sizeof(uintptr(0))))
	defer c.tls.Free(int(unsafe.Sizeof(uintptr(0))))
	*(*uintptr)(cmem(pp)) = 0
	rc := sqlite3.Xsqlite3_open_v2(c.tls, s, pp,
		sqlite3.SQLITE_OPEN_READONLY|sqlite3.SQLITE_OPEN_URI|sqlite3.SQLITE_OPEN_NOMUTEX, 0)
	c.db = *(*uintptr)(cmem(pp))
	if rc != sqlite3.SQLITE_OK {
		err := c.err(rc)
		c.close()
		return nil, err
	}
	sqlite3.Xsqlite3_busy_timeout(c.tls, c.db, 5000)
	if err := c.exec("PRAGMA query_only = 1"); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

// rawError is an SQLite error from a rawConn: its message and result
// code, which kdb.wrap turns into a hint as it does the driver's.
type rawError struct {
	msg  string
	code int
}

func (e *rawError) Error() string { return fmt.Sprintf("%s (%d)", e.msg, e.code) }

// Code is SQLite's (extended) result code, as sqlite.Error's Code.
func (e *rawError) Code() int { return e.code }

// err is SQLite's message for the result code rc on c.
func (c *rawConn) err(rc int32) error {
	msg := ""
	if c.db != 0 {
		msg = libc.GoString(sqlite3.Xsqlite3_errmsg(c.tls, c.db))
	}
	if msg == "" {
		msg = libc.GoString(sqlite3.Xsqlite3_errstr(c.tls, rc))
	}
	return &rawError{msg: msg, code: int(rc)}
}

// exec runs one statement that returns no rows needed here.
func (c *rawConn) exec(q string) error {
	st, err := c.prepare(q)
	if err != nil {
		return err
	}
	defer st.close()
	for {
		ok, err := st.next()
		if err != nil || !ok {
			return err
		}
	}
}

func (c *rawConn) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.db != 0 {
		sqlite3.Xsqlite3_close_v2(c.tls, c.db)
		c.db = 0
	}
	if c.tls != nil {
		c.tls.Close()
		c.tls = nil
	}
}

// rawStmt is a prepared statement on a rawConn; its column accessors read
// the current row.
type rawStmt struct {
	c    *rawConn
	p    uintptr
	stop func() bool // ends the interrupt on ctx
}

func (c *rawConn) prepare(q string) (*rawStmt, error) {
	s, err := libc.CString(q)
	if err != nil {
		return nil, err
	}
	defer libc.Xfree(c.tls, s)
	pp := c.tls.Alloc(int(unsafe.Sizeof(uintptr(0))))
	defer c.tls.Free(int(unsafe.Sizeof(uintptr(0))))
	*(*uintptr)(cmem(pp)) = 0
	if rc := sqlite3.Xsqlite3_prepare_v2(c.tls, c.db, s, -1, pp, 0); rc != sqlite3.SQLITE_OK {
		return nil, c.err(rc)
	}
	return &rawStmt{c: c, p: *(*uintptr)(cmem(pp))}, nil
}

// query prepares q, binds args to its parameters in order, and makes the
// statement end with ctx: a step under way returns an interrupt error
// once ctx is done.
func (c *rawConn) query(ctx context.Context, q string, args ...int64) (*rawStmt, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	st, err := c.prepare(q)
	if err != nil {
		return nil, err
	}
	for i, a := range args {
		if rc := sqlite3.Xsqlite3_bind_int64(c.tls, st.p, int32(i+1), a); rc != sqlite3.SQLITE_OK {
			err := c.err(rc)
			st.close()
			return nil, err
		}
	}
	st.stop = context.AfterFunc(ctx, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.db != 0 {
			// sqlite3_interrupt only sets a flag on the connection, the
			// one call SQLite allows from another thread; it takes its
			// own TLS, as this goroutine is not the reader's.
			t := libc.NewTLS()
			sqlite3.Xsqlite3_interrupt(t, c.db)
			t.Close()
		}
	})
	return st, nil
}

var errInterrupted = errors.New("interrupted")

// next steps to the next row: false at the end.
func (st *rawStmt) next() (bool, error) {
	switch rc := sqlite3.Xsqlite3_step(st.c.tls, st.p); rc {
	case sqlite3.SQLITE_ROW:
		return true, nil
	case sqlite3.SQLITE_DONE:
		return false, nil
	case sqlite3.SQLITE_INTERRUPT:
		return false, errInterrupted
	default:
		return false, st.c.err(rc)
	}
}

// null reports whether column i of the row is NULL.
func (st *rawStmt) null(i int) bool {
	return sqlite3.Xsqlite3_column_type(st.c.tls, st.p, int32(i)) == sqlite3.SQLITE_NULL
}

func (st *rawStmt) int64(i int) int64 {
	return sqlite3.Xsqlite3_column_int64(st.c.tls, st.p, int32(i))
}

func (st *rawStmt) float64(i int) float64 {
	return sqlite3.Xsqlite3_column_double(st.c.tls, st.p, int32(i))
}

// text is column i as text (SQLite converts a number, as CAST AS TEXT
// does; NULL is empty). The bytes are SQLite's: valid until the next step
// and never to be kept or written.
func (st *rawStmt) text(i int) []byte {
	p := sqlite3.Xsqlite3_column_text(st.c.tls, st.p, int32(i))
	n := sqlite3.Xsqlite3_column_bytes(st.c.tls, st.p, int32(i))
	if p == 0 || n <= 0 {
		return nil
	}
	return unsafe.Slice((*byte)(cmem(p)), int(n))
}

func (st *rawStmt) close() {
	if st.stop != nil {
		st.stop()
	}
	if st.p != 0 {
		sqlite3.Xsqlite3_finalize(st.c.tls, st.p)
		st.p = 0
	}
}

// cmem is the address p of memory SQLite allocated (through libc's
// allocator, outside Go's heap, so the collector neither moves nor frees
// it) as an unsafe.Pointer, read from p's bits: go vet's unsafeptr check
// guards conversions of Go memory's addresses, which this is not.
func cmem(p uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&p)) }
