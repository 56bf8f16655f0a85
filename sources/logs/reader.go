package logs

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/klauspost/compress/gzip"

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

	parsed func(p lineParser, r *Record, path string, n int, line []byte)
	bad    func(path string, n int, line []byte) // nil: only counted
	cover  func(t time.Time)
}

// readStats is what one file gave.
type readStats struct {
	lines, bad int
	firstBad   int
	badText    string
	format     string // "" when not recognised
	gaps       []string
}

func (s *readStats) noteBad(n int, text string) {
	s.bad++
	if s.firstBad == 0 {
		s.firstBad, s.badText = n, truncate(text, 80)
	}
}

// open opens a file, or stdin for "-", and gunzips it when it starts
// with the gzip magic. A directory is an error with a hint.
func (fr *fileReader) open(path string) (io.Reader, func(), error) {
	var r io.Reader
	closeFn := func() {}
	if path == "-" {
		r = fr.stdin
		if r == nil {
			r = os.Stdin
		}
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, nil, fmt.Errorf("%w; hint: check the path and that hindsight may read it", err)
		}
		if st, err := f.Stat(); err == nil && st.IsDir() {
			f.Close()
			return nil, nil, fmt.Errorf("%s is a directory; hint: name the files, e.g. %s/*.log", path, path)
		}
		r, closeFn = f, func() { f.Close() }
	}
	br := bufio.NewReaderSize(r, 256<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			closeFn()
			return nil, nil, errNotGzip{err}
		}
		return bufio.NewReaderSize(zr, 256<<10), func() { zr.Close(); closeFn() }, nil
	}
	return br, closeFn, nil
}

type errNotGzip struct{ err error }

func (e errNotGzip) Error() string {
	return fmt.Sprintf("not a readable gzip file (%v); hint: try gzip -t", e.err)
}

// multiliner is a parser whose unparsed lines continue the event before
// them (Java stack traces).
type multiliner interface{ multiline() bool }

// pendingEvent is a multi-line event waiting for its last line.
type pendingEvent struct {
	rec   Record
	p     lineParser
	n     int
	line  []byte
	extra int
	ok    bool
}

// maxJoined bounds the message of a joined event.
const maxJoined = 1024

// read streams one file. An error means the file could not be opened;
// what went wrong after is in the stats' gaps.
func (fr *fileReader) read(ctx context.Context, path string) (readStats, error) {
	var st readStats
	r, closeFn, err := fr.open(path)
	if err != nil {
		var ng errNotGzip
		if errors.As(err, &ng) {
			st.gaps = append(st.gaps, ng.Error())
			return st, nil
		}
		return st, err
	}
	defer closeFn()
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 256<<10)
	}
	p := fr.spec.parser(fr.env)
	var pending []numbered // lines read while detecting the format
	var buf []byte
	var rec Record
	var ev pendingEvent
	multi := false
	stopAfter := fr.w.To.Add(time.Hour)
	flush := func() {
		if ev.ok {
			fr.parsed(ev.p, &ev.rec, path, ev.n, ev.line)
			ev.ok = false
		}
	}
	handle := func(line []byte, n int) (stop bool) {
		if len(bytes.TrimSpace(line)) == 0 {
			return false
		}
		switch p.parse(line, &rec, fr.w) {
		case malformed:
			if multi && ev.ok {
				if ev.extra == 0 && len(ev.rec.Message) < maxJoined {
					// The first line after the message names the
					// exception: keep it in the message to template.
					ev.rec.Message = truncate(ev.rec.Message+" "+string(bytes.TrimSpace(line)), maxJoined)
				}
				ev.extra++
				return false
			}
			st.noteBad(n, string(line))
			if fr.bad != nil {
				fr.bad(path, n, line)
			}
		case outside:
			flush()
			fr.cover(rec.T)
			return fr.stopLate && !rec.guessedYear && rec.T.After(stopAfter)
		case parsed:
			fr.cover(rec.T)
			if multi {
				flush()
				ev = pendingEvent{rec: rec, p: p, n: n, line: bytes.Clone(line), ok: true}
				return false
			}
			fr.parsed(p, &rec, path, n, line)
		}
		return false
	}
	start := func() {
		if p != nil {
			st.format = p.format()
			if m, ok := p.(multiliner); ok && m.multiline() {
				multi = true
			}
		}
	}
	start()
	for {
		line, err := readLine(br, &buf)
		if err == io.EOF {
			break
		}
		if errors.Is(err, errLineTooLong) {
			st.lines++
			st.noteBad(st.lines, "(a line longer than 1 MiB)")
			if fr.bad != nil {
				fr.bad(path, st.lines, []byte("(a line longer than 1 MiB)"))
			}
			continue
		}
		if err != nil {
			st.gaps = append(st.gaps, fmt.Sprintf("read failed after line %d (%v); kept the lines before it", st.lines, err))
			break
		}
		st.lines++
		if st.lines%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return st, err
			}
		}
		if p == nil {
			if len(bytes.TrimSpace(line)) > 0 {
				pending = append(pending, numbered{bytes.Clone(line), st.lines})
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
		if handle(line, st.lines) {
			break
		}
	}
	if p == nil && len(pending) > 0 {
		if p = detect(pending, fr.env); p != nil {
			start()
			replay(pending, handle)
		} else {
			st.gaps = append(st.gaps, "format not recognised (not an access log, syslog, JSON, logfmt, Java or timestamped lines); hint: set format, or check the first lines")
			if fr.bad != nil {
				for _, l := range pending {
					fr.bad(path, l.n, l.text)
				}
			}
		}
	}
	flush()
	if st.bad > 0 {
		st.gaps = append(st.gaps, fmt.Sprintf("%d of %d lines read not understood, first at line %d: %q", st.bad, st.lines, st.firstBad, st.badText))
	}
	return st, nil
}

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
