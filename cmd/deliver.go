package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/hindsight-sre/hindsight/internal/redact"
)

// outputPath expands an --output template such as
// "reports/{{.Date}}-summary.md": .Date is the local date of the window's
// end (2006-01-02), .Time its local time (1504), .Profile the profile
// ("default" when none).
func outputPath(tmpl string, end time.Time, profile string) (string, error) {
	if !strings.Contains(tmpl, "{{") {
		return tmpl, nil
	}
	t, err := template.New("output").Option("missingkey=error").Parse(tmpl)
	if err != nil {
		return "", usageErrorf("--output: %v\nhint: the template knows {{.Date}}, {{.Time}} and {{.Profile}}", err)
	}
	if profile == "" {
		profile = "default"
	}
	var b strings.Builder
	err = t.Execute(&b, map[string]string{"Date": end.Format(time.DateOnly), "Time": end.Format("1504"), "Profile": profile})
	if err != nil {
		return "", usageErrorf("--output: %v\nhint: the template knows {{.Date}}, {{.Time}} and {{.Profile}}", err)
	}
	return b.String(), nil
}

// writeFileOutput writes to path as writeOutput does, creating the
// directories a date template names.
func writeFileOutput(path string, write func(io.Writer) error, stdout io.Writer) error {
	if path != "" && path != "-" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("create the directory of %s: %w\nhint: check --output", path, err)
		}
	}
	return writeOutput(path, write, stdout)
}

// webhook posts a rendered summary to a URL that comes from the
// environment. The URL is a secret (a Slack incoming-webhook URL is a
// bearer token): it is never printed, and errors that would contain it are
// rewritten without it.
type webhook struct {
	url      string
	client   *http.Client
	attempts int           // tries in all
	backoff  time.Duration // wait before the second try; doubles after each
	sleep    func(context.Context, time.Duration) error
}

// webhookEnvDefault holds the URL unless --webhook-env names another
// variable.
const webhookEnvDefault = "HINDSIGHT_WEBHOOK_URL"

// webhookTimeout bounds one POST, webhookBackoff is the first wait between
// tries (variables so that tests of a hung receiver finish quickly).
var webhookTimeout, webhookBackoff = 30 * time.Second, 2 * time.Second

func newWebhook(env string) (*webhook, error) {
	u := strings.TrimSpace(os.Getenv(env))
	if u == "" {
		return nil, usageErrorf("--webhook: $%s is empty\nhint: export %s=https://hooks.slack.com/services/... (the URL is a secret, so it is read from the environment, not a flag)", env, env)
	}
	redact.AddURL(u, true)
	pu, err := url.Parse(u)
	if err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" {
		return nil, usageErrorf("--webhook: $%s is not an http(s) URL\nhint: check the variable's value (it is not shown here because it is a secret)", env)
	}
	return &webhook{url: u, client: &http.Client{Timeout: webhookTimeout}, attempts: 4, backoff: webhookBackoff, sleep: sleepCtx}, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// post sends body as JSON, retrying network errors, 429 and 5xx with
// exponential backoff (Retry-After honoured up to a minute). A 4xx other
// than 429 is not retried: the payload or the URL is wrong, and saying so
// at once is better than four times.
func (h *webhook) post(ctx context.Context, body []byte) error {
	wait := h.backoff
	var last error
	for try := 1; try <= h.attempts; try++ {
		retry, after, err := h.once(ctx, body)
		if err == nil {
			return nil
		}
		last = err
		if !retry || try == h.attempts || ctx.Err() != nil {
			break
		}
		if after > 0 {
			wait = min(after, time.Minute)
		}
		if err := h.sleep(ctx, wait); err != nil {
			return err
		}
		wait *= 2
	}
	return fmt.Errorf("webhook: %w\nhint: the summary was not delivered and the state was not saved, so the next run compares with the same previous night", last)
}

func (h *webhook) once(ctx context.Context, body []byte) (retry bool, after time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(body))
	if err != nil {
		return false, 0, errors.New("cannot build the request (check the URL)")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "hindsight")
	resp, err := h.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // *url.Error's message carries the URL
		}
		return true, 0, fmt.Errorf("POST failed: %w", err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode/100 == 2 {
		return false, 0, nil
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		after = time.Duration(s) * time.Second
	}
	retry = resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
	detail := strings.TrimSpace(redact.Text(string(msg)))
	if detail != "" {
		detail = ": " + firstLine(detail)
	}
	return retry, after, fmt.Errorf("the receiver answered %s%s", resp.Status, detail)
}
