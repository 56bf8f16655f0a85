package logs

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hindsight-sre/hindsight/sources/logs/drain"
)

// loghubDir is where the shared Loghub-2k fixtures are, relative to the
// repository root. They are research data: measured against, never copied
// into the repository.
const loghubDir = "../shared/fixtures/loghub"

// loghubSets are the four samples and their header patterns, as the
// fixtures' README gives them. The miner's settings are the same for all.
var loghubSets = []struct{ name, format string }{
	{"HDFS", `<Date> <Time> <Pid> <Level> <Component>: <Content>`},
	{"Apache", `\[<Time>\] \[<Level>\] <Content>`},
	{"OpenSSH", `<Date> <Day> <Time> <Component> sshd\[<Pid>\]: <Content>`},
	{"Linux", `<Month> <Date> <Time> <Level> <Component>(\[<PID>\])?: <Content>`},
}

func repoRoot(tb testing.TB) string {
	dir, err := filepath.Abs(".")
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			tb.Fatal("no go.mod above the test's directory")
		}
		dir = up
	}
}

// TestLoghubAccuracy scores the miner on the Loghub-2k samples: grouping
// accuracy (a line is right when the lines sharing its predicted template
// are exactly those sharing its true one) and parsing accuracy (a line is
// right when its template is the true one), against the corrected labels
// of Loghub 2.0. It runs what `hindsight logs patterns FILE --format F
// --per-line` runs.
func TestLoghubAccuracy(t *testing.T) {
	dir := filepath.Join(repoRoot(t), loghubDir)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("no Loghub fixtures at %s (the repository's ../shared/fixtures/loghub): %v", dir, err)
	}
	var sumGA, sumPA float64
	for _, set := range loghubSets {
		log := filepath.Join(dir, set.name, set.name+"_2k.log")
		o := MineOptions{Format: set.format, PerLine: true}
		if v := os.Getenv("LOGHUB_ST"); v != "" { // for sweeps: one value for all sets
			fmt.Sscan(v, &o.Miner.Similarity)
		}
		m, err := Mine(context.Background(), []string{log}, o)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := m.WritePerLine(&out); err != nil {
			t.Fatal(err)
		}
		pred := mustCSVColumn(t, out.Bytes(), "EventTemplate")
		truthCSV, err := os.ReadFile(filepath.Join(dir, set.name, set.name+"_2k.log_structured_corrected.csv"))
		if err != nil {
			t.Fatal(err)
		}
		truth := mustCSVColumn(t, truthCSV, "EventTemplate")
		if len(pred) != len(truth) {
			t.Fatalf("%s: %d lines predicted, %d labelled", set.name, len(pred), len(truth))
		}
		ga, pa := scoreTemplates(pred, truth)
		sumGA += ga
		sumPA += pa
		t.Logf("%-8s GA %.3f  PA %.3f  (%d templates)", set.name, ga, pa, len(m.Templates))
		if testing.Verbose() && os.Getenv("LOGHUB_DIFF") != "" {
			shown := map[string]int{}
			for i := range pred {
				if pred[i] != truth[i] {
					if shown[truth[i]+pred[i]]++; shown[truth[i]+pred[i]] == 1 {
						t.Logf("  line %d\n    want %s\n    got  %s", i+1, truth[i], pred[i])
					}
				}
			}
			predOf := map[string]map[string]int{}
			for i := range pred {
				if predOf[pred[i]] == nil {
					predOf[pred[i]] = map[string]int{}
				}
				predOf[pred[i]][truth[i]]++
			}
			for p, ts := range predOf {
				if len(ts) > 1 {
					t.Logf("  merged into %q: %v", p, ts)
				}
			}
		}
	}
	n := float64(len(loghubSets))
	t.Logf("average  GA %.3f  PA %.3f", sumGA/n, sumPA/n)
	// The target is GA 0.98, PA 0.75 on average. The floor is
	// the target for GA and just under the figures of 2026-11-24 for PA
	// (GA 1.000, PA 0.999), so that a change that loses accuracy is seen.
	if sumGA/n < 0.98 || sumPA/n < 0.99 {
		t.Errorf("average GA %.3f, PA %.3f: below the floor this test keeps (0.98, 0.99)", sumGA/n, sumPA/n)
	}
}

// scoreTemplates computes grouping and parsing accuracy.
func scoreTemplates(pred, truth []string) (ga, pa float64) {
	predGroups := map[string][]int{}
	truthGroups := map[string][]int{}
	for i := range pred {
		predGroups[pred[i]] = append(predGroups[pred[i]], i)
		truthGroups[truth[i]] = append(truthGroups[truth[i]], i)
	}
	okGroup, okParse := 0, 0
	for i := range pred {
		p, q := predGroups[pred[i]], truthGroups[truth[i]]
		if len(p) == len(q) && fmt.Sprint(p) == fmt.Sprint(q) {
			okGroup++
		}
		if pred[i] == truth[i] {
			okParse++
		}
	}
	n := float64(len(pred))
	return float64(okGroup) / n, float64(okParse) / n
}

func mustCSVColumn(tb testing.TB, data []byte, col string) []string {
	tb.Helper()
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	idx := -1
	for i, h := range recs[0] {
		if h == col {
			idx = i
		}
	}
	if idx < 0 {
		tb.Fatalf("no column %s in %v", col, recs[0])
	}
	out := make([]string, 0, len(recs)-1)
	for _, r := range recs[1:] {
		out = append(out, r[idx])
	}
	return out
}

// BenchmarkLoghubMiner: Drain alone over the messages of the four
// Loghub-2k samples (their Content column), a fresh miner for each
// sample, so that every template and shape is seen for the first time
// once a sample: real unstructured messages, warm-up included.
func BenchmarkLoghubMiner(b *testing.B) {
	dir := filepath.Join(repoRoot(b), loghubDir)
	var sets [][][]byte
	size := 0
	for _, set := range loghubSets {
		data, err := os.ReadFile(filepath.Join(dir, set.name, set.name+"_2k.log_structured_corrected.csv"))
		if err != nil {
			b.Skipf("no Loghub fixtures at %s (the repository's ../shared/fixtures/loghub): %v", dir, err)
		}
		var msgs [][]byte
		for _, m := range mustCSVColumn(b, data, "Content") {
			msgs = append(msgs, []byte(m))
			size += len(m)
		}
		sets = append(sets, msgs)
	}
	n := 0
	for b.Loop() {
		for _, msgs := range sets {
			m := drain.New(drain.Config{})
			for _, msg := range msgs {
				m.Add(msg)
			}
			n += len(msgs)
		}
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(n)/sec, "msgs/s")
	b.ReportMetric(float64(size)*float64(b.N)/1e6/sec, "MB/s")
}
