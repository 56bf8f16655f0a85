package logs

import (
	"bytes"
	"io"
)

// lineReader splits a stream into lines in one pass over a large buffer:
// bytes.IndexByte finds each '\n' where the bytes were read, and a line is
// a view into the buffer. It replaces bufio.Reader.ReadSlice, whose
// bookkeeping per call was a tenth of BenchmarkFetchNginx; a line that
// does not fit the buffer grows it up to maxLine, instead of being copied
// piece by piece into scratch space.
type lineReader struct {
	r          io.Reader
	buf        []byte
	start, end int   // buf[start:end] is read and not yet returned
	off        int64 // offset in the stream of buf[0]
	err        error // what ended reading (io.EOF at the end); sticky
}

func newLineReader(r io.Reader, size int) *lineReader {
	return &lineReader{r: r, buf: make([]byte, min(size, maxLine+1))}
}

// reset makes lr read r from its start, keeping the buffer.
func (lr *lineReader) reset(r io.Reader) {
	lr.r, lr.start, lr.end, lr.off, lr.err = r, 0, 0, 0, nil
}

// next returns the next line, without its "\n" and a "\r" before it, and
// the offset in the stream it starts at; the line is valid until the next
// call. A last line without "\n" is a line. At the end it returns io.EOF;
// a line longer than maxLine gives errLineTooLong, and reading goes on at
// the line after it; a read error ends the stream, and the part of a line
// read before it is dropped.
func (lr *lineReader) next() (line []byte, at int64, err error) {
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

// more is next when the buffer holds no whole line: it reads more.
func (lr *lineReader) more() (line []byte, at int64, err error) {
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
			if len(line) > maxLine {
				return nil, at, errLineTooLong
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
			if len(lr.buf) > maxLine {
				return lr.skip()
			}
			grown := make([]byte, min(2*len(lr.buf), maxLine+1))
			copy(grown, lr.buf[:lr.end])
			lr.buf = grown
		}
		lr.fill()
		if i := bytes.IndexByte(lr.buf[scanned:lr.end], '\n'); i >= 0 {
			return lr.next()
		}
		scanned = lr.end
	}
}

// fill reads once into the free end of the buffer; a reader that keeps
// returning nothing is an error, as in bufio.
func (lr *lineReader) fill() {
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

// skip drops a line longer than maxLine, which fills the buffer from its
// start, up to its '\n'.
func (lr *lineReader) skip() (line []byte, at int64, err error) {
	at = lr.off
	for {
		lr.off += int64(lr.end)
		lr.start, lr.end = 0, 0
		lr.fill()
		if i := bytes.IndexByte(lr.buf[:lr.end], '\n'); i >= 0 {
			lr.start = i + 1
			return nil, at, errLineTooLong
		}
		if lr.err != nil {
			lr.off += int64(lr.end)
			lr.start, lr.end = 0, 0
			if lr.err == io.EOF {
				return nil, at, errLineTooLong
			}
			return nil, at, lr.err
		}
	}
}
