package logs

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/klauspost/compress/gzip"

	"github.com/hindsight-sre/hindsight/internal/lines"
	"github.com/hindsight-sre/hindsight/sources"
)

// fileReader streams the lines of files through a format's parser to a
// consumer: the source's aggregator or Mine.
type fileReader struct {
	spec  formatSpec
	env   parserEnv
	w     sources.Window
	stdin io.Reader
	// stopLate: files are in time order, give or take: reading stops
	// an hour past the window's end.
	stopLate bool
	// whole: this file's times go backwards (two logs concatenated, a
	// reversed file): read all of it, neither seeking nor stopping.
	whole bool
	// listed are the files as they were when listed, by path (nil: no
	// check).
	listed map[string]os.FileInfo

	// from, to: read only the lines that start in [from, to) of a plain
	// file (a chunk read on another core); to 0 means the whole file.
	from, to int64
	// chunkLines: lines of a chunk are numbered from 1 at from, not
	// named by byte offset; the caller adds the lines before the chunk.
	chunkLines bool

	// pre holds .gz files being decoded ahead (see prefetch.go).
	pre map[string]*inflater
	// remote, when set, opens a path that is not a file (an S3 object,
	// see s3.go): its stream is read as stdin is.
	remote func(path string) (io.ReadCloser, error)
	rbufs  *remoteBufs // reused from object to object (s3.go)

	parsed func(p lineParser, r *Record, path string, n int, line []byte)
	access *accessAdder                          // the aggregator's access-log path, when parsed feeds one
	bad    func(path string, n int, line []byte) // nil: only counted
	blank  func()                                // a blank line; may be nil
	cont   func()                                // a stack trace's line under a one-line format; may be nil
	cover  func(t time.Time)
	// reportLoc is the zone the notes write times in (the profile's);
	// nil is the parse zone.
	reportLoc *time.Location
}

// readStats is what one file gave.
type readStats struct {
	lines, bad int
	cont       int // stack-trace lines under a one-line format (see stackLine)
	firstBad   int
	badText    string
	format     string // "" when not recognised
	gaps       []string
	seeked     int64     // byte offset reading started at, 0 from the start
	years      yearGuess // year-less stamps read
	zoneless   int       // lines whose stamp had no zone, read in the source's
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// lineRef names a line: "path:12" for line 12, "path@4096" for the line
// that starts at byte 4096 of a file read from a seek (line numbers are
// then unknown while reading; the aggregator counts the newlines before
// the lines it kept after the read, see numberLines). For
// n, read.go passes line numbers as they are and byte offsets as
// -(offset+1).
func lineRef(path string, n int) string {
	return string(appendLineRef(nil, path, n))
}

// appendLineRef appends lineRef(path, n) to dst.
func appendLineRef(dst []byte, path string, n int) []byte {
	switch {
	case n >= 0 && path == "line":
		dst = append(dst, "line "...)
	case n >= 0:
		dst = append(append(dst, path...), ':')
	case path == "line":
		dst = append(dst, "byte "...)
	default:
		dst = append(append(dst, path...), '@')
	}
	if n < 0 {
		n = -n - 1
	}
	return strconv.AppendInt(dst, int64(n), 10)
}

// logLine is a LogLine for the line numbered n (see lineRef): its line
// number, or its byte offset after a seek.
func logLine(path string, n int, t time.Time, line []byte) sources.LogLine {
	l := sources.LogLine{File: path, Line: max(n, 0), T: t, Text: truncate(string(line), 500)}
	if n < 0 {
		l.Offset = int64(-n - 1)
	}
	return l
}

// Seeking: files smaller than seekMin are read from the start; a window's
// start is looked for maxDisorder early, so that lines written slightly
// out of order (nginx logs a request when it ends, stamped with its
// start) are not missed; reading stops stopSlack past the window's end.
const (
	seekMin     = 4 << 20
	maxDisorder = 5 * time.Minute
	stopSlack   = 10 * time.Minute
	probeSize   = 64 << 10
)

// yearGuessed reports whether p guesses the year of f's lines.
func yearGuessed(f *os.File, buf []byte, p lineParser) bool {
	n, _ := f.ReadAt(buf, 0)
	var rec Record
	for b := buf[:n]; len(b) > 0; {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			break
		}
		if line := bytes.TrimSuffix(b[:i], []byte("\r")); len(line) > 0 && p.parse(line, &rec, allTimes) != malformed {
			return rec.guessedYear
		}
		b = b[i+1:]
	}
	return false
}

// seekEnd finds by binary search a line start past which every line is
// later than the window's end with its slack (and the disorder
// tolerance); size when there is none.
func (fr *fileReader) seekEnd(f *os.File, from, size int64, p lineParser) int64 {
	target := fr.w.To.Add(stopSlack + maxDisorder)
	buf := make([]byte, probeSize)
	if yearGuessed(f, buf, p) {
		return size
	}
	lo, hi := from, size
	for hi-lo > probeSize {
		mid := lo + (hi-lo)/2
		t, _, ok := timeAt(f, buf, mid, p)
		if ok && t.After(target) {
			hi = mid
		} else {
			lo = mid
		}
	}
	if hi >= size {
		return size
	}
	if _, at, ok := timeAt(f, buf, hi, p); ok {
		return at
	}
	return size
}

// detectAt detects the format from the first lines of a plain file.
func (fr *fileReader) detectAt(f *os.File) lineParser {
	buf := make([]byte, probeSize)
	n, _ := f.ReadAt(buf, 0)
	var lines []numbered
	for b := buf[:n]; len(b) > 0 && len(lines) < detectLines; {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			break
		}
		if l := bytes.TrimSuffix(b[:i], []byte("\r")); len(bytes.TrimSpace(l)) > 0 {
			lines = append(lines, numbered{l, len(lines) + 1})
		}
		b = b[i+1:]
	}
	return detect(lines, fr.env)
}

// timeAt returns the time of the first line, starting after off (at 0:
// from the start), that p reads, and where that line starts.
func timeAt(f *os.File, buf []byte, off int64, p lineParser) (time.Time, int64, bool) {
	n, _ := f.ReadAt(buf, off)
	b := buf[:n]
	pos := off
	if off > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return time.Time{}, 0, false
		}
		b, pos = b[i+1:], off+int64(i+1)
	}
	var rec Record
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			break
		}
		line := bytes.TrimSuffix(b[:i], []byte("\r"))
		if len(line) > 0 && p.parse(line, &rec, allTimes) != malformed {
			return rec.T, pos, true
		}
		b, pos = b[i+1:], pos+int64(i+1)
	}
	return time.Time{}, 0, false
}

// seekStart finds by binary search a line start at or before the first
// line of the window (less maxDisorder); 0 means from the start.
func (fr *fileReader) seekStart(f *os.File, size int64, p lineParser) int64 {
	target := fr.w.From.Add(-maxDisorder)
	buf := make([]byte, probeSize)
	if t, _, ok := timeAt(f, buf, 0, p); !ok || !t.Before(target) || yearGuessed(f, buf, p) {
		// A guessed year (syslog) may not grow through a file that
		// spans more than a year: no binary search on it.
		return 0
	}
	lo, hi := int64(0), size
	for hi-lo > probeSize {
		mid := lo + (hi-lo)/2
		t, _, ok := timeAt(f, buf, mid, p)
		if ok && t.Before(target) {
			lo = mid
		} else {
			hi = mid
		}
	}
	if lo == 0 {
		return 0
	}
	_, at, ok := timeAt(f, buf, lo, p)
	if !ok {
		return 0
	}
	return at
}

func (s *readStats) noteBad(n int, text string) {
	s.bad++
	if s.firstBad == 0 {
		s.firstBad, s.badText = n, truncate(text, 80)
	}
}

// open opens a file, or stdin for "-", and gunzips it when it starts
// with the gzip magic, for reading lines in buffers of up to buf bytes. A
// directory is an error with a hint. plain is the file when it can be
// seeked (not stdin, not gzip), with its size.
//
// Every read checks ctx, so that no file (a sparse one of NULs, which has
// no line to count) outlasts the source's deadline.
func (fr *fileReader) open(ctx context.Context, path string, buf int) (lr *lines.Reader, plain *os.File, cr *countReader, size int64, closeFn func(), err error) {
	var r io.Reader
	closeFn = func() {}
	if in := fr.pre[path]; in != nil {
		delete(fr.pre, path)
		return lines.New(lines.WithContext(ctx, in), min(buf, 256<<10)), nil, nil, 0, in.close, nil
	}
	if fr.remote != nil {
		lr, closeFn, err := fr.openRemote(path)
		return lr, nil, nil, 0, closeFn, err
	} else if path == "-" {
		r = fr.stdin
		if r == nil {
			r = os.Stdin
		}
		r = lines.WithContext(ctx, r)
	} else {
		f, err := lines.Open(path)
		if errors.Is(err, os.ErrNotExist) && path != "" {
			return nil, nil, nil, 0, nil, errVanished{err}
		}
		if err != nil {
			return nil, nil, nil, 0, nil, fmt.Errorf("%w; hint: check the path and that hindsight may read it", err)
		}
		st, err := f.Stat()
		if err == nil && st.IsDir() {
			f.Close()
			return nil, nil, nil, 0, nil, fmt.Errorf("%s is a directory; hint: name the files, e.g. %s/*.log", path, path)
		}
		if want := fr.listed[path]; want != nil && err == nil && !os.SameFile(want, st) {
			f.Close()
			return nil, nil, nil, 0, nil, errRotated{path}
		}
		r, closeFn = lines.WithContext(ctx, f), func() { f.Close() }
		var magic [2]byte
		if n, _ := f.ReadAt(magic[:], 0); err == nil && st.Mode().IsRegular() && !(n == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
			// A plain file: read straight into the line buffer.
			cr = &countReader{r: r}
			return lines.New(cr, buf), f, cr, st.Size(), closeFn, nil
		}
	}
	br := bufio.NewReaderSize(r, readBuf)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			closeFn()
			return nil, nil, nil, 0, nil, errNotGzip{err}
		}
		closeFile := closeFn
		return lines.New(zr, min(buf, 256<<10)), nil, nil, 0, func() { zr.Close(); closeFile() }, nil
	}
	return lines.New(br, buf), nil, nil, 0, closeFn, nil
}

// errVanished: a file globbed a moment ago is gone, rotated away.
type errVanished struct{ err error }

func (e errVanished) Error() string {
	return fmt.Sprintf("%v; hint: check the path", e.err)
}

func (e errVanished) gap() string {
	return fmt.Sprintf("gone before it could be read (rotated away?): %v; hint: include the rotated names in paths, e.g. access.log*", e.err)
}

// errRotated: the file under a listed name is not the one listed; it was
// rotated (renamed, a new one created) between the listing and the read.
type errRotated struct{ path string }

func (e errRotated) Error() string {
	return fmt.Sprintf("%s was replaced between listing and reading (rotated)", e.path)
}

func (e errRotated) gap() string {
	return "replaced between listing and reading (rotated): the file now under this name is a new one and was not read, and the lines of the one listed are under another name now; run again to read them (include the rotated names in paths, e.g. access.log*)"
}

type errNotGzip struct{ err error }

func (e errNotGzip) Error() string {
	return fmt.Sprintf("not a readable gzip file (%v); hint: try gzip -t", e.err)
}

// multiliner is a parser whose unparsed lines continue the event before
// them (Java stack traces).
type multiliner interface{ multiline() bool }

// timeSpan is the earliest and latest of the times noted, in whole
// seconds: what a Gap says of the files' cover, and a compare of
// integers per line.
type timeSpan struct {
	lo, hi int64
	ok     bool
}

func (s *timeSpan) note(t time.Time) {
	sec := t.Unix()
	switch {
	case !s.ok:
		s.lo, s.hi, s.ok = sec, sec, true
	case sec < s.lo:
		s.lo = sec
	case sec > s.hi:
		s.hi = sec
	}
}

// flush gives the span to cover and empties it.
func (s *timeSpan) flush(cover func(time.Time)) {
	if s.ok {
		cover(time.Unix(s.lo, 0).UTC())
		cover(time.Unix(s.hi, 0).UTC())
		s.ok = false
	}
}

// pendingEvent is a multi-line event waiting for its last line. Its
// record is one of two it owns; the reader parses the next line into the
// other (spare), so that holding a line costs no copy of a Record.
type pendingEvent struct {
	rec    *Record // the held record, one of recs
	recs   [2]Record
	p      lineParser
	n      int
	line   []byte
	extra  int
	ok     bool
	joined []byte // the message with its first continuation line
}

// hold keeps a parsed line as the pending event, copying it into the
// event's own buffer (reused from event to event) and pointing the
// record's views there: the reader's buffer moves on.
// r must be ev.spare().
func (ev *pendingEvent) hold(r *Record, p lineParser, n int, line []byte) {
	buf := append(ev.line[:0], line...)
	ev.rec, ev.p, ev.n, ev.line, ev.extra, ev.ok = r, p, n, buf, 0, true
	move := func(v []byte) []byte {
		if v == nil {
			return nil
		}
		off := cap(line) - cap(v) // v is line[off:off+len(v)]
		if off < 0 || off+len(v) > len(buf) {
			return bytes.Clone(v)
		}
		return buf[off : off+len(v) : off+len(v)]
	}
	r.msg, r.prog, r.host, r.req = move(r.msg), move(r.prog), move(r.host), move(r.req)
}

// spare is the record to parse the next line into: not the held one.
func (ev *pendingEvent) spare() *Record {
	if ev.rec == &ev.recs[0] {
		return &ev.recs[1]
	}
	return &ev.recs[0]
}

// join appends a continuation line to the event's message.
func (ev *pendingEvent) join(cont []byte) {
	msg := ev.rec.message()
	if len(msg) >= maxJoined {
		return
	}
	ev.joined = append(append(append(ev.joined[:0], msg...), ' '), cont...)
	if len(ev.joined) > maxJoined {
		ev.joined = ev.joined[:maxJoined]
	}
	if ev.rec.msg != nil {
		ev.rec.msg = ev.joined
	} else {
		ev.rec.Message = string(ev.joined) // a parser not in lazy mode
	}
}

// ordered reports whether the file may be taken to be in time order.
func (fr *fileReader) ordered() bool { return fr.stopLate && !fr.whole }

// maxJoined bounds the message of a joined event.
const maxJoined = 1024

// read streams one file. An error means the file could not be opened;
// what went wrong after is in the stats' gaps.
func (fr *fileReader) read(ctx context.Context, path string) (readStats, error) {
	var st readStats
	lr, plain, cr, size, closeFn, err := fr.open(ctx, path, readBuf)
	if err != nil {
		var ng errNotGzip
		var gone errVanished
		var rot errRotated
		if errors.As(err, &rot) {
			st.gaps = append(st.gaps, rot.gap())
			return st, nil
		}
		if errors.As(err, &ng) || errors.As(err, &gone) && fr.stopLate {
			// A file globbed by a source and gone since is a gap; one
			// named on the command line (Mine) is an error.
			if errors.As(err, &gone) {
				st.gaps = append(st.gaps, gone.gap())
				return st, nil
			}
			st.gaps = append(st.gaps, err.Error())
			return st, nil
		}
		return st, err
	}
	defer closeFn()
	fr.env.notAfter = fr.lastWrite(path)
	p := fr.spec.parser(fr.env)
	// In a large plain file, find the window's start by binary search
	// and read from there: line numbers are then unknown, and lines are
	// named by byte offset.
	var base int64 // byte offset of the first line read
	seeked := false
	if plain != nil && fr.to > 0 {
		if p == nil {
			p = fr.detectAt(plain)
		}
		if _, err := plain.Seek(fr.from, io.SeekStart); err != nil {
			return st, fmt.Errorf("seek %s: %w", path, err)
		}
		cr.r, cr.n = lines.WithContext(ctx, io.LimitReader(plain, fr.to-fr.from)), 0
		lr.Reset(cr)
		base, seeked = fr.from, fr.from > 0
		st.seeked = fr.from
	} else if plain != nil && size >= seekMin && fr.ordered() {
		if p == nil {
			p = fr.detectAt(plain)
		}
		if p != nil {
			if off := fr.seekStart(plain, size, p); off > 0 {
				if _, err := plain.Seek(off, io.SeekStart); err == nil {
					cr.n = 0
					lr.Reset(cr)
					base, seeked = off, true
					st.seeked = off
				}
			}
		}
	}
	var pending []numbered // lines read while detecting the format
	var ev pendingEvent
	rec := ev.spare()
	multi := false
	// The span of the lines' times, given to fr.cover once at the end:
	// an indirect call per line costs more than the comparisons.
	var span timeSpan
	if fr.cover != nil {
		defer span.flush(fr.cover)
	}
	stopAfter := fr.w.To.Add(stopSlack)
	flush := func() {
		if ev.ok {
			ev.rec.cont = ev.extra
			fr.parsed(ev.p, ev.rec, path, ev.n, ev.line)
			ev.ok = false
		}
	}
	handle := func(line []byte, n int) (stop bool) {
		if len(line) == 0 || line[0] <= ' ' && len(bytes.TrimSpace(line)) == 0 {
			if fr.blank != nil {
				flush() // keeps rows in line order
				fr.blank()
			}
			return false
		}
		if cm, ok := p.(commenter); ok && cm.comment(line) {
			return false // a header (CloudFront's #Fields), neither a record nor an error
		}
		switch p.parse(line, rec, fr.w) {
		case malformed:
			if multi && ev.ok {
				if ev.extra == 0 {
					// The first line after the message names the
					// exception: keep it in the message to template.
					ev.join(bytes.TrimSpace(line))
				}
				ev.extra++
				return false
			}
			if !multi && st.lines > 1 && stackLine(line) {
				// A stack trace under a line of a one-line format
				// (JSON lines, logfmt, syslog with a multi-line
				// message): part of the line before, not a line
				// the format failed on.
				st.cont++
				if fr.cont != nil {
					fr.cont()
				}
				return false
			}
			st.noteBad(n, string(line))
			if fr.bad != nil {
				fr.bad(path, n, line)
			}
		case outside:
			flush()
			span.note(rec.T)
			return fr.ordered() && !rec.guessedYear && rec.T.After(stopAfter)
		case parsed:
			if rec.T.IsZero() && fr.ordered() {
				// A user format whose time is missing or unreadable:
				// Fetch cannot place the line.
				st.noteBad(n, "(no time) "+string(line))
				return false
			}
			span.note(rec.T)
			if multi {
				flush()
				ev.hold(rec, p, n, line)
				rec = ev.spare()
				return false
			}
			fr.parsed(p, rec, path, n, line)
		}
		return false
	}
	// fast: an nginx log read into an aggregator (Fetch's hot path); its
	// lines in the window, and those before it, skip handle's indirect
	// calls. The rest, rare, go through handle. fastAgg: the same for
	// the other formats that are one line an event (syslog, JSON,
	// logfmt, ...), whose lines go straight to the aggregator.
	var np nginxParser
	var sp *syslogParser
	fast, fastAgg := false, false
	acc := fr.access
	start := func() {
		if p != nil {
			resetYears(p)
			st.format = p.format()
			if m, ok := p.(multiliner); ok && m.multiline() {
				multi = true
			}
			np, fast = p.(nginxParser)
			fast = fast && acc != nil && !multi
			if fast && acc.a.accessFormat == "" {
				acc.a.accessFormat = accessKindOf(p) // every line it parses is a request
			}
			sp, _ = p.(*syslogParser) // called directly: no interface call
			fastAgg = !fast && acc != nil && !multi
		}
	}
	start()
	for {
		line, at, err := lr.Next()
		n := st.lines + 1
		if seeked && !fr.chunkLines {
			// Not a line number: -(byte offset + 1); see lineRef.
			n = -int(base + at + 1)
		}
		if err != nil {
			if err == io.EOF {
				break
			}
			if errors.Is(err, lines.ErrTooLong) {
				st.lines++
				st.noteBad(n, "(a line longer than 1 MiB)")
				if fr.bad != nil {
					fr.bad(path, n, []byte("(a line longer than 1 MiB)"))
				}
				continue
			}
			if ctx.Err() != nil {
				return st, ctx.Err()
			}
			st.gaps = append(st.gaps, fmt.Sprintf("read failed after %s (%v); kept the lines before it", lineRef("line", st.lines), err))
			break
		}
		st.lines++
		if st.lines%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return st, err
			}
		}
		if p == nil {
			if len(bytes.TrimSpace(line)) > 0 || fr.blank != nil {
				pending = append(pending, numbered{bytes.Clone(line), n})
			}
			if len(pending) < detectLines {
				continue
			}
			if p = detect(pending, fr.env); p == nil {
				break
			}
			start()
			if replay(pending, handle) {
				pending = nil
				break
			}
			pending = nil
			continue
		}
		if fast && len(line) > 0 && line[0] > ' ' && line[0] < utf8.RuneSelf { // not blank
			switch np.parse(line, rec, fr.w) {
			case parsed:
				if !rec.T.IsZero() {
					acc.cover(rec.T)
					acc.add(rec, path, n, line)
					continue
				}
			case outside:
				if !rec.T.After(stopAfter) {
					acc.cover(rec.T)
					continue
				}
			}
		}
		if fastAgg && len(line) > 0 && line[0] > ' ' && line[0] < utf8.RuneSelf {
			var res result
			if sp != nil {
				res = sp.parseIn(line, rec, &fr.w)
			} else {
				res = p.parse(line, rec, fr.w)
			}
			switch res {
			case parsed:
				if !rec.T.IsZero() {
					span.note(rec.T)
					if rec.Status > 0 {
						if acc.a.accessFormat == "" {
							acc.a.accessFormat = accessKindOf(p)
						}
						acc.add(rec, path, n, line)
					} else {
						acc.a.add(st.format, rec, path, n, line)
					}
					continue
				}
			case outside:
				if !fr.ordered() || rec.guessedYear || !rec.T.After(stopAfter) {
					span.note(rec.T)
					continue
				}
				// Past the window: handle stops the read.
			}
		}
		if handle(line, n) {
			break
		}
	}
	if p == nil && len(pending) > 0 {
		if p = detect(pending, fr.env); p != nil {
			start()
			replay(pending, handle)
		} else {
			// Blank lines are blank, not lines of an unknown format: a
			// file of blanks has no format to recognise.
			content := false
			for _, l := range pending {
				content = content || len(bytes.TrimSpace(l.text)) > 0
			}
			if content {
				st.gaps = append(st.gaps, "format not recognised (not an access log, syslog, JSON, logfmt, Java or timestamped lines); hint: set format, or check the first lines")
			}
			for _, l := range pending {
				switch {
				case len(bytes.TrimSpace(l.text)) == 0:
					if fr.blank != nil {
						fr.blank()
					}
				case fr.bad != nil:
					fr.bad(path, l.n, l.text)
				}
			}
		}
	}
	flush()
	latest := span
	if acc != nil {
		if acc.span.ok && (!latest.ok || acc.span.hi > latest.hi) {
			latest.hi, latest.ok = acc.span.hi, true
		}
		acc.flushCover()
	}
	if n := fr.futureNote(path, latest, size); n != "" {
		st.gaps = append(st.gaps, n)
	}
	// A file truncated in place while read (logrotate's copytruncate):
	// what was past the new end is not in it any more.
	if plain != nil && fr.to == 0 {
		if fi, err := plain.Stat(); err == nil && fi.Size() < base+cr.n {
			st.gaps = append(st.gaps, fmt.Sprintf("the file shrank to %d bytes while read (truncated by log rotation?); lines after byte %d were not read; hint: read its rotated copy too (paths: name*)", fi.Size(), fi.Size()))
		}
	}
	if st.bad > 0 {
		st.gaps = append(st.gaps, fmt.Sprintf("%d of %d lines read not understood, first at %s: %q", st.bad, st.lines, lineRef("line", st.firstBad), st.badText))
	}
	if n := yearNoteOf(p); n != "" {
		st.gaps = append(st.gaps, n)
	}
	st.years = yearGuessOf(p)
	st.zoneless = zonelessOf(p)
	return st, nil
}

// stackLine reports a line of a stack trace: "\tat f(F.java:1)", "Caused
// by: ...", "... 5 more", or a line that starts with an exception's
// qualified class name ("java.sql.SQLTransientConnectionException: ...",
// "org.example.Error"): a Java (or Kotlin, Scala) logger writes the
// exception under the event's line, whatever the event's format.
func stackLine(line []byte) bool {
	t := bytes.TrimLeft(line, " \t")
	switch {
	case len(t) < len(line) && bytes.HasPrefix(t, []byte("at ")):
		return true
	case bytes.HasPrefix(t, []byte("Caused by: ")), bytes.HasPrefix(t, []byte("Suppressed: ")):
		return true
	case bytes.HasPrefix(t, []byte("... ")) && (bytes.HasSuffix(t, []byte(" more")) || bytes.HasSuffix(t, []byte("omitted"))):
		return true
	}
	// A qualified class name: two dots or more, then "Exception",
	// "Error" or "Throwable" at the end of the last name, then ':' or
	// the end of the line.
	end := bytes.IndexByte(t, ':')
	if end < 0 {
		end = len(t)
	}
	name := t[:end]
	if bytes.Count(name, []byte(".")) < 2 {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '$') {
			return false
		}
	}
	return bytes.HasSuffix(name, []byte("Exception")) || bytes.HasSuffix(name, []byte("Error")) || bytes.HasSuffix(name, []byte("Throwable"))
}

// lastWrite is when the file at path was last written, or now when that
// is later or unknown (standard input, an object store): no line of it
// can have been written after.
func (fr *fileReader) lastWrite(path string) time.Time {
	now := time.Now()
	if path == "-" || fr.remote != nil {
		return now
	}
	if st, err := os.Stat(path); err == nil && st.ModTime().Before(now) {
		return st.ModTime()
	}
	return now
}

// futureSlack is how far past its file's last write a line's stamp may
// lie before the reader says so: a line is stamped when it is written or
// before (nginx stamps a request with its start), so past a few minutes of
// clock skew the stamp is not the writer's clock as the reader reads it.
const futureSlack = 5 * time.Minute

// futureNote says, when the latest stamp read from a file lies after the
// file's last write (or now), what was assumed: the lines are kept at
// their stamps, and the likely causes are named (a clock ahead, stamps
// without a zone written in another zone than the one they are read in,
// as a server logging in local time read as UTC), so that a finding
// placed at those times can be doubted. Only the file's last chunk
// checks (its lines are the latest); the stream of stdin or an object
// has no last write.
func (fr *fileReader) futureNote(path string, latest timeSpan, size int64) string {
	if !latest.ok || path == "-" || fr.remote != nil || fr.to > 0 && fr.to < size {
		return ""
	}
	last := fr.env.notAfter
	hi := time.Unix(latest.hi, 0)
	if last.IsZero() || !hi.After(last.Add(futureSlack)) {
		return ""
	}
	loc := fr.reportLoc
	if loc == nil {
		loc = fr.env.loc
	}
	if loc == nil {
		loc = time.UTC
	}
	ahead := strings.TrimSuffix(hi.Sub(last).Round(time.Minute).String(), "0s") // "9h0m"
	return fmt.Sprintf("lines are stamped up to %s, %s after the file was last written (%s); they are kept at their stamps, and times without a zone were read as %s; hint: check that host's clock, or set timezone: in the source's entry to the zone its servers log in",
		hi.In(loc).Format(time.RFC3339), ahead, last.In(loc).Format(time.RFC3339), fr.env.loc)
}

// yearNoteOf is what p assumed of year-less stamps, when the file's last
// write decided it.
func yearNoteOf(p lineParser) string {
	switch p := p.(type) {
	case *syslogParser:
		return p.yearNote()
	case *headerFormat:
		return p.stamps.yearNote()
	case *structParser:
		return p.stamps.yearNote()
	case *stampedParser:
		return p.stamps.yearNote()
	}
	return ""
}

// resetYears forgets what p counted of year-less (and zone-less) stamps before the read
// proper: format detection and the seek's probes parse lines that the
// read then parses again (or never reads), and the note says how many
// lines were moved, not how many parses.
func resetYears(p lineParser) {
	var sp *stampParser
	switch p := p.(type) {
	case *syslogParser:
		p.moved, p.guess, p.zoneless = 0, yearGuess{}, 0
		// The minute kept would give the read's first line its time
		// without counting its year.
		p.minOK = false
		return
	case *headerFormat:
		sp = p.stamps
	case *structParser:
		sp, p.zoneless = p.stamps, 0
	case *stampedParser:
		sp, p.zoneless = p.stamps, 0
	}
	if sp != nil {
		sp.moved, sp.guess, sp.zoneless = 0, yearGuess{}, 0
	}
}

// zonelessOf is how many stamps p read in the source's zone for want of
// one in the text: RFC 3164 syslog, ISO 8601 without an offset, layouts
// without a zone. An offset (Z, +0900, nginx's $time_local) or an epoch
// number says when the line was, whatever zone is assumed.
func zonelessOf(p lineParser) int {
	switch p := p.(type) {
	case *syslogParser:
		return p.guess.n + p.zoneless
	case *headerFormat:
		return p.stamps.zoneless
	case *structParser:
		return p.zoneless + p.stamps.zoneless
	case *stampedParser:
		return p.zoneless + p.stamps.zoneless
	}
	return 0
}

// yearGuessOf is what p assumed of year-less stamps.
func yearGuessOf(p lineParser) yearGuess {
	switch p := p.(type) {
	case *syslogParser:
		return p.guess
	case *headerFormat:
		return p.stamps.guess
	case *structParser:
		return p.stamps.guess
	case *stampedParser:
		return p.stamps.guess
	}
	return yearGuess{}
}

// allTimes is a window that holds every line.
var allTimes = sources.Window{From: time.Unix(-1<<40, 0), To: time.Unix(1<<40, 0)}

// detect picks the format that understands most of lines; nil if none does.
func detect(lines []numbered, e parserEnv) lineParser {
	var best lineParser
	bestN := 0
	var rec Record
	all := sources.Window{From: time.Unix(-1<<40, 0), To: time.Unix(1<<40, 0)}
	for _, p := range candidates(e) {
		n := 0
		for _, l := range lines {
			if p.parse(l.text, &rec, all) != malformed {
				n++
			}
		}
		if n > bestN {
			best, bestN = p, n
		}
	}
	return best
}

// readBuf is the read buffer of a file: 1 MiB, so that a gigabyte costs
// a thousand read calls.
const readBuf = 1 << 20
