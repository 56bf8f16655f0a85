package analyze

import (
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// An upstream status-page incident is a cause candidate only when the
// config says the service depends on that page (the statuspage source then
// leaves Context unset); otherwise it is in the timeline and nothing more.
func TestUpstreamIncidentIsASuspectOnlyWhenDependedOn(t *testing.T) {
	for _, dep := range []bool{true, false} {
		s, around := deployOutage()
		// Drop the deploy and restart: the upstream incident is then the
		// only event near the outage.
		var evs []sources.Event
		for _, e := range s.ds.Events {
			if e.Kind != sources.KindDeploy && e.Kind != sources.KindRestart {
				evs = append(evs, e)
			}
		}
		s.ds.Events = evs
		start := around.Add(-4 * time.Minute)
		s.ds.Events = append(s.ds.Events, sources.Event{Source: "githubstatus", T: start, End: start.Add(40 * time.Minute),
			Kind: sources.KindUpstream, Severity: sources.Error, Title: "upstream: GitHub: Incident with Git operations",
			Ref: "https://www.githubstatus.com/incidents/abc", Context: !dep})
		f := s.run(around, 2*time.Hour, time.Hour)
		if len(f.Symptoms) != 1 {
			t.Fatalf("want 1 symptom, got %d", len(f.Symptoms))
		}
		var suspect, shown bool
		for _, sp := range f.Symptoms[0].Suspects {
			suspect = suspect || strings.Contains(sp.Title, "GitHub")
		}
		for _, te := range f.Timeline {
			shown = shown || strings.Contains(te.Text, "GitHub")
		}
		if suspect != dep {
			t.Errorf("depends_on=%v: upstream incident a suspect: %v (%s)", dep, suspect, titles(f.Symptoms[0].Suspects))
		}
		if !shown {
			t.Errorf("depends_on=%v: the incident is not in the timeline", dep)
		}
	}
}

// The nightly summary lists upstream incidents always, depended on or not.
func TestSummaryListsUpstreamIncidents(t *testing.T) {
	s, around := deployOutage()
	start := around.Add(-30 * time.Minute)
	s.ds.Events = append(s.ds.Events, sources.Event{Source: "slackstatus", T: start, End: start.Add(20 * time.Minute),
		Kind: sources.KindUpstream, Title: "upstream: Slack: Files are failing to upload", Context: true})
	sum := Summarize(s.run(around, 2*time.Hour, time.Hour), nil, nil)
	if len(sum.Upstream) != 1 || !strings.Contains(sum.Upstream[0].Text, "Slack: Files") || !sum.Upstream[0].T.Equal(start) {
		t.Fatalf("summary upstream: %+v", sum.Upstream)
	}
}

// A team's known events match CloudTrail changes and upstream incidents
// too: a weekly scaling change at a fixed time, a vendor's known
// maintenance by its title.
func TestLabelKnownChangeAndUpstream(t *testing.T) {
	at := func(h, m int) time.Time { return time.Date(2026, 11, 20, h, m, 0, 0, time.UTC) }
	f := &Findings{
		Symptoms: []Symptom{{ID: "S1", Kind: LatencySpike, Subject: "ALB", Start: at(3, 12), Suspects: []Suspect{
			{Rank: 1, Kind: SuspectEvent, Title: "change: autoscaling UpdateAutoScalingGroup shop-web", Source: "aws", Start: at(3, 0)},
			{Rank: 2, Kind: SuspectEvent, Title: "upstream: GitHub: Incident with Actions", Source: "github", Start: at(3, 5)},
		}}},
		Timeline: []TimelineEntry{
			{T: at(3, 0), Source: "aws", Kind: "change", Text: "autoscaling UpdateAutoScalingGroup shop-web"},
			{T: at(3, 5), Source: "github", Kind: "upstream", Text: "GitHub: Incident with Actions"},
		},
	}
	LabelKnown(f, []KnownEvent{
		{Name: "nightly scale-in", Schedule: "0 3 * * *", Location: time.UTC},
		{Name: "GitHub Actions flakes", Pattern: `^upstream: GitHub: .*Actions`},
	})
	for i, want := range []string{"nightly scale-in", "GitHub Actions flakes"} {
		if got := f.Symptoms[0].Suspects[i].Known; got != want {
			t.Errorf("suspect %d: known %q, want %q", i+1, got, want)
		}
		if got := f.Timeline[i].Known; got != want {
			t.Errorf("timeline %d: known %q, want %q", i, got, want)
		}
	}
}

// A CloudWatch series names its resource by a dimension (it has no host
// label, and its source is a whole account): that is its component.
func TestComponentOfCloudWatchDimensions(t *testing.T) {
	for _, c := range []struct {
		labels map[string]string
		want   string
	}{
		{map[string]string{"DBInstanceIdentifier": "shop-db", sources.LabelExhaustion: "falling"}, "shop-db"},
		{map[string]string{"InstanceId": "i-0abc"}, "i-0abc"},
		{map[string]string{"LoadBalancer": "app/shop/1", "TargetGroup": "targetgroup/shop/2"}, "app/shop/1"},
		{map[string]string{"instance": "web1:9100", "InstanceId": "i-0abc"}, "web1"},
		{map[string]string{"namespace": "AWS/EC2"}, ""},
	} {
		if got := componentOfLabels(c.labels); got != c.want {
			t.Errorf("componentOfLabels(%v) = %q, want %q", c.labels, got, c.want)
		}
	}
}
