// Package lines splits a stream into lines, for the sources that read
// files line by line (logs, and the file source's CSV and OpenMetrics).
package lines

import (
	"bytes"
	"errors"
	"io"
)

// Max bounds one line, so that a file without newlines cannot take all
// memory.
const Max = 1 << 20

// ErrTooLong is Next's error for a line longer than Max.
var ErrTooLong = errors.New("line longer than 1 MiB")

// Reader splits a stream into lines in one pass over a large buffer:
// bytes.IndexByte finds each '\n' where the bytes were read, and a line is
// a view into the buffer. It replaces bufio.Reader.ReadSlice, whose
// bookkeeping per call was a tenth of BenchmarkFetchNginx; a line that
// does not fit the buffer grows it up to Max, instead of being copied
// piece by piece into scratch space.
type Reader struct {
	r          io.Reader
	buf        []byte
	start, end int   // buf[start:end] is read and not yet returned
	off        int64 // offset in the stream of buf[0]
	err        error // what ended reading (io.EOF at the end); sticky
	cut        bool  // the last line returned had no "\n" (the stream ended in it)
}

// Unterminated reports whether the last line Next returned ended the
// stream without a "\n": a file cut while it was written ends so.
func (lr *Reader) Unterminated() bool { return lr.cut }

// New returns a Reader of r with a buffer of size bytes (grown for a long
// line, up to Max).
func New(r io.Reader, size int) *Reader {
	return &Reader{r: r, buf: make([]byte, min(size, Max+1))}
}

// Reset makes lr read r from its start, keeping the buffer.
func (lr *Reader) Reset(r io.Reader) {
	lr.r, lr.start, lr.end, lr.off, lr.err = r, 0, 0, 0, nil
}

// Next returns the next line, without its "\n" and a "\r" before it, and
// the offset in the stream it starts at; the line is valid until the next
// call. A last line without "\n" is a line. At the end it returns io.EOF;
// a line longer than Max gives ErrTooLong, and reading goes on at
// the line after it; a read error ends the stream, and the part of a line
// read before it is dropped.
func (lr *Reader) Next() (line []byte, at int64, err error) {
	if i := bytes.IndexByte(lr.buf[lr.start:lr.end], '\n'); i >= 0 {
		line = lr.buf[lr.start : lr.start+i]
		at = lr.off + int64(lr.start)
		lr.start += i + 1
		if i > 0 && line[i-1] == '\r' {
			line = line[:i-1]
		}
		return line, at, nil
	}
	return lr.more()
}

// more is Next when the buffer holds no whole line: it reads more.
func (lr *Reader) more() (line []byte, at int64, err error) {
	scanned := lr.end - lr.start // bytes already known to hold no '\n'
	for {
		if lr.err != nil {
			at = lr.off + int64(lr.start)
			if lr.err != io.EOF || lr.start == lr.end {
				lr.start = lr.end
				return nil, at, lr.err
			}
			line = lr.buf[lr.start:lr.end]
			lr.start = lr.end
			lr.cut = true
			if len(line) > Max {
				return nil, at, ErrTooLong
			}
			if n := len(line); line[n-1] == '\r' {
				line = line[:n-1]
			}
			return line, at, nil
		}
		if lr.start > 0 {
			// Move the start of the line to the front of the buffer.
			n := copy(lr.buf, lr.buf[lr.start:lr.end])
			lr.off += int64(lr.start)
			lr.start, lr.end = 0, n
		}
		if lr.end == len(lr.buf) {
			if len(lr.buf) > Max {
				return lr.skip()
			}
			grown := make([]byte, min(2*len(lr.buf), Max+1))
			copy(grown, lr.buf[:lr.end])
			lr.buf = grown
		}
		lr.fill()
		if i := bytes.IndexByte(lr.buf[scanned:lr.end], '\n'); i >= 0 {
			return lr.Next()
		}
		scanned = lr.end
	}
}

// fill reads once into the free end of the buffer; a reader that keeps
// returning nothing is an error, as in bufio.
func (lr *Reader) fill() {
	for range 100 {
		n, err := lr.r.Read(lr.buf[lr.end:])
		lr.end += n
		if err != nil {
			lr.err = err
			return
		}
		if n > 0 {
			return
		}
	}
	lr.err = io.ErrNoProgress
}

// skip drops a line longer than Max, which fills the buffer from its
// start, up to its '\n'.
func (lr *Reader) skip() (line []byte, at int64, err error) {
	at = lr.off
	for {
		lr.off += int64(lr.end)
		lr.start, lr.end = 0, 0
		lr.fill()
		if i := bytes.IndexByte(lr.buf[:lr.end], '\n'); i >= 0 {
			lr.start = i + 1
			return nil, at, ErrTooLong
		}
		if lr.err != nil {
			lr.off += int64(lr.end)
			lr.start, lr.end = 0, 0
			if lr.err == io.EOF {
				return nil, at, ErrTooLong
			}
			return nil, at, lr.err
		}
	}
}
