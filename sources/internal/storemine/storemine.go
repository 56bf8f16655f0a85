// Package storemine mines the lines a log store (VictoriaLogs, Loki)
// returns, one logs.Lines per stream, so that each stream's format is
// detected on its own and its patterns are named after it.
package storemine

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/logs"
)

// MaxStreams bounds the streams mined one by one; the lines of further
// ones are mined together as Others.
const MaxStreams = 200

// Others names the lines of the streams past MaxStreams.
const Others = "other streams"

// Miners are the logs.Lines of each stream.
type Miners struct {
	c        logs.Config
	w        sources.Window
	step     time.Duration
	byStream map[string]*logs.Lines
	order    []string
	others   int
	err      error
	n        int
}

// New makes the miners of one fetch.
func New(c logs.Config, w sources.Window, step time.Duration) *Miners {
	return &Miners{c: c, w: w, step: step, byStream: map[string]*logs.Lines{}}
}

// Add takes one line of the stream named stream, at t.
func (m *Miners) Add(t time.Time, stream string, line []byte) {
	m.n++
	l := m.byStream[stream]
	name := stream
	if l == nil {
		if len(m.order) >= MaxStreams {
			m.others++
			name = Others
			l = m.byStream[Others]
		}
		if l == nil {
			var err error
			l, err = logs.NewLines(m.c, name, m.w, m.step)
			if err != nil {
				m.err = err
				return
			}
			m.order = append(m.order, name)
			m.byStream[name] = l
		}
		m.byStream[stream] = l
	}
	l.Add(t, stream, line)
}

// Lines is how many lines Add took.
func (m *Miners) Lines() int { return m.n }

// Err is the error of making a miner (a bad format), if any.
func (m *Miners) Err() error { return m.err }

// Emit adds every stream's data to ds. Of a sample, only the patterns
// are kept: its request rates would be wrong, and events are fetched
// whole apart.
func (m *Miners) Emit(ds *sources.Dataset, sampled bool) {
	for _, k := range m.order {
		tmp := &sources.Dataset{}
		m.byStream[k].Emit(tmp)
		if sampled {
			tmp.Series, tmp.Events = nil, nil
		}
		ds.Merge(tmp)
	}
	if m.others > 0 {
		ds.Notes = append(ds.Notes, fmt.Sprintf("%s: more than %d streams; the lines of %d further streams are mined together as %q", m.c.Name, MaxStreams, m.others, Others))
	}
}

// Name is a stream's label values joined by "/", in the order of their
// sorted names: {app="api",host="web1"} is api/web1; def for none.
func Name(labels map[string]string, def string) string {
	if len(labels) == 0 {
		return def
	}
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	vals := make([]string, len(keys))
	for i, k := range keys {
		vals[i] = labels[k]
	}
	return strings.Join(vals, "/")
}
