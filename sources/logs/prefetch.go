package logs

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"runtime"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/hindsight-sre/hindsight/internal/lines"
)

// Decompression runs ahead of parsing: each .gz file of a set is
// inflated by its own goroutine into a few bounded chunks, at most
// GOMAXPROCS files at a time, so that on two cores one file is parsed
// while the next is decoded, and parsing never waits on inflate within a
// file either. Memory stays bounded: prefetchChunks chunks of chunkSize
// per file in flight.
const (
	chunkSize      = 1 << 20
	prefetchChunks = 4
)

// inflater is one .gz file being decoded ahead; it is an io.Reader of the
// decompressed bytes. A decoding error (a truncated file) comes after the
// bytes before it.
type inflater struct {
	ch    chan []byte
	free  chan []byte
	cur   []byte // the unread rest of whole
	whole []byte
	err   error
	done  chan struct{}
	stop  chan struct{}
}

// startInflate begins decoding path if it is gzip; nil when it is not (or
// cannot be opened: the reader will report that).
func startInflate(path string) *inflater {
	f, err := lines.Open(path)
	if err != nil {
		return nil
	}
	var magic [2]byte
	if n, _ := io.ReadFull(f, magic[:]); n != 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		f.Close()
		return nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil
	}
	in := &inflater{ch: make(chan []byte, prefetchChunks), free: make(chan []byte, prefetchChunks+2),
		done: make(chan struct{}), stop: make(chan struct{})}
	go func() {
		defer close(in.ch)
		defer f.Close()
		zr, err := gzip.NewReader(bufio.NewReaderSize(f, 256<<10))
		if err != nil {
			in.err = errNotGzip{err}
			return
		}
		defer zr.Close()
		for {
			var buf []byte
			select {
			case buf = <-in.free:
			default:
				buf = make([]byte, chunkSize)
			}
			n := 0
			var err error
			for n < chunkSize && err == nil {
				var k int
				k, err = zr.Read(buf[n:chunkSize])
				n += k
			}
			if n > 0 {
				select {
				case in.ch <- buf[:n]:
				case <-in.stop:
					return
				}
			}
			if err == io.EOF {
				return
			}
			if err != nil {
				in.err = err
				return
			}
		}
	}()
	return in
}

func (in *inflater) Read(p []byte) (int, error) {
	for len(in.cur) == 0 {
		buf, ok := <-in.ch
		if !ok {
			if in.err != nil {
				return 0, in.err
			}
			return 0, io.EOF
		}
		in.cur, in.whole = buf, buf
	}
	n := copy(p, in.cur)
	in.cur = in.cur[n:]
	if len(in.cur) == 0 {
		select {
		case in.free <- in.whole[:0]:
		default:
		}
	}
	return n, nil
}

// close stops the decoder (the reader left the file early).
func (in *inflater) close() {
	select {
	case <-in.stop:
	default:
		close(in.stop)
	}
	for range in.ch {
	}
}

// firstTime returns the time of the first line p-readable in the file (a
// format detected when none is set), for skipping whole files; ok false
// when it cannot tell.
func (fr *fileReader) firstTime(ctx context.Context, path string) (t time.Time, guessed, ok bool) {
	lr, _, _, _, closeFn, err := fr.open(ctx, path, probeSize) // ten lines
	if err != nil {
		return t, false, false
	}
	defer closeFn()
	var lines []numbered
	for len(lines) < detectLines {
		line, _, err := lr.Next()
		if err != nil {
			break
		}
		if len(bytes.TrimSpace(line)) > 0 {
			lines = append(lines, numbered{bytes.Clone(line), len(lines) + 1})
		}
	}
	p := fr.spec.parser(fr.env)
	if p == nil {
		p = detect(lines, fr.env)
	}
	if p == nil {
		return t, false, false
	}
	var rec Record
	for _, l := range lines {
		if p.parse(l.text, &rec, allTimes) != malformed {
			return rec.T, rec.guessedYear, true
		}
	}
	return t, false, false
}

// lastTime returns the time of the last line of a plain file, from its
// last 64 KiB.
func (fr *fileReader) lastTime(path string) (t time.Time, ok bool) {
	f, err := lines.Open(path)
	if err != nil {
		return t, false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() == 0 {
		return t, false
	}
	var magic [2]byte
	if n, _ := f.ReadAt(magic[:], 0); n == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		return t, false
	}
	p := fr.spec.parser(fr.env)
	if p == nil {
		if p = fr.detectAt(f); p == nil {
			return t, false
		}
	}
	off := max(st.Size()-probeSize, 0)
	buf := make([]byte, probeSize)
	n, _ := f.ReadAt(buf, off)
	b := buf[:n]
	if off > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return t, false
		}
		b = b[i+1:]
	}
	var rec Record
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		line := b
		if i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) > 0 && p.parse(line, &rec, allTimes) != malformed && !rec.guessedYear {
			if rec.T.After(t) {
				t, ok = rec.T, true
			}
		}
	}
	return t, ok
}

// decodeAhead is how many .gz files of a set are decoded at once: the one
// being read and the next ones, one per core.
func decodeAhead() int { return max(runtime.GOMAXPROCS(0), 1) }
