package prometheus

import (
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/analyze"
	"github.com/hindsight-sre/hindsight/internal/demo"
	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/file"
	"github.com/hindsight-sre/hindsight/sources/kuma"
	"github.com/hindsight-sre/hindsight/sources/logs"
)

// TestDemoSameReportFromPrometheus: the demo's recorded metrics give the
// same report read offline (the file source) and backfilled into a real
// Prometheus (this source): the same symptoms, the same top cause, the
// same recurrence, for both of the demo's incidents.
func TestDemoSameReportFromPrometheus(t *testing.T) {
	mustBackends(t) // skip or fail as the other real-server tests do
	dir := t.TempDir()
	root := filepath.Join("..", "..", "testdata", "demo")
	om := filepath.Join(dir, "metrics.om")
	if err := gunzip(filepath.Join(root, "metrics.om.gz"), om); err != nil {
		t.Fatal(err)
	}
	url, p, err := startPrometheus(dir, "demo", "100y", []string{om}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer p.stop()

	loc, _ := time.LoadLocation(demo.Zone)
	cal := analyze.DefaultCalendar(loc)
	common := func(t *testing.T) []sources.Source {
		k, err := kuma.New(kuma.Config{Name: "kuma", Path: filepath.Join(root, "kuma.db")})
		if err != nil {
			t.Fatal(err)
		}
		ng, err := logs.New(logs.Config{Name: "nginx", Paths: []string{filepath.Join(root, "access.log*")}, Location: loc})
		if err != nil {
			t.Fatal(err)
		}
		sl, err := logs.New(logs.Config{Name: "syslog", Paths: []string{filepath.Join(root, "syslog-*")}, Location: loc})
		if err != nil {
			t.Fatal(err)
		}
		return []sources.Source{k, ng, sl}
	}
	offline, err := file.New(file.Config{Name: "metrics", Path: filepath.Join(root, "metrics.om.gz")})
	if err != nil {
		t.Fatal(err)
	}
	c := DefaultConfig()
	c.Name, c.URL = "metrics", url
	online, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, around := range []time.Time{
		time.Date(2025, 11, 20, 3, 10, 0, 0, loc), // the nightly backup
		time.Date(2025, 11, 21, 14, 5, 0, 0, loc), // the deploy outage
	} {
		w := sources.Window{From: around.Add(-2 * time.Hour), To: around.Add(time.Hour)}
		run := func(metrics sources.Source) *analyze.Findings {
			fetch := sources.Window{From: w.From.Add(-7 * 24 * time.Hour), To: w.To}
			ds := &sources.Dataset{}
			for _, s := range append(common(t), metrics) {
				part, err := s.Fetch(context.Background(), fetch, time.Minute)
				if err != nil {
					t.Fatalf("%s: %v", s.Name(), err)
				}
				ds.Merge(part)
			}
			ds.Sort()
			return analyze.Run(ds, analyze.Options{Window: w, Calendar: cal})
		}
		a, b := run(offline), run(online)
		if a.Inputs.Series == 0 || b.Inputs.Series == 0 {
			t.Fatalf("no metric series read: offline %d, Prometheus %d", a.Inputs.Series, b.Inputs.Series)
		}
		// The metrics must take part: the top suspect of the nightly spike
		// is corroborated by db1's disk, read from either place.
		if around.Hour() == 3 {
			for name, f := range map[string]*analyze.Findings{"offline": a, "prometheus": b} {
				if ev := f.Symptoms[0].Suspects[0].Evidence; len(ev) < 2 {
					t.Errorf("%s: the backup has no metric evidence: %+v", name, ev)
				}
			}
		}
		if len(a.Symptoms) == 0 || len(a.Symptoms) != len(b.Symptoms) {
			t.Fatalf("%s: %d symptoms offline, %d from Prometheus", around, len(a.Symptoms), len(b.Symptoms))
		}
		for i := range a.Symptoms {
			x, y := a.Symptoms[i], b.Symptoms[i]
			if x.Kind != y.Kind || x.Subject != y.Subject || !x.Start.Equal(y.Start) || !x.End.Equal(y.End) ||
				x.Recurrence.DaysSeen != y.Recurrence.DaysSeen {
				t.Errorf("%s: symptom %d differs:\n offline %s %s %s–%s seen %d\n prom    %s %s %s–%s seen %d", around, i,
					x.Kind, x.Subject, x.Start, x.End, x.Recurrence.DaysSeen, y.Kind, y.Subject, y.Start, y.End, y.Recurrence.DaysSeen)
			}
			if len(x.Suspects) == 0 || len(y.Suspects) == 0 || x.Suspects[0].Title != y.Suspects[0].Title {
				t.Errorf("%s: top suspect differs: offline %v, Prometheus %v", around, top(x), top(y))
			}
		}
	}
}

func top(s analyze.Symptom) string {
	if len(s.Suspects) == 0 {
		return "(none)"
	}
	return s.Suspects[0].Title
}

func gunzip(src, dst string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, zr); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
