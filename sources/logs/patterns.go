package logs

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/logs/drain"
)

// MineOptions says how Mine reads and mines.
type MineOptions struct {
	// Format is "" (detect per file), a format name (nginx, syslog, ...)
	// or a header pattern / regular expression (see Config.Format).
	Format string
	// Window limits the lines mined; the zero Window means all lines.
	Window sources.Window
	// Location is the zone of timestamps that carry none; nil is UTC.
	Location *time.Location
	// PerLine keeps each line's cluster, for WritePerLine.
	PerLine bool
	// Miner tunes the template miner; zero means its defaults.
	Miner drain.Config
	// Stdin is read for the path "-"; nil means os.Stdin.
	Stdin io.Reader
}

// Template is one mined template.
type Template struct {
	ID        string          `json:"id"`
	Template  string          `json:"template"`
	Level     string          `json:"level,omitempty"`
	Count     int             `json:"count"`
	FirstSeen time.Time       `json:"first_seen,omitzero"`
	Example   sources.LogLine `json:"example"`
}

// Mined is what Mine found.
type Mined struct {
	Templates []Template    `json:"templates"` // most frequent first
	Lines     int           `json:"lines"`     // lines read (in the window)
	Malformed int           `json:"malformed"` // lines the format did not understand (mined whole)
	Gaps      []sources.Gap `json:"gaps,omitempty"`
	perLine   []*drain.Cluster
	fixed     map[string]*drain.Cluster // access-log templates, not mined
}

// Mine reads the files ("-" is standard input) and mines their templates.
func Mine(ctx context.Context, paths []string, o MineOptions) (*Mined, error) {
	if o.Location == nil {
		o.Location = time.UTC
	}
	var fixed *headerFormat
	switch {
	case o.Format == "" || o.Format == FormatNginx || o.Format == FormatSyslog:
	case o.Format == "apache", o.Format == "combined", o.Format == "access":
		o.Format = FormatNginx
	case looksLikeHeaderFormat(o.Format):
		h, err := parseHeaderFormat(o.Format)
		if err != nil {
			return nil, err
		}
		fixed = h
		ref := o.Window.To
		if ref.IsZero() {
			ref = time.Now()
		}
		h.stamps = newStampParser(o.Location, ref)
	default:
		return nil, fmt.Errorf("unknown format %q; hint: use nginx, syslog, a header pattern such as '<Date> <Time> <Level> <Content>', or leave it empty to detect", o.Format)
	}
	all := o.Window.From.IsZero() && o.Window.To.IsZero()
	w := o.Window
	if all {
		w = sources.Window{From: time.Unix(-1<<40, 0), To: time.Unix(1<<40, 0)}
	}
	mn := &mineState{o: o, w: w, m: drain.New(o.Miner), out: &Mined{fixed: map[string]*drain.Cluster{}},
		info: map[*drain.Cluster]*Template{}, syslog: newSyslogParser(o.Location, w.To), header: fixed}
	if all {
		mn.syslog.to = time.Now()
	}
	for _, p := range paths {
		if err := mn.file(ctx, p); err != nil {
			return nil, err
		}
	}
	return mn.finish(), nil
}

type mineState struct {
	o      MineOptions
	w      sources.Window
	m      *drain.Miner
	out    *Mined
	info   map[*drain.Cluster]*Template
	syslog *syslogParser
	header *headerFormat
	lineID int
}

// openLog opens a file, or standard input for "-", and gunzips it when it
// starts with the gzip magic.
func openLog(path string, stdin io.Reader) (io.Reader, func() error, error) {
	var f io.Reader
	closeFn := func() error { return nil }
	if path == "-" {
		f = stdin
		if f == nil {
			f = os.Stdin
		}
	} else {
		file, err := os.Open(path)
		if err != nil {
			return nil, nil, fmt.Errorf("open %s: %w; hint: check the path and that hindsight may read it", path, err)
		}
		if st, err := file.Stat(); err == nil && st.IsDir() {
			file.Close()
			return nil, nil, fmt.Errorf("%s is a directory; hint: name the files, e.g. %s/*.log", path, path)
		}
		f, closeFn = file, file.Close
	}
	br := bufio.NewReaderSize(f, 256<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			closeFn()
			return nil, nil, fmt.Errorf("gunzip %s: %w; hint: try gzip -t", path, err)
		}
		return zr, func() error { zr.Close(); return closeFn() }, nil
	}
	return br, closeFn, nil
}

func (s *mineState) file(ctx context.Context, path string) error {
	r, closeFn, err := openLog(path, s.o.Stdin)
	if err != nil {
		return err
	}
	defer closeFn()
	br := bufio.NewReaderSize(r, 256<<10)
	var p lineParser
	switch {
	case s.header != nil:
		p = s.header
	case s.o.Format == FormatNginx:
		p = nginxParser{}
	case s.o.Format == FormatSyslog:
		p = s.syslog
	}
	var buf []byte
	var rec Record
	var pending []numbered
	n := 0
	handle := func(line []byte, n int) {
		s.line(path, p, line, n, &rec)
	}
	for {
		line, err := readLine(br, &buf)
		if err == io.EOF {
			break
		}
		n++
		if errors.Is(err, errLineTooLong) {
			s.out.Malformed++
			s.addMessage(path, n, nil, []byte("(a line longer than 1 MiB)"), time.Time{}, "")
			continue
		}
		if err != nil {
			s.out.Gaps = append(s.out.Gaps, sources.Gap{Source: "logs", What: path,
				Reason: fmt.Sprintf("read failed after line %d (%v); kept the lines before it", n-1, err)})
			break
		}
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if p == nil {
			pending = append(pending, numbered{cloneBytes(line), n})
			if len(pending) < detectLines {
				continue
			}
			p = s.detect(pending)
			for _, l := range pending {
				handle(l.text, l.n)
			}
			pending = nil
			continue
		}
		handle(line, n)
	}
	if p == nil && len(pending) > 0 {
		p = s.detect(pending)
		for _, l := range pending {
			handle(l.text, l.n)
		}
	}
	return nil
}

func cloneBytes(b []byte) []byte { return append([]byte(nil), b...) }

// detect picks the parser that understands most lines; nil means none
// does, and lines are mined whole.
func (s *mineState) detect(lines []numbered) lineParser {
	var best lineParser
	bestN := 0
	var rec Record
	for _, p := range []lineParser{nginxParser{}, s.syslog} {
		n := 0
		for _, l := range lines {
			if p.parse(l.text, &rec, s.w) != malformed {
				n++
			}
		}
		if n > bestN {
			best, bestN = p, n
		}
	}
	return best
}

// line mines one line.
func (s *mineState) line(path string, p lineParser, line []byte, n int, rec *Record) {
	if p == nil {
		s.addMessage(path, n, line, line, time.Time{}, "")
		return
	}
	switch p.parse(line, rec, s.w) {
	case outside:
		return
	case malformed:
		s.out.Malformed++
		s.addMessage(path, n, line, line, time.Time{}, "")
		return
	}
	if p.format() == FormatNginx {
		method := rec.Method
		if method == "" {
			method = "<invalid>"
		}
		tmpl := method + " " + normRoute(rec.Path) + " " + statusClass(rec.Status)
		c := s.out.fixed[tmpl]
		if c == nil {
			c = &drain.Cluster{Seq: -1 - len(s.out.fixed)}
			s.out.fixed[tmpl] = c
			s.info[c] = &Template{Template: tmpl}
		}
		c.Count++
		level := "info"
		switch {
		case rec.Status >= 500:
			level = "error"
		case rec.Status >= 400:
			level = "warn"
		}
		s.note(c, path, n, line, rec.T, level)
		return
	}
	s.addMessage(path, n, line, []byte(rec.Message), rec.T, rec.Level)
}

func (s *mineState) addMessage(path string, n int, line, msg []byte, t time.Time, level string) {
	c := s.m.Add(msg)
	s.note(c, path, n, line, t, level)
}

func (s *mineState) note(c *drain.Cluster, path string, n int, line []byte, t time.Time, level string) {
	s.out.Lines++
	if s.o.PerLine {
		s.out.perLine = append(s.out.perLine, c)
	}
	ti := s.info[c]
	if ti == nil {
		ti = &Template{Level: level, Example: sources.LogLine{File: path, Line: n, T: t, Text: truncate(string(line), 500)}}
		s.info[c] = ti
	}
	if !t.IsZero() && (ti.FirstSeen.IsZero() || t.Before(ti.FirstSeen)) {
		ti.FirstSeen = t
	}
}

func (s *mineState) finish() *Mined {
	out := s.out
	byTmpl := map[string]*Template{}
	for c, ti := range s.info {
		t := ti.Template
		if t == "" {
			t = c.String()
		}
		if prev := byTmpl[t]; prev != nil {
			prev.Count += c.Count
			if !ti.FirstSeen.IsZero() && (prev.FirstSeen.IsZero() || ti.FirstSeen.Before(prev.FirstSeen)) {
				prev.FirstSeen = ti.FirstSeen
			}
			continue
		}
		cp := *ti
		cp.Template, cp.Count, cp.ID = t, c.Count, drain.ID(t)
		if cp.Level == "" {
			cp.Level = levelOf(t)
		}
		byTmpl[t] = &cp
	}
	for _, t := range byTmpl {
		out.Templates = append(out.Templates, *t)
	}
	slices.SortFunc(out.Templates, func(a, b Template) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Template, b.Template)
	})
	if out.Malformed > 0 {
		out.Gaps = append(out.Gaps, sources.Gap{Source: "logs", What: "lines",
			Reason: fmt.Sprintf("%d of %d lines not understood by the format; mined whole", out.Malformed, out.Lines)})
	}
	return out
}

// WritePerLine writes CSV "LineId,EventTemplate", one row per line mined
// (LineId from 1 across the files, in order), each with its cluster's
// final template: the format a Loghub scorer reads.
func (m *Mined) WritePerLine(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("LineId,EventTemplate\n")
	tmpl := map[*drain.Cluster]string{}
	for c := range m.fixed {
		tmpl[m.fixed[c]] = c
	}
	for i, c := range m.perLine {
		t, ok := tmpl[c]
		if !ok {
			t = c.String()
			tmpl[c] = t
		}
		bw.WriteString(strconv.Itoa(i + 1))
		bw.WriteByte(',')
		bw.WriteString(csvField(t))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// csvField quotes a CSV field when it needs it (RFC 4180).
func csvField(s string) string {
	need := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"', ',', '\n', '\r':
			need = true
		}
	}
	if !need && (len(s) == 0 || (s[0] != ' ' && s[len(s)-1] != ' ')) {
		return s
	}
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return string(append(b, '"'))
}

// WriteCSV writes the templates as CSV: id,count,level,first_seen,template,example.
func (m *Mined) WriteCSV(w io.Writer, limit int) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("id,count,level,first_seen,template,example\n")
	for i, t := range m.Templates {
		if limit > 0 && i >= limit {
			break
		}
		first := ""
		if !t.FirstSeen.IsZero() {
			first = t.FirstSeen.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(bw, "%s,%d,%s,%s,%s,%s\n", t.ID, t.Count, t.Level, first, csvField(t.Template),
			csvField(t.Example.File+":"+strconv.Itoa(t.Example.Line)))
	}
	return bw.Flush()
}
