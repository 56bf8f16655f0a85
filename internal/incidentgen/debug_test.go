package incidentgen_test

import (
	"os"
	"strconv"
	"testing"

	"github.com/hindsight-sre/hindsight/analyze"
	"github.com/hindsight-sre/hindsight/internal/incidentgen"
)

// TestDebugOne prints one incident's lead and suspects with evidence:
// HINDSIGHT_DEBUG=family/seed (tuning seeds only).
func TestDebugOne(t *testing.T) {
	v := os.Getenv("HINDSIGHT_DEBUG")
	if v == "" {
		t.Skip("set HINDSIGHT_DEBUG=family/seed")
	}
	fam, s, _ := cut(v)
	seed, _ := strconv.Atoi(s)
	if seed >= 10 {
		t.Fatal("held-out seeds are not for looking at")
	}
	inc, err := incidentgen.Generate(fam, seed, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range inc.Dataset.Events {
		if e.T.After(inc.Start.Add(-10e9*6)) && e.T.Before(inc.Start.Add(10e9*6)) {
			t.Logf("event %s %s %q %q", e.T.In(inc.Location).Format("15:04:05"), e.Kind, e.Title, e.Detail)
		}
	}
	f := analyze.Run(inc.Dataset, inc.Options)
	t.Logf("fault at %s: %s; window %s-%s", inc.Start.In(inc.Location).Format("15:04:05"), inc.Description,
		inc.Window.From.In(inc.Location).Format("15:04"), inc.Window.To.In(inc.Location).Format("15:04"))
	for _, an := range f.Anomalies {
		t.Logf("ANOMALY %s %s %s-%s peak %.3g base %.3g", an.Subject, an.Kind, an.Start.In(inc.Location).Format("15:04"),
			an.End.In(inc.Location).Format("15:04"), an.PeakValue, an.BaselineValue)
	}
	for _, s := range f.Symptoms {
		t.Logf("SYMPTOM %s %s %s: %s", s.Subject, s.Kind, s.Start.In(inc.Location).Format("15:04:05"), s.Recurrence.Sentence)
		for _, sp := range s.Suspects {
			t.Logf("  %.2f %+v [%s/%s] %s {%s}: %s", sp.Score, sp.Components, sp.Kind, sp.Cause, sp.Title, sp.Component, sp.Reason)
			for _, e := range sp.Evidence {
				t.Logf("      - %s", e.Text)
			}
		}
	}
}

func cut(s string) (string, string, bool) {
	for i := range s {
		if s[i] == '/' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
