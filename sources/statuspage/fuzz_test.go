package statuspage

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// bodyTransport answers every request with the same body.
type bodyTransport []byte

func (b bodyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Status: "200 OK", Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(b)), Request: r}, nil
}

// FuzzPages feeds any bytes to each provider's reader as every page it
// asks for: it must return events or an error, never panic, and every
// event must lie in the window.
func FuzzPages(f *testing.F) {
	for _, name := range []string{"github-incidents.json", "github-scheduled-maintenances.json", "slack-history.json", "slack-current.json", "kuma-page.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"incidents":[{"id":"a","started_at":"2026-11-20T03:00:00Z","resolved_at":"2026-11-19T03:00:00Z"}]}`))
	f.Add([]byte(`[{"id":1,"date_created":"2026-11-20T03:00:00Z","date_updated":"bad","status":"resolved"}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, c := range []Config{{Provider: "statuspage"}, {Provider: "slack"}, {Provider: "kuma", Slug: "s"}} {
			c.URL, c.StateDir, c.DependsOn = "http://status.test", "-", []string{"*"}
			c.Client = &http.Client{Transport: bodyTransport(body)}
			c.Now = func() time.Time { return now }
			s, err := New(c)
			if err != nil {
				t.Fatal(err)
			}
			ds, err := s.Fetch(context.Background(), day, time.Minute)
			if err != nil {
				continue
			}
			for _, e := range ds.Events {
				if !e.T.Before(day.To) || !e.End.IsZero() && e.End.Before(day.From) {
					t.Errorf("%s: event %q at %s..%s outside %s", c.Provider, e.Title, e.T, e.End, day)
				}
			}
			_ = sources.Window{}
		}
	})
}
