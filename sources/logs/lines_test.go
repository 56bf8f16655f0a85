package logs

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// storeLines reads the demo's files as a log store would hold them: each
// line with its time, oldest file first.
func storeLines(t *testing.T, s *Source) []heldLine {
	t.Helper()
	sets, err := s.sets()
	if err != nil {
		t.Fatal(err)
	}
	var out []heldLine
	for _, set := range sets {
		for _, f := range set.files {
			fr := &fileReader{spec: s.spec, env: parserEnv{loc: s.c.Location, ref: time.Date(2025, 11, 22, 0, 0, 0, 0, time.UTC), fields: s.c.Fields}, w: allTimes,
				parsed: func(p lineParser, r *Record, path string, n int, line []byte) {
					out = append(out, heldLine{t: r.T, ref: set.name, line: append([]byte(nil), line...)})
				}}
			if _, err := fr.read(context.Background(), f); err != nil {
				t.Fatal(err)
			}
		}
	}
	return out
}

// TestLinesMatchFiles: the demo's logs mined through Lines, as a log store
// would hand them over, give the files' series, events and patterns (all
// but the references, which name the store's stream).
func TestLinesMatchFiles(t *testing.T) {
	seoul, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Fatal(err)
	}
	w := sources.Window{From: time.Date(2025, 11, 19, 3, 10, 0, 0, seoul), To: time.Date(2025, 11, 21, 3, 10, 0, 0, seoul)}
	for _, glob := range []string{"access.log*", "syslog-*"} {
		t.Run(glob, func(t *testing.T) {
			c := Config{Name: "demo", Paths: []string{filepath.Join("..", "..", "testdata", "demo", glob)}, Location: seoul}
			s, err := New(c)
			if err != nil {
				t.Fatal(err)
			}
			want, err := s.Fetch(context.Background(), w, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			all := storeLines(t, s)
			bySet := map[string][]heldLine{}
			var names []string
			for _, h := range all {
				if bySet[h.ref] == nil {
					names = append(names, h.ref)
				}
				bySet[h.ref] = append(bySet[h.ref], h)
			}
			got := &sources.Dataset{Window: w, Step: time.Minute}
			for _, name := range names {
				l, err := NewLines(c, name, w, time.Minute)
				if err != nil {
					t.Fatal(err)
				}
				for _, h := range bySet[name] {
					l.Add(h.t, name, h.line)
				}
				l.Emit(got)
			}
			got.Sort()
			if len(want.Patterns) == 0 || len(want.Events) == 0 && glob == "syslog-*" {
				t.Fatalf("the files gave %d patterns, %d events: the test needs some", len(want.Patterns), len(want.Events))
			}
			if a, b := summarize(got), summarize(want); !slices.Equal(a, b) {
				t.Errorf("Lines and files differ:\n got  %d items\n want %d items", len(a), len(b))
				for i := range min(len(a), len(b)) {
					if a[i] != b[i] {
						t.Errorf("first difference at %d:\n got  %s\n want %s", i, a[i], b[i])
						break
					}
				}
			}
		})
	}
}

// summarize lists what analysis reads of a dataset, references left out.
func summarize(ds *sources.Dataset) []string {
	var out []string
	for _, s := range ds.Series {
		sum := 0.0
		for _, p := range s.Points {
			sum += p.V
		}
		out = append(out, fmt.Sprintf("series %s %d points sum %.6g", s.Key(), len(s.Points), sum))
	}
	for _, e := range ds.Events {
		out = append(out, fmt.Sprintf("event %s %s %s %s", e.T.UTC().Format(time.RFC3339), e.Kind, e.Severity, e.Title))
	}
	for _, p := range ds.Patterns {
		out = append(out, fmt.Sprintf("pattern %s %s %s %d first %s buckets %d", p.File, p.Level, p.Template, p.Total(), p.FirstSeen.UTC().Format(time.RFC3339), len(p.Counts)))
	}
	return out
}
