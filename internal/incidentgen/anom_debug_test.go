package incidentgen_test

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/hindsight-sre/hindsight/analyze"
	"github.com/hindsight-sre/hindsight/internal/incidentgen"
)

func TestDebugAnomalies(t *testing.T) {
	v := os.Getenv("HINDSIGHT_DEBUG_ANOM")
	if v == "" {
		t.Skip("set HINDSIGHT_DEBUG_ANOM=family/seed")
	}
	fam, s, _ := cut(v)
	seed := 0
	for _, c := range s {
		seed = seed*10 + int(c-'0')
	}
	inc, err := incidentgen.Generate(fam, seed, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f := analyze.Run(inc.Dataset, analyze.Options{Window: inc.Window, Calendar: analyze.DefaultCalendar(inc.Location)})
	t.Logf("start %s window %s", inc.Start.In(inc.Location).Format("15:04"), inc.Window.From.In(inc.Location).Format("15:04"))
	for _, s := range f.Symptoms {
		t.Logf("SYMPTOM %s %s %s", s.Subject, s.Kind, s.Start.In(inc.Location).Format("15:04"))
	}
	for _, a := range f.Anomalies {
		if strings.Contains(a.Subject, os.Getenv("HINDSIGHT_DEBUG_GREP")) {
			t.Logf("ANOM %s %s %.1f %s", a.Start.In(inc.Location).Format("15:04"), a.Subject, a.Score, a.Explanation)
		}
	}
}

func TestDebugSeries(t *testing.T) {
	v := os.Getenv("HINDSIGHT_DEBUG_SERIES")
	if v == "" {
		t.Skip("set HINDSIGHT_DEBUG_SERIES=family/seed")
	}
	fam, s, _ := cut(v)
	seed := 0
	for _, c := range s {
		seed = seed*10 + int(c-'0')
	}
	inc, err := incidentgen.Generate(fam, seed, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range inc.Dataset.Series {
		if !strings.Contains(s.Key(), os.Getenv("HINDSIGHT_DEBUG_GREP")) {
			continue
		}
		var vals []string
		for _, p := range s.Points {
			if p.T.After(inc.Start.Add(-8*60e9)) && p.T.Before(inc.Start.Add(8*60e9)) {
				vals = append(vals, strconv.FormatFloat(p.V, 'g', 3, 64))
			}
		}
		t.Logf("%s role=%v unit=%s n=%d: %s", s.Key(), s.Role, s.Unit, len(s.Points), strings.Join(vals, " "))
	}
}
