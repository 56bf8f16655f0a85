package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/analyze"
	"github.com/hindsight-sre/hindsight/sources"
)

func TestSummaryUpstreamSection(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 3, 6, 0, 0, time.UTC)
	s := &analyze.Summary{Window: sources.Window{From: t0.Add(-24 * time.Hour), To: t0.Add(time.Hour)}, Zone: "UTC",
		Upstream: []analyze.TimelineEntry{{T: t0, Source: "github", Kind: "upstream", Text: "GitHub: Disruption with some GitHub services", Ref: "https://stspg.io/s2dftgks"}}}
	var b bytes.Buffer
	if err := WriteSummary(&b, "markdown", s, Options{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "## Upstream status pages") || !strings.Contains(out, "GitHub: Disruption with some GitHub services (github) https://stspg.io/s2dftgks") {
		t.Errorf("markdown:\n%s", out)
	}
	b.Reset()
	if err := WriteSummary(&b, "json", s, Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"upstream": [`) {
		t.Errorf("json lacks upstream:\n%s", b.String())
	}
}
