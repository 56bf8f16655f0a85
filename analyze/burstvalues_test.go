package analyze

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/logs"
)

// TestBruteForceIsOneFindingNamingItsAddress: sshd writes a brute force
// as three templates; read from a real auth.log, the burst before the
// outage is one suspect and one anomaly, named by the one address behind
// it, with its share of the burst against the baseline, and examples from
// inside the burst. Before, each template was a rival suspect and none
// named the address.
func TestBruteForceIsOneFindingNamingItsAddress(t *testing.T) {
	end := time.Date(2025, 11, 21, 0, 0, 0, 0, seoul)
	s := newScenario(8, end)
	day := time.Date(2025, 11, 20, 0, 0, 0, 0, seoul)
	burst0, down0, down1 := at(day, 11, 20), at(day, 11, 23), at(day, 11, 30)
	s.probe("Shop", func(t time.Time) (sources.Status, float64) {
		if !t.Before(down0) && t.Before(down1) {
			return sources.Down, 0
		}
		return sources.Up, s.noise(0.11, 0.16)
	})
	kinds := []string{
		"Failed password for root from %s port %d ssh2",
		"Invalid user admin from %s port %d",
		"Disconnected from authenticating user root %s port %d [preauth]",
	}
	var b strings.Builder
	line := 0
	for t := s.start; t.Before(end); t = t.Add(time.Minute) {
		n := 0
		addr := ""
		switch {
		case !t.Before(burst0) && t.Before(down1):
			n, addr = 30, "103.99.0.122"
		case s.rng.IntN(60) == 0:
			n = 1
		}
		for i := range n {
			a := addr
			if a == "" {
				a = fmt.Sprintf("198.51.100.%d", s.rng.IntN(250))
			}
			for k, f := range kinds {
				line++
				ts := t.Add(time.Duration(i) * time.Second)
				fmt.Fprintf(&b, "%s web1 sshd[%d]: %s\n", ts.Format(time.Stamp), 100+line, fmt.Sprintf(f, a, 40000+i+k))
			}
		}
	}
	path := filepath.Join(t.TempDir(), "auth.log")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := logs.New(logs.Config{Paths: []string{path}, Location: seoul})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := src.Fetch(context.Background(), sources.Window{From: s.start, To: end}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	s.ds.Patterns = append(s.ds.Patterns, ds.Patterns...)
	f := s.run(at(day, 11, 25), 2*time.Hour, time.Hour)
	if len(f.Symptoms) == 0 || f.Symptoms[0].Kind != Outage {
		t.Fatalf("want the outage first, got %+v", f.Symptoms)
	}
	var named []Suspect
	for _, sp := range f.Symptoms[0].Suspects {
		if strings.Contains(sp.Title, "sshd") {
			t.Errorf("a template of the brute force is a suspect of its own: %s", sp.Title)
		}
		if strings.HasPrefix(sp.Title, "103.99.0.122: 3 patterns") {
			named = append(named, sp)
		}
	}
	if len(named) != 1 {
		t.Fatalf("want one suspect named by the address, got %s", titles(f.Symptoms[0].Suspects))
	}
	ev := named[0].Evidence
	if len(ev) != 4 || !regexp.MustCompile(`^103\.99\.0\.122 \(address\) in (\d+) of (\d+) lines at 11:2`).MatchString(ev[0].Text) ||
		!strings.Contains(ev[0].Text, "against 0% of the pattern's lines outside the burst") {
		t.Errorf("evidence %+v", ev)
	}
	for _, e := range ev[1:] {
		if len(e.Lines) == 0 {
			t.Errorf("no example lines in %q", e.Text)
		}
		for _, l := range e.Lines {
			if l.T.Before(burst0) || !strings.Contains(l.Text, "103.99.0.122") {
				t.Errorf("example from outside the burst: %s %s", l.T, l.Text)
			}
		}
	}
	groups := 0
	for _, an := range f.Anomalies {
		if an.Kind != LogBurst {
			continue
		}
		if strings.HasPrefix(an.Subject, "103.99.0.122: 3 patterns") {
			groups++
		} else if strings.Contains(an.Subject, "sshd") {
			t.Errorf("a template of the brute force is an anomaly of its own: %s", an.Subject)
		}
	}
	if groups != 1 {
		t.Errorf("want one anomaly named by the address, got %d", groups)
	}
}

// TestSurgeNamesItsRouteAndCampaign: a mail campaign sends many clients to
// one landing page and the shop slows down; read from a real access log,
// the request surge's evidence names the route and the campaign, against
// their baseline, not only the request rate.
func TestSurgeNamesItsRouteAndCampaign(t *testing.T) {
	end := time.Date(2025, 11, 21, 0, 0, 0, 0, seoul)
	s := newScenario(3, end)
	day := time.Date(2025, 11, 20, 0, 0, 0, 0, seoul)
	surge0, surge1 := at(day, 20, 0), at(day, 20, 30)
	in := func(t time.Time) bool { return !t.Before(surge0) && t.Before(surge1) }
	s.probe("Shop", func(t time.Time) (sources.Status, float64) {
		if in(t) && !t.Before(surge0.Add(3*time.Minute)) {
			return sources.Up, s.noise(2.5, 3)
		}
		return sources.Up, s.noise(0.11, 0.16)
	})
	var b strings.Builder
	routes := []string{"/", "/cart", "/api/items/%d", "/landing"}
	for t := s.start; t.Before(end); t = t.Add(time.Minute) {
		n := 5 + s.rng.IntN(3)
		if in(t) {
			n += 120
		}
		for i := range n {
			path, q := routes[s.rng.IntN(len(routes))], ""
			if strings.Contains(path, "%d") {
				path = fmt.Sprintf(path, s.rng.IntN(900))
			}
			if path == "/landing" {
				q = "?utm_source=web&utm_campaign=spring"
			}
			if in(t) && i >= 7 {
				path, q = "/landing", "?utm_source=mail&utm_campaign=blackfriday"
			}
			fmt.Fprintf(&b, "198.51.%d.%d - - [%s] \"GET %s%s HTTP/1.1\" 200 512 \"-\" \"Mozilla/5.0 (build %d)\"\n",
				s.rng.IntN(200), s.rng.IntN(250), t.Add(time.Duration(i%60)*time.Second).Format("02/Jan/2006:15:04:05 -0700"), path, q, s.rng.IntN(20))
		}
	}
	path := filepath.Join(t.TempDir(), "access.log")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := logs.New(logs.Config{Paths: []string{path}, Location: seoul})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := src.Fetch(context.Background(), sources.Window{From: s.start, To: end}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	s.ds.Merge(ds)
	f := s.run(at(day, 20, 10), 2*time.Hour, time.Hour)
	if len(f.Symptoms) == 0 {
		t.Fatal("no symptom")
	}
	var texts []string
	for _, sp := range f.Symptoms[0].Suspects {
		if sp.Kind != SuspectAnomaly || !strings.HasPrefix(sp.Title, "nginx requests") {
			continue
		}
		for _, e := range sp.Evidence {
			texts = append(texts, e.Text)
		}
	}
	all := strings.Join(texts, "\n")
	if !strings.Contains(all, "routes: GET /landing 2xx") {
		t.Errorf("the surge's evidence does not name its route:\n%s\n(suspects %s)", all, titles(f.Symptoms[0].Suspects))
	}
	if !regexp.MustCompile(`utm_campaign=blackfriday \(campaign\) in \d+ of \d+ lines (at 20:\d\d|sampled from the burst), against 0% of the pattern's lines outside the burst`).MatchString(all) {
		t.Errorf("the surge's evidence does not name its campaign against the baseline:\n%s", all)
	}
	if strings.Contains(all, "(client)") {
		t.Errorf("a client is named, though the surge came from many:\n%s", all)
	}
}

// TestExamplesFromTheSample: a burst whose lines are not among the
// pattern's examples (not its busiest step) takes its examples from the
// sampled lines inside it, earliest first, not from the pattern's first
// lines weeks before.
func TestExamplesFromTheSample(t *testing.T) {
	day := time.Date(2025, 11, 20, 0, 0, 0, 0, seoul)
	line := func(h, m, n int) sources.LogLine {
		return sources.LogLine{File: "app.log", Line: n, T: at(day, h, m), Text: fmt.Sprintf("line %d", n)}
	}
	p := &sources.LogPattern{
		Examples: []sources.LogLine{line(1, 0, 1), line(1, 0, 2), line(2, 0, 90)},
		Sample: []sources.LogSample{
			{T: at(day, 3, 41), Line: ptr(line(3, 41, 502))}, {T: at(day, 1, 30)}, {T: at(day, 3, 40), Line: ptr(line(3, 40, 480))},
			{T: at(day, 5, 0), Line: ptr(line(5, 0, 900))},
		},
	}
	got := examples(p, at(day, 3, 30), at(day, 4, 0))
	if len(got) != 2 || got[0].Line != 480 || got[1].Line != 502 {
		t.Errorf("examples %+v, want lines 480 and 502", got)
	}
	if got := examples(p, at(day, 1, 0), at(day, 1, 1)); len(got) != 2 || got[0].Line != 1 {
		t.Errorf("examples %+v, want the pattern's own first", got)
	}
}

func ptr[T any](v T) *T { return &v }
