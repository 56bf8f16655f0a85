package logs

import (
	"bytes"
	"fmt"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// Lines mines log lines that come from elsewhere than a file (a log
// store's answer to a query: VictoriaLogs, Loki) with the same parsers,
// event rules (cron, backup, deploy, restart, OOM) and template miner as
// Fetch, so that the same lines give the same series, events and patterns
// whichever way they were read.
//
// Each line comes with the store's time for it, which places it: the
// store indexed the line by that time and counts by it, so it wins over a
// time the text may carry. The text is parsed by the configured format
// (Config.Format, Config.Fields), or by the one detected from the first
// lines; a line no format reads (a store often keeps only the message) is
// mined whole as its message.
//
// A Lines is used by one goroutine: Add the lines, then Emit once.
type Lines struct {
	a    *aggregator
	acc  *accessAdder
	p    lineParser
	env  parserEnv
	rec  Record
	held []heldLine // lines kept until the format is detected
	// detected: the format is known (or none fits); held is empty.
	detected bool
	n        int
}

type heldLine struct {
	t    time.Time
	ref  string
	line []byte
}

// NewLines makes a miner for one stream of lines named set (it stands in
// for the file name in patterns, series labels and gaps) over w, counted
// per step. c.Paths is not used.
func NewLines(c Config, set string, w sources.Window, step time.Duration) (*Lines, error) {
	if err := w.Valid(); err != nil {
		return nil, err
	}
	if step <= 0 {
		return nil, fmt.Errorf("step %v is not positive", step)
	}
	if c.Name == "" {
		c.Name = "logs"
	}
	spec, err := parseFormat(c.Format)
	if err != nil {
		return nil, fmt.Errorf("format: %w", err)
	}
	reportLoc, err := c.zones()
	if err != nil {
		return nil, err
	}
	s := &Source{c: c, spec: spec, reportLoc: reportLoc}
	if s.deployRe, err = compile(c.DeployPattern, DefaultDeployPattern); err != nil {
		return nil, fmt.Errorf("deploy_pattern: %w", err)
	}
	if s.backupRe, err = compile(c.BackupPattern, DefaultBackupPattern); err != nil {
		return nil, fmt.Errorf("backup_pattern: %w", err)
	}
	a := newAggregator(s, &fileSet{name: set}, w, step)
	l := &Lines{a: a, acc: newAccessAdder(a)}
	l.env = parserEnv{lazy: true, loc: c.Location, ref: w.To, fields: c.Fields}
	l.p = spec.parser(l.env)
	l.detected = l.p != nil
	return l, nil
}

// Add takes one line the store holds at t; ref names where it came from in
// examples and events (a stream), with the line's number in the order Add
// saw it. Lines outside the window are counted as covered, not mined. The
// line is copied where kept: the caller may reuse it.
func (l *Lines) Add(t time.Time, ref string, line []byte) {
	if !l.detected {
		l.held = append(l.held, heldLine{t, ref, bytes.Clone(line)})
		if len(l.held) >= detectLines {
			l.detect()
		}
		return
	}
	l.add(t, ref, line)
}

// detect picks the format from the held lines and mines them.
func (l *Lines) detect() {
	lines := make([]numbered, len(l.held))
	for i, h := range l.held {
		lines[i] = numbered{text: firstLineOf(h.line), n: i + 1}
	}
	l.p = detect(lines, l.env)
	l.detected = true
	held := l.held
	l.held = nil
	for _, h := range held {
		l.add(h.t, h.ref, h.line)
	}
}

// firstLine is a message's first line: a store keeps a stack trace as one
// entry, whose first line names the event.
func firstLineOf(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return bytes.TrimRight(b[:i], "\r")
	}
	return b
}

func (l *Lines) add(t time.Time, ref string, line []byte) {
	l.n++
	l.a.cover(t)
	if !l.a.w.Contains(t) {
		return
	}
	text := firstLineOf(line)
	if len(bytes.TrimSpace(text)) == 0 {
		return
	}
	r := &l.rec
	format := "message"
	if l.p != nil && l.p.parse(text, r, allTimes) == parsed {
		format = l.p.format()
	} else {
		r.reset(t, false)
		r.msg = text
	}
	r.T = t
	r.guessedYear = false
	if r.Status > 0 {
		if l.acc.a.accessFormat == "" {
			l.acc.a.accessFormat = accessKindOf(l.p)
		}
		l.acc.add(r, ref, l.n, text)
		return
	}
	l.a.add(format, r, ref, l.n, text)
}

// Added is how many lines Add took, in the window or not.
func (l *Lines) Added() int { return l.n + len(l.held) }

// Emit adds the series, events, patterns and gaps of the lines to ds.
func (l *Lines) Emit(ds *sources.Dataset) {
	if !l.detected {
		l.detect()
	}
	l.acc.flushCover()
	l.a.emit(ds)
}
