package cmd

import (
	"context"
	"encoding/json"
	"github.com/hindsight-sre/hindsight/report"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// receiver is a local webhook endpoint that records what it was sent and
// answers with the statuses given, then 200.
type receiver struct {
	mu       sync.Mutex
	statuses []int
	bodies   []string
	types    []string
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if req.Method != http.MethodPost || !strings.HasPrefix(req.URL.Path, "/services/T000/B000/") {
		http.Error(w, "bad request line", http.StatusBadRequest)
		return
	}
	r.bodies = append(r.bodies, string(b))
	r.types = append(r.types, req.Header.Get("Content-Type"))
	if len(r.statuses) > 0 {
		st := r.statuses[0]
		r.statuses = r.statuses[1:]
		http.Error(w, "try later", st)
		return
	}
	io.WriteString(w, "ok")
}

func TestWebhookSlackPayload(t *testing.T) {
	rec := &receiver{}
	srv := httptest.NewServer(rec) // listens on 127.0.0.1
	defer srv.Close()
	t.Setenv("HINDSIGHT_WEBHOOK_URL", srv.URL+"/services/T000/B000/secret-token")
	_, code, stderr := mustSummary(t, "2025-11-20", t.TempDir(), "--webhook", "slack")
	if code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if len(rec.bodies) != 1 || rec.types[0] != "application/json" {
		t.Fatalf("got %d posts (%v), want one application/json", len(rec.bodies), rec.types)
	}
	var msg map[string]any
	if err := json.Unmarshal([]byte(rec.bodies[0]), &msg); err != nil {
		t.Fatalf("payload is not JSON: %v\n%s", err, rec.bodies[0])
	}
	text, _ := msg["text"].(string)
	if len(msg) != 1 || !strings.HasPrefix(text, "*Nightly summary, 2025-11-19 18:00 – 2025-11-20 07:00 KST*") ||
		!strings.Contains(text, "As expected and unchanged: nightly database backup") || !strings.Contains(text, "app_queue_depth") {
		t.Errorf("not a Slack incoming-webhook payload with the summary:\n%s", rec.bodies[0])
	}
	if strings.Contains(stderr, "secret-token") {
		t.Error("the webhook URL was printed")
	}
}

func TestWebhookJSONPayload(t *testing.T) {
	rec := &receiver{}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	t.Setenv("HOOK", srv.URL+"/services/T000/B000/x")
	_, code, stderr := mustSummary(t, "2025-11-20", t.TempDir(), "--webhook", "json", "--webhook-env", "HOOK")
	if code != exitOK || len(rec.bodies) != 1 {
		t.Fatalf("exit %d, %d posts\n%s", code, len(rec.bodies), stderr)
	}
	var doc summaryDoc
	if err := report.ReadJSON([]byte(rec.bodies[0]), &doc); err != nil || doc.Schema != "hindsight/summary/v2" || len(doc.Summary.Episodes) == 0 {
		t.Errorf("generic JSON payload: %v, schema %q, %d episodes", err, doc.Schema, len(doc.Summary.Episodes))
	}
}

func TestWebhookRetries(t *testing.T) {
	rec := &receiver{statuses: []int{http.StatusInternalServerError, http.StatusServiceUnavailable}}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	var waits []time.Duration
	h := &webhook{url: srv.URL + "/services/T000/B000/secret-token", client: srv.Client(), attempts: 4, backoff: 2 * time.Second,
		sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
	if err := h.post(context.Background(), []byte(`{"text":"hi"}`)); err != nil {
		t.Fatalf("failed twice then succeeded, yet: %v", err)
	}
	if len(rec.bodies) != 3 || rec.bodies[2] != `{"text":"hi"}` {
		t.Errorf("want 3 identical posts, got %q", rec.bodies)
	}
	if len(waits) != 2 || waits[0] != 2*time.Second || waits[1] != 4*time.Second {
		t.Errorf("backoff %v, want [2s 4s]", waits)
	}
}

func TestWebhookGivesUpWithoutLeakingURL(t *testing.T) {
	for _, c := range []struct {
		name     string
		statuses []int
		posts    int
	}{
		{"404 is not retried", []int{404}, 1},
		{"500 four times", []int{500, 500, 500, 500}, 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := &receiver{statuses: c.statuses}
			srv := httptest.NewServer(rec)
			defer srv.Close()
			h := &webhook{url: srv.URL + "/services/T000/B000/secret-token", client: srv.Client(), attempts: 4, backoff: time.Millisecond, sleep: sleepCtx}
			err := h.post(context.Background(), []byte(`{}`))
			if err == nil || len(rec.bodies) != c.posts {
				t.Fatalf("err %v after %d posts, want an error after %d", err, len(rec.bodies), c.posts)
			}
			if strings.Contains(err.Error(), "secret-token") || !strings.Contains(err.Error(), "hint:") {
				t.Errorf("error leaks the URL or has no hint: %v", err)
			}
		})
	}
	// A refused connection: net/http's error names the URL; ours must not.
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL + "/services/T000/B000/secret-token"
	srv.Close()
	h := &webhook{url: u, client: &http.Client{}, attempts: 2, backoff: time.Millisecond, sleep: sleepCtx}
	if err := h.post(context.Background(), []byte(`{}`)); err == nil || strings.Contains(err.Error(), "secret-token") {
		t.Errorf("refused connection: %v", err)
	}
}

func TestWebhookNeedsTheEnvironment(t *testing.T) {
	t.Setenv("HINDSIGHT_WEBHOOK_URL", "")
	_, code, stderr := mustSummary(t, "2025-11-20", t.TempDir(), "--webhook", "slack")
	if code != exitUsage || !strings.Contains(stderr, "HINDSIGHT_WEBHOOK_URL") || !strings.Contains(stderr, "hint:") {
		t.Errorf("exit %d, stderr %q; want 2 naming the variable", code, stderr)
	}
}
