package logs

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

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
	}
	for _, p := range paths {
		st, err := fr.read(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		for _, g := range st.gaps {
			s.out.Gaps = append(s.out.Gaps, sources.Gap{Source: "logs", What: p, Reason: g})
		}
	}
	return s.finish(), nil
}

type mineState struct {
	o    MineOptions
	m    *drain.Miner
	out  *Mined
	info map[ckey]*Template
}

// line mines one parsed line: access-log lines by method, route and
// status class, others by their message.
func (s *mineState) line(p lineParser, rec *Record, path string, n int, line []byte) {
	if rec.Status > 0 {
		method, path := rec.Method, rec.Path
		if rec.req != nil {
			method, path, _ = splitRequest(string(rec.req))
		}
		if method == "" {
			method = "<invalid>"
		}
		tmpl := method + " " + normRoute(path) + " " + statusClass(rec.Status)
		c := s.out.fixed[tmpl]
		if c == nil {
			c = &drain.Cluster{Seq: -1 - len(s.out.fixed)}
			s.out.fixed[tmpl] = c
			s.info[ckey{c: c}] = &Template{Template: tmpl}
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
		ti = &Template{Level: level, Example: logLine(path, n, t, line), seq: s.out.Lines}
		s.info[k] = ti
	}
	ti.Count++
	if !t.IsZero() && (ti.FirstSeen.IsZero() || t.Before(ti.FirstSeen)) {
		ti.FirstSeen = t
	}
}

func (s *mineState) finish() *Mined {
	out := s.out
	byTmpl := map[string]*Template{}
	keys := make([]ckey, 0, len(s.info))
	for k := range s.info {
		keys = append(keys, k)
	}
	// In order of first appearance: the first line of a template is its
	// example, whichever variants it joins.
	slices.SortFunc(keys, func(a, b ckey) int { return cmp.Compare(s.info[a].seq, s.info[b].seq) })
	for _, k := range keys {
		ti := s.info[k]
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
			first = t.FirstSeen.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(bw, "%s,%d,%s,%s,%s,%s\n", t.ID, t.Count, t.Level, first, csvField(t.Template),
			csvField(t.Example.Ref()))
	}
	return bw.Flush()
}
