package logs

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/hindsight-sre/hindsight/internal/lines"
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

	seq int // order of first appearance, for a deterministic merge
}

// Mined is what Mine found.
type Mined struct {
	Templates []Template    `json:"templates"` // most frequent first
	Lines     int           `json:"lines"`     // lines read (in the window)
	Malformed int           `json:"malformed"` // lines the format did not understand (mined whole)
	Gaps      []sources.Gap `json:"gaps,omitempty"`
	perLine   []ckey
	fixed     map[string]*drain.Cluster // access-log templates, not mined
}

// ckey is a mined template while reading: a cluster and a variant.
type ckey struct {
	c *drain.Cluster
	v drain.Variant
}

func (k ckey) template(fixed map[*drain.Cluster]string) string {
	if k.c == nil {
		return "" // a blank line
	}
	if t, ok := fixed[k.c]; ok {
		return t
	}
	return k.c.Template(k.v)
}

// Mine reads the files ("-" is standard input) and mines their templates.
func Mine(ctx context.Context, paths []string, o MineOptions) (*Mined, error) {
	if o.Location == nil {
		o.Location = time.UTC
	}
	spec, err := parseFormat(o.Format)
	if err != nil {
		return nil, err
	}
	all := o.Window.From.IsZero() && o.Window.To.IsZero()
	w := o.Window
	ref := w.To
	if all {
		w = sources.Window{From: time.Unix(-1<<40, 0), To: time.Unix(1<<40, 0)}
		ref = time.Now()
	}
	newState := func() (*mineState, *fileReader) {
		s := &mineState{o: o, m: drain.New(o.Miner), out: &Mined{fixed: map[string]*drain.Cluster{}},
			info: map[ckey]*Template{}}
		fr := &fileReader{
			spec:   spec,
			env:    parserEnv{lazy: true, loc: o.Location, ref: ref},
			w:      w,
			stdin:  o.Stdin,
			parsed: s.line,
			bad: func(path string, n int, line []byte) {
				s.out.Malformed++
				s.addMessage(path, n, line, line, time.Time{}, "", 0)
			},
			cover: func(time.Time) {},
		}
		if o.PerLine {
			fr.blank = func() { s.out.perLine = append(s.out.perLine, ckey{}) }
			// A stack trace's line gets its event's template (the line
			// before's), as under a multi-line format.
			fr.cont = func() {
				var k ckey
				if n := len(s.out.perLine); n > 0 {
					k = s.out.perLine[n-1]
				}
				s.out.perLine = append(s.out.perLine, k)
			}
		}
		return s, fr
	}
	s, fr := newState()
	parts := []*mineState{s}
	var yearNotes []sources.Gap
	for _, p := range paths {
		if !o.PerLine && all {
			// A large plain file is read in chunks on all cores, as
			// Fetch reads it (readBig); the chunks' templates are merged
			// by their text in finish. Per-line output keeps one miner:
			// its rows are in line order.
			chunks, years, err := mineChunks(ctx, fr, p, newState)
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", p, err)
			}
			if chunks != nil {
				parts = append(parts, chunks...)
				// Later files go to a state of their own, after the
				// chunks, so that first appearance stays in file order.
				s, fr = newState()
				parts = append(parts, s)
				yearNotes = appendYearNote(yearNotes, p, years, all)
				continue
			}
		}
		st, err := fr.read(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		for _, g := range st.gaps {
			s.out.Gaps = append(s.out.Gaps, sources.Gap{Source: "logs", What: p, Reason: g})
		}
		yearNotes = appendYearNote(yearNotes, p, st.years, all)
	}
	m := finish(parts)
	// A file whose lines were moved to the year before already has a
	// note saying so (movedNote): one note a file.
	said := map[string]bool{}
	for _, g := range m.Gaps {
		if strings.Contains(g.Reason, "stamped without a year") {
			said[g.What] = true
		}
	}
	for _, n := range yearNotes {
		if !said[n.What] {
			m.Gaps = append(m.Gaps, n)
		}
	}
	// Times are written in the zone the user reads in (--timezone), as
	// the table and a report write them, not in UTC in JSON and CSV only.
	for i := range m.Templates {
		t := &m.Templates[i]
		if !t.FirstSeen.IsZero() {
			t.FirstSeen = t.FirstSeen.In(o.Location)
		}
		if !t.Example.T.IsZero() {
			t.Example.T = t.Example.T.In(o.Location)
		}
	}
	return m, nil
}

// mineChunks reads a large plain file in as many chunks as there are
// cores, each into a state of its own, and returns the states in file
// order; nil when the file is not one to cut (small, compressed, a
// multi-line format, one core).
func mineChunks(ctx context.Context, fr0 *fileReader, path string, newState func() (*mineState, *fileReader)) ([]*mineState, yearGuess, error) {
	var years yearGuess
	k := runtime.GOMAXPROCS(0)
	if k < 2 || path == "-" {
		return nil, years, nil
	}
	f, err := lines.Open(path)
	if err != nil {
		return nil, years, nil // read reports it
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() < parallelMin {
		return nil, years, nil
	}
	var magic [2]byte
	if n, _ := f.ReadAt(magic[:], 0); n == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		return nil, years, nil
	}
	p := fr0.spec.parser(fr0.env)
	if p == nil {
		if p = fr0.detectAt(f); p == nil {
			return nil, years, nil
		}
	}
	if m, ok := p.(multiliner); ok && m.multiline() {
		return nil, years, nil
	}
	bounds := []int64{0}
	buf := make([]byte, probeSize)
	for i := 1; i < k; i++ {
		off := st.Size() * int64(i) / int64(k)
		if _, at, ok := timeAt(f, buf, off, p); ok && at > bounds[len(bounds)-1] && at < st.Size() {
			bounds = append(bounds, at)
		}
	}
	bounds = append(bounds, st.Size())
	states := make([]*mineState, len(bounds)-1)
	stats := make([]readStats, len(states))
	g, gctx := errgroup.WithContext(ctx)
	for i := range states {
		s, fr := newState()
		fr.from, fr.to, fr.chunkLines = bounds[i], bounds[i+1], true
		states[i] = s
		g.Go(func() error {
			var err error
			stats[i], err = fr.read(gctx, path)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, years, err
	}
	// Lines of a chunk are numbered from its start: add the lines of the
	// chunks before it, so that every example names its line.
	before := 0
	for i, s := range states {
		if before > 0 {
			for _, t := range s.info {
				if t.Example.Line > 0 {
					t.Example.Line += before
				}
			}
		}
		before += stats[i].lines
		for _, gap := range stats[i].gaps {
			s.out.Gaps = append(s.out.Gaps, sources.Gap{Source: "logs", What: path, Reason: gap})
		}
		years.merge(stats[i].years)
	}
	return states, years, nil
}

// appendYearNote adds a note on the year path's year-less stamps (RFC
// 3164 syslog, "Nov 20 03:00:01") were given, when it had any: without a
// window it is this year's unless the file's last write says otherwise,
// so a log of another year is silently dated a year off (issue 18: the
// demo's syslog of 2025, cloned in 2026, listed templates first seen in
// 2026); the reader must see the assumption and how to change it.
// With a window, the user named the year: lines that would fall after it
// were put in the year before, as Fetch does, and are outside it anyway.
func appendYearNote(notes []sources.Gap, path string, g yearGuess, noWindow bool) []sources.Gap {
	if !noWindow || g.n == 0 || g.lo == 0 {
		return notes
	}
	years := fmt.Sprint(g.lo)
	if g.hi != g.lo {
		years = fmt.Sprintf("%d–%d", g.lo, g.hi)
	}
	return append(notes, sources.Gap{Source: "logs", What: path, Reason: fmt.Sprintf(
		"lines stamped without a year were read as %s, from today's date and the file's last write; if they are from another year, give --from and --to in it", years)})
}

type mineState struct {
	o    MineOptions
	m    *drain.Miner
	out  *Mined
	info map[ckey]*Template
	// routes caches the template of access-log lines by the shape of
	// the request line and the status class: a route is a function of
	// the request's shape (appendTemplate looks at whether a byte is a
	// digit, never at which), as the aggregator's accessAdder keeps it.
	routes *[4096]routeSlot
	tmpl   []byte // scratch for route templates
}

type routeSlot struct {
	k uint64
	c *drain.Cluster
}

// line mines one parsed line: access-log lines by method, route and
// status class, others by their message.
func (s *mineState) line(p lineParser, rec *Record, path string, n int, line []byte) {
	if rec.Status > 0 {
		var slot *routeSlot
		var k uint64
		var c *drain.Cluster
		if rec.req != nil {
			if s.routes == nil {
				s.routes = new([4096]routeSlot)
			}
			k = drain.Shape(rec.req) ^ uint64(rec.Status/100+1)*0x9E3779B97F4A7C15
			slot = &s.routes[k%uint64(len(s.routes))]
			if slot.k == k && slot.c != nil {
				c = slot.c
			}
		}
		if c == nil {
			if rec.req != nil {
				s.tmpl = appendRequestTemplate(s.tmpl[:0], rec.req)
			} else {
				s.tmpl = appendTemplate(s.tmpl[:0], rec.Method, rec.Path)
			}
			s.tmpl = append(append(s.tmpl, ' '), statusClass(rec.Status)...)
			c = s.out.fixed[string(s.tmpl)]
			if c == nil {
				tmpl := string(s.tmpl)
				c = &drain.Cluster{Seq: -1 - len(s.out.fixed)}
				s.out.fixed[tmpl] = c
				s.info[ckey{c: c}] = &Template{Template: tmpl}
			}
			if slot != nil {
				slot.k, slot.c = k, c
			}
		}
		level := "info"
		switch {
		case rec.Status >= 500:
			level = "error"
		case rec.Status >= 400:
			level = "warn"
		}
		s.note(ckey{c: c}, path, n, line, rec.T, level, 0)
		return
	}
	s.addMessage(path, n, line, rec.message(), rec.T, rec.Level, rec.cont)
}

func (s *mineState) addMessage(path string, n int, line, msg []byte, t time.Time, level string, cont int) {
	c, v := s.m.AddVariant(msg)
	s.note(ckey{c, v}, path, n, line, t, level, cont)
}

func (s *mineState) note(k ckey, path string, n int, line []byte, t time.Time, level string, cont int) {
	s.out.Lines++
	if s.o.PerLine {
		s.out.perLine = append(s.out.perLine, k)
		for range cont {
			// A stack trace's lines get their event's template: one
			// row per line read.
			s.out.perLine = append(s.out.perLine, k)
		}
	}
	ti := s.info[k]
	if ti == nil {
		ti = &Template{}
		s.info[k] = ti
	}
	if ti.Count == 0 { // an access-log route's template comes without its first line
		ti.Level, ti.Example, ti.seq = level, logLine(path, n, t, line), s.out.Lines
	}
	ti.Count++
	if !t.IsZero() && (ti.FirstSeen.IsZero() || t.Before(ti.FirstSeen)) {
		ti.FirstSeen = t
	}
}

// finish merges the states (one, or a file's chunks, in file order) into
// the first one's Mined.
func finish(parts []*mineState) *Mined {
	out := parts[0].out
	byTmpl := map[string]*Template{}
	type entry struct {
		k  ckey
		ti *Template
	}
	var keys []entry
	for i, s := range parts {
		from := len(keys)
		for k, ti := range s.info {
			keys = append(keys, entry{k, ti})
		}
		// In order of first appearance: the first line of a template is
		// its example, whichever variants it joins.
		slices.SortFunc(keys[from:], func(a, b entry) int { return cmp.Compare(a.ti.seq, b.ti.seq) })
		if i > 0 {
			out.Lines += s.out.Lines
			out.Malformed += s.out.Malformed
			out.Gaps = append(out.Gaps, s.out.Gaps...)
		}
	}
	for _, e := range keys {
		k, ti := e.k, e.ti
		t := ti.Template
		if t == "" {
			t = k.c.Template(k.v)
		}
		if prev := byTmpl[t]; prev != nil {
			prev.Count += ti.Count
			if !ti.FirstSeen.IsZero() && (prev.FirstSeen.IsZero() || ti.FirstSeen.Before(prev.FirstSeen)) {
				prev.FirstSeen = ti.FirstSeen
			}
			continue
		}
		cp := *ti
		cp.Template, cp.ID = t, drain.ID(t)
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
	return out
}

// WritePerLine writes CSV "LineId,EventTemplate", one row per line mined
// (LineId from 1 across the files, in order), each with its cluster's
// final template: the format a Loghub scorer reads.
func (m *Mined) WritePerLine(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("LineId,EventTemplate\n")
	fixed := map[*drain.Cluster]string{}
	for t, c := range m.fixed {
		fixed[c] = t
	}
	for i, k := range m.perLine {
		t := k.template(fixed)
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
			first = t.FirstSeen.Format(time.RFC3339)
		}
		fmt.Fprintf(bw, "%s,%d,%s,%s,%s,%s\n", t.ID, t.Count, t.Level, first, csvField(t.Template),
			csvField(t.Example.Ref()))
	}
	return bw.Flush()
}
