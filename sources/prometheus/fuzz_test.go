package prometheus

import (
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// The parsers here read what a server says: its error messages, its
// retention setting, VictoriaMetrics' /flags page. None may panic, and what
// they return must come from their input.

func FuzzParseSyntaxError(f *testing.F) {
	for _, s := range []string{
		`invalid parameter "query": 1:5: parse error: unclosed left parenthesis`,
		`1:14: parse error: unexpected end of input`,
		`parse error at char 7: unexpected "}"`,
		`error when executing query="foo(" (time=1795551696339, step=300000): singleExpr: unexpected token ""; want "(", "{", "-", "+"; unparsed data: ""`,
		`cannot parse "rate(x[5m]": missing ")"`,
		`99999999999999999999:1: parse error: x`,
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		pe, ok := parseSyntaxError(msg)
		if !ok {
			return
		}
		if pe.Line < 0 || pe.Col < 0 {
			t.Fatalf("negative position %+v", pe)
		}
		if !strings.Contains(msg, pe.Text) {
			t.Fatalf("text %q not in %q", pe.Text, msg)
		}
	})
}

func FuzzParseRetention(f *testing.F) {
	for _, s := range []string{"15d", "100y", "15d or 512MiB", "512MiB", "1", "3", "30d", `"100y"`, "2w3d", "90m", "500ms", "0", "-1", "1e308", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := parseRetention(s)
		if ok && d <= 0 {
			t.Fatalf("parseRetention(%q) = %v, ok", s, d)
		}
	})
}

func FuzzVMRetentionFlag(f *testing.F) {
	f.Add("-httpListenAddr=\"127.0.0.1:8428\"\n-retentionPeriod=\"100y\"\n-search.disableCache=\"true\"\n")
	f.Add("-retentionPeriod=1")
	f.Add("")
	f.Fuzz(func(t *testing.T, page string) {
		v, ok := vmRetentionFlag(page)
		if ok && !strings.Contains(page, v) {
			t.Fatalf("value %q not in the page", v)
		}
	})
}

// The plan of any window keeps its invariants (see checkPlan).
func FuzzMakePlan(f *testing.F) {
	f.Add(int64(1763564400), int64(3*86400), int64(60), int64(60))
	f.Add(int64(1763564401), int64(59), int64(60), int64(15))
	f.Add(int64(1763564400), int64(400*86400), int64(10), int64(10))
	f.Add(int64(0), int64(1), int64(0), int64(0))
	f.Fuzz(func(t *testing.T, from, dur, asked, scrape int64) {
		if from < 0 || from > 1<<34 || dur <= 0 || dur > 3*365*86400 || asked < 0 || asked > 86400 || scrape <= 0 || scrape > 3600 {
			t.Skip()
		}
		w := sources.Window{From: time.Unix(from, 0).UTC(), To: time.Unix(from+dur, 0).UTC()}
		p := makePlan(w, time.Duration(asked)*time.Second, time.Duration(scrape)*time.Second)
		if p.step < time.Duration(asked)*time.Second || p.step < time.Duration(scrape)*time.Second {
			t.Fatalf("step %v below the asked %ds or the scrape interval %ds", p.step, asked, scrape)
		}
		if len(p.chunks) > 0 && int64(w.Duration()/p.step) > maxPointsPerSeries+1 {
			t.Fatalf("step %v gives %d points", p.step, w.Duration()/p.step)
		}
		checkPlan(t, w, p)
		for _, parts := range []int{2, 4, 7} { // split for concurrency
			q := p
			q.split(parts)
			checkPlan(t, w, q)
		}
	})
}
