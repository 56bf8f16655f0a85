package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hindsight-sre/hindsight/analyze"
	"github.com/hindsight-sre/hindsight/internal/scenarios"
)

// TestScenarios runs the whole pipeline over every scenario in
// testdata/scenarios and checks the symptom and the top cause each one
// expects. It prints rank-1 accuracy (go test -run TestScenarios -v ./cmd).
func TestScenarios(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("..", "testdata", "scenarios", "*", "expect.json"))
	if err != nil || len(dirs) < 12 {
		t.Fatalf("found %d scenarios, want at least 12 (hint: go run ./internal/scenarios/genscenarios): %v", len(dirs), err)
	}
	right := 0
	for _, path := range dirs {
		var e scenarios.Expect
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &e); err != nil {
			t.Fatal(err)
		}
		ok := t.Run(e.Name, func(t *testing.T) {
			f, err := findings(context.Background(), &analyzeOptions{
				config: filepath.Join(filepath.Dir(path), "hindsight.yaml"),
				window: windowOptions{around: e.Around, before: "2h", after: "1h"},
			}, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			checkScenario(t, e, f)
		})
		if ok {
			right++
		}
	}
	fmt.Printf("scenarios: rank-1 accuracy %d/%d = %.0f%%\n", right, len(dirs), 100*float64(right)/float64(len(dirs)))
	t.Logf("rank-1 accuracy %d/%d", right, len(dirs))
}

func checkScenario(t *testing.T, e scenarios.Expect, f *analyze.Findings) {
	t.Helper()
	if len(f.Symptoms) == 0 {
		t.Fatalf("%s: no symptom found", e.Description)
	}
	s := f.Symptoms[0]
	if string(s.Kind) != e.Symptom || (e.Subject != "" && s.Subject != e.Subject) {
		t.Fatalf("first symptom %s %s, want %s %s", s.Subject, s.Kind, e.Subject, e.Symptom)
	}
	if s.Recurrence.Recurring != e.Recurring {
		t.Errorf("recurring = %v, want %v (%s)", s.Recurrence.Recurring, e.Recurring, s.Recurrence.Sentence)
	}
	var titles []string
	for _, sp := range s.Suspects {
		titles = append(titles, fmt.Sprintf("%.2f %s [%s]", sp.Score, sp.Title, sp.Kind))
	}
	list := strings.Join(titles, "\n  ")
	if e.Top == "" {
		if !s.Unexplained {
			t.Errorf("blamed something for a symptom with no cause in the data:\n  %s", list)
		}
	} else if s.Unexplained || len(s.Suspects) == 0 || !regexp.MustCompile(e.Top).MatchString(s.Suspects[0].Title) {
		t.Errorf("top suspect does not match %q:\n  %s", e.Top, list)
	}
	for _, also := range e.Also {
		re := regexp.MustCompile(also)
		found := false
		for _, sp := range s.Suspects {
			found = found || re.MatchString(sp.Title)
		}
		if !found {
			t.Errorf("no suspect matches %q:\n  %s", also, list)
		}
	}
	if e.Episode > 0 {
		if len(f.Episodes) != 1 || len(f.Episodes[0].Subjects) != e.Episode {
			t.Errorf("episodes %+v, want one of %d probes", f.Episodes, e.Episode)
		}
	}
}
