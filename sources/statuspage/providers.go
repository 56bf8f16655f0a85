package statuspage

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Atlassian Statuspage API v2 shapes (the fields read).
type spPage struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

type spComponent struct {
	Name string `json:"name"`
}

type spUpdate struct {
	Status             string        `json:"status"`
	Body               string        `json:"body"`
	CreatedAt          *time.Time    `json:"created_at"`
	AffectedComponents []spComponent `json:"affected_components"`
}

type spIncident struct {
	ID              string        `json:"id"`
	Name            string        `json:"name"`
	Status          string        `json:"status"`
	Impact          string        `json:"impact"`
	Shortlink       string        `json:"shortlink"`
	CreatedAt       *time.Time    `json:"created_at"`
	StartedAt       *time.Time    `json:"started_at"`
	ResolvedAt      *time.Time    `json:"resolved_at"`
	ScheduledFor    *time.Time    `json:"scheduled_for"`
	ScheduledUntil  *time.Time    `json:"scheduled_until"`
	Components      []spComponent `json:"components"`
	IncidentUpdates []spUpdate    `json:"incident_updates"`
}

func (s *Source) readStatuspage(ctx context.Context) (page, error) {
	var inc struct {
		Page      spPage       `json:"page"`
		Incidents []spIncident `json:"incidents"`
	}
	if err := s.get(ctx, "/api/v2/incidents.json", &inc); err != nil {
		return page{}, err
	}
	pg := page{name: inc.Page.Name}
	for _, x := range inc.Incidents {
		if in, ok := spToIncident(x, false, inc.Page.URL); ok {
			pg.incidents = append(pg.incidents, in)
		}
	}
	var mnt struct {
		ScheduledMaintenances []spIncident `json:"scheduled_maintenances"`
	}
	if err := s.get(ctx, "/api/v2/scheduled-maintenances.json", &mnt); err != nil {
		return page{}, err
	}
	for _, x := range mnt.ScheduledMaintenances {
		if in, ok := spToIncident(x, true, inc.Page.URL); ok {
			pg.incidents = append(pg.incidents, in)
		}
	}
	var comp struct {
		Components []struct {
			Name  string `json:"name"`
			Group bool   `json:"group"`
		} `json:"components"`
	}
	if err := s.get(ctx, "/api/v2/components.json", &comp); err != nil {
		return page{}, err
	}
	for _, c := range comp.Components {
		pg.components = append(pg.components, c.Name)
	}
	return pg, nil
}

func spToIncident(x spIncident, maintenance bool, pageURL string) (Incident, bool) {
	in := Incident{ID: x.ID, Title: x.Name, Status: x.Status, Impact: x.Impact, Link: x.Shortlink, Maintenance: maintenance}
	if in.Link == "" && pageURL != "" && x.ID != "" {
		in.Link = strings.TrimRight(pageURL, "/") + "/incidents/" + x.ID
	}
	switch {
	case maintenance && x.ScheduledFor != nil:
		in.Start = *x.ScheduledFor
	case x.StartedAt != nil:
		in.Start = *x.StartedAt
	case x.CreatedAt != nil:
		in.Start = *x.CreatedAt
	default:
		return in, false
	}
	if maintenance {
		in.Impact = "maintenance"
		// A maintenance ends when it is completed (resolved_at), else when
		// it was scheduled to; one not begun has no end yet.
		switch {
		case x.ResolvedAt != nil:
			in.End = *x.ResolvedAt
		case x.Status == "completed" && x.ScheduledUntil != nil:
			in.End = *x.ScheduledUntil
		}
	} else if x.ResolvedAt != nil {
		in.End = *x.ResolvedAt
	}
	if in.Impact == "" {
		in.Impact = "none"
	}
	seen := map[string]bool{}
	add := func(n string) {
		if n != "" && !seen[n] {
			seen[n] = true
			in.Components = append(in.Components, n)
		}
	}
	for _, c := range x.Components {
		add(c.Name)
	}
	// Updates name the components they touched, also ones since restored
	// and so no longer in the incident's own list.
	var latest *spUpdate
	for i := range x.IncidentUpdates {
		u := &x.IncidentUpdates[i]
		for _, c := range u.AffectedComponents {
			add(c.Name)
		}
		if u.CreatedAt != nil && (latest == nil || latest.CreatedAt == nil || u.CreatedAt.After(*latest.CreatedAt)) {
			latest = u
		}
	}
	slices.Sort(in.Components)
	if latest != nil {
		in.Update = clip(firstLine(latest.Body), 200)
	}
	in.Start, in.End = in.Start.UTC(), in.End.UTC()
	return in, true
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// Slack status API v2.0.0 shapes.
type slackIncident struct {
	ID          flexID   `json:"id"`
	DateCreated string   `json:"date_created"`
	DateUpdated string   `json:"date_updated"`
	Title       string   `json:"title"`
	Type        string   `json:"type"`   // incident, notice, outage
	Status      string   `json:"status"` // active, resolved, scheduled, completed
	URL         string   `json:"url"`
	Services    []string `json:"services"`
	Notes       []struct {
		DateCreated string `json:"date_created"`
		Body        string `json:"body"`
	} `json:"notes"`
}

// flexID is an id sent as a number or a string: Slack's documentation
// shows "546", its history answers 546.
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	*f = flexID(strings.Trim(string(b), `"`))
	return nil
}

// slackImpact: Slack's types in the words of Statuspage's impact.
var slackImpact = map[string]string{"outage": "critical", "incident": "major", "notice": "minor", "maintenance": "maintenance"}

func (s *Source) readSlack(ctx context.Context) (page, error) {
	var hist []slackIncident
	if err := s.get(ctx, "/api/v2.0.0/history", &hist); err != nil {
		return page{}, err
	}
	var cur struct {
		Status          string          `json:"status"`
		ActiveIncidents []slackIncident `json:"active_incidents"`
	}
	if err := s.get(ctx, "/api/v2.0.0/current", &cur); err != nil {
		return page{}, err
	}
	pg := page{name: "Slack"}
	seen := map[flexID]bool{}
	for _, x := range append(cur.ActiveIncidents, hist...) {
		if seen[x.ID] {
			continue
		}
		seen[x.ID] = true
		start, err := time.Parse(time.RFC3339, x.DateCreated)
		if err != nil {
			continue
		}
		in := Incident{ID: "slack-" + string(x.ID), Title: x.Title, Start: start.UTC(), Status: x.Status, Link: x.URL,
			Components: slices.Sorted(slices.Values(x.Services)), Impact: slackImpact[x.Type], Maintenance: x.Type == "maintenance"}
		if in.Impact == "" {
			in.Impact = "minor"
		}
		// Slack gives no end time: a resolved incident ended at its last
		// update, which is when the resolving note was posted.
		if x.Status == "resolved" || x.Status == "completed" {
			if t, err := time.Parse(time.RFC3339, x.DateUpdated); err == nil && !t.Before(start) {
				in.End = t.UTC()
			}
		}
		if n := len(x.Notes); n > 0 {
			in.Update = clip(firstLine(x.Notes[n-1].Body), 200)
		}
		pg.incidents = append(pg.incidents, in)
	}
	return pg, nil
}

// Uptime Kuma public status page shapes (/api/status-page/SLUG).
type kumaPage struct {
	Config struct {
		Title string `json:"title"`
		Slug  string `json:"slug"`
	} `json:"config"`
	Incident *struct {
		ID              int64  `json:"id"`
		Style           string `json:"style"` // info, warning, danger, primary, light, dark
		Title           string `json:"title"`
		Content         string `json:"content"`
		CreatedDate     string `json:"createdDate"`
		LastUpdatedDate string `json:"lastUpdatedDate"`
	} `json:"incident"`
	MaintenanceList []struct {
		ID           int64  `json:"id"`
		Title        string `json:"title"`
		Description  string `json:"description"`
		Status       string `json:"status"`
		TimeslotList []struct {
			StartDate string `json:"startDate"`
			EndDate   string `json:"endDate"`
		} `json:"timeslotList"`
	} `json:"maintenanceList"`
	PublicGroupList []struct {
		MonitorList []struct {
			Name string `json:"name"`
		} `json:"monitorList"`
	} `json:"publicGroupList"`
}

// kumaImpact: the incident banner's style in Statuspage's words.
var kumaImpact = map[string]string{"danger": "major", "warning": "minor", "dark": "critical"}

// parseKumaTime reads Kuma's "2006-01-02 15:04:05" (UTC, from its
// database) and ISO 8601.
func parseKumaTime(s string) (time.Time, bool) {
	for _, f := range []string{"2006-01-02 15:04:05", time.RFC3339, "2006-01-02T15:04:05.000Z", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(f, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func (s *Source) readKuma(ctx context.Context) (page, error) {
	var kp kumaPage
	if err := s.get(ctx, "/api/status-page/"+s.c.Slug, &kp); err != nil {
		return page{}, err
	}
	pg := page{name: kp.Config.Title}
	link := s.base.JoinPath("/status/" + s.c.Slug).String()
	for _, g := range kp.PublicGroupList {
		for _, m := range g.MonitorList {
			pg.components = append(pg.components, m.Name)
		}
	}
	if x := kp.Incident; x != nil {
		if t, ok := parseKumaTime(x.CreatedDate); ok {
			im := kumaImpact[x.Style]
			if im == "" {
				im = "minor"
			}
			// A Kuma incident is a banner: pinned while it lasts, then gone.
			// It is open while shown; remember() ends it when it goes.
			pg.incidents = append(pg.incidents, Incident{ID: fmt.Sprintf("kuma-%d", x.ID), Title: x.Title, Start: t,
				Impact: im, Status: "pinned", Link: link, Update: clip(firstLine(x.Content), 200), Open: true})
		}
	}
	for _, m := range kp.MaintenanceList {
		for i, ts := range m.TimeslotList {
			st, ok1 := parseKumaTime(ts.StartDate)
			en, ok2 := parseKumaTime(ts.EndDate)
			if !ok1 {
				continue
			}
			in := Incident{ID: fmt.Sprintf("kuma-maintenance-%d-%d", m.ID, i), Title: m.Title, Start: st, Maintenance: true,
				Impact: "maintenance", Status: m.Status, Link: link, Update: clip(firstLine(m.Description), 200)}
			if ok2 {
				in.End = en
			}
			pg.incidents = append(pg.incidents, in)
		}
	}
	return pg, nil
}
