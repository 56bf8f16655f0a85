package cmd

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/internal/redact"
	"github.com/hindsight-sre/hindsight/report"
)

// hostile answers every request as mode says (401, 500, or never), and
// echoes what it was sent (URL, headers, body) as some proxies and
// frontends do, so that an error quoting the answer would quote secrets.
type hostile struct {
	mu     sync.Mutex
	mode   string
	bodies []string
}

func (h *hostile) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	mode := h.mode
	h.bodies = append(h.bodies, string(b))
	h.mu.Unlock()
	echo := "you sent " + r.URL.String() + " " + r.Header.Get("Authorization") + " " + r.Header.Get("X-Api-Key") + " " + string(b)
	if _, pw, ok := r.BasicAuth(); ok {
		echo += " password " + pw
	}
	switch mode {
	case "401":
		http.Error(w, echo, http.StatusUnauthorized)
	case "500":
		http.Error(w, echo, http.StatusInternalServerError)
	case "hang":
		<-r.Context().Done()
	}
}

func (h *hostile) set(mode string) {
	h.mu.Lock()
	h.mode = mode
	h.bodies = nil
	h.mu.Unlock()
}

// TestCanarySecretsNeverWritten writes a distinct canary into every place
// the config can hold a secret and checks every output while the servers
// answer 401, 500 and not at all: stdout and stderr of analyze in every
// format, sources check, summary in every format with its state file and
// the webhook's bodies, and the error of a refused URL.
func TestCanarySecretsNeverWritten(t *testing.T) {
	t.Cleanup(redact.Reset)
	defer func(a, b time.Duration) { webhookTimeout, webhookBackoff = a, b }(webhookTimeout, webhookBackoff)
	webhookTimeout, webhookBackoff = time.Second, 10*time.Millisecond

	srv := &hostile{mode: "500"}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	hook := &hostile{mode: "500"}
	hs := httptest.NewServer(hook)
	defer hs.Close()
	host := strings.TrimPrefix(ts.URL, "http://")

	dir := t.TempDir()
	canaries := map[string]string{
		"url userinfo":        "cnryUrlUserinfo7",
		"zabbix password_env": "cnryZbxPassEnv7",
		"zabbix token_file":   "cnryZbxTokenFile7",
		"prom password_file":  "cnryPromPassFile7",
		"prom bearer env":     "cnryPromBearerEnv7",
		"header":              "cnryHeaderAuth7",
		"header api key":      "cnryHeaderApiKey7",
		"webhook path":        "cnryWebhookPath7",
		"webhook query":       "cnryWebhookQuery7",
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "zbx.token"), []byte(canaries["zabbix token_file"]+"\n"), 0o600))
	must(os.WriteFile(filepath.Join(dir, "prom.pass"), []byte(canaries["prom password_file"]+"\n"), 0o600))
	t.Setenv("CANARY_ZBX_PW", canaries["zabbix password_env"])
	t.Setenv("CANARY_PROM_TOKEN", canaries["prom bearer env"])
	t.Setenv("HINDSIGHT_WEBHOOK_URL", hs.URL+"/services/T0/B0/"+canaries["webhook path"]+"?token="+canaries["webhook query"])
	demo, err := filepath.Abs(filepath.Join("..", "testdata", "demo", "kuma.db"))
	must(err)
	cfg := filepath.Join(dir, "hindsight.yaml")
	must(os.WriteFile(cfg, []byte(`timezone: Asia/Seoul
source_timeout: 3s
sources:
  - {name: kuma, type: kuma, path: `+demo+`}
  - name: zbx-url
    type: zabbix
    url: http://admin:`+canaries["url userinfo"]+`@`+host+`/zabbix
    user: admin
    password_env: CANARY_ZBX_PW
    timeout: 1s
  - {name: zbx-token, type: zabbix, url: `+ts.URL+`, token_file: zbx.token, timeout: 1s}
  - name: prom-basic
    type: prometheus
    url: `+ts.URL+`
    basic_auth: {user: admin, password_file: prom.pass}
    timeout: 1s
  - name: prom-bearer
    type: prometheus
    url: `+ts.URL+`
    bearer_token_env: CANARY_PROM_TOKEN
    headers: {X-Api-Key: `+canaries["header api key"]+`}
    timeout: 1s
`), 0o600))
	t.Setenv("HINDSIGHT_NOW", "2025-11-20T09:00:00+09:00")

	check := func(what, text string) {
		t.Helper()
		for place, c := range canaries {
			if strings.Contains(text, c) {
				t.Errorf("%s: the secret from %s leaked:\n%s", what, place, text)
			}
		}
	}
	runCmd := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		start := time.Now()
		code := run(context.Background(), args, &out, &errb)
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s took %s", strings.Join(args, " "), d)
		}
		return out.String(), errb.String(), code
	}
	checkDir := func(what, d string) {
		t.Helper()
		filepath.Walk(d, func(p string, fi os.FileInfo, err error) error {
			if err == nil && fi.Mode().IsRegular() && !strings.HasSuffix(p, ".pass") && !strings.HasSuffix(p, ".token") && !strings.HasSuffix(p, ".yaml") {
				b, _ := os.ReadFile(p)
				check(what+" "+filepath.Base(p), string(b))
			}
			return nil
		})
	}
	for _, mode := range []string{"401", "500", "hang"} {
		srv.set(mode)
		hook.set(mode)
		for _, f := range report.Formats {
			out, errs, code := runCmd("analyze", "--config", cfg, "--around", "2025-11-20 03:10", "--before", "30m", "--after", "10m", "-o", f)
			if code != exitOK || !strings.Contains(out, "zbx-url") {
				t.Errorf("%s analyze -o %s: exit %d, want 0 with zbx-url named as a gap\n%s\n%s", mode, f, code, errs, out)
			}
			check(mode+" analyze -o "+f+" stdout", out)
			check(mode+" analyze -o "+f+" stderr", errs)
		}
		out, errs, code := runCmd("sources", "check", "--config", cfg)
		if code != exitError || !strings.Contains(out, "zbx-url") {
			t.Errorf("%s sources check: exit %d, want 1 with a row per source\n%s\n%s", mode, code, out, errs)
		}
		check(mode+" sources check stdout", out)
		check(mode+" sources check stderr", errs)
		for _, f := range report.SummaryFormats {
			state := filepath.Join(dir, "state-"+mode+"-"+f)
			outFile := filepath.Join(dir, "out-"+mode, "summary."+f)
			kind := "json"
			if f == "slack" {
				kind = "slack"
			}
			out, errs, code := runCmd("summary", "--config", cfg, "--last", "6h", "-o", f, "--state", state, "--output", outFile, "--webhook", kind)
			if code != exitError || !strings.Contains(errs, "webhook") {
				t.Errorf("%s summary -o %s: exit %d, want 1 (the webhook fails)\n%s", mode, f, code, errs)
			}
			check(mode+" summary -o "+f+" stdout", out)
			check(mode+" summary -o "+f+" stderr", errs)
		}
		// Delivered nowhere, so no state was saved; save one with a run
		// that does not post.
		out, errs, code = runCmd("summary", "--config", cfg, "--last", "6h", "--state", filepath.Join(dir, "state-"+mode))
		if code != exitOK {
			t.Errorf("%s summary without webhook: exit %d\n%s", mode, code, errs)
		}
		check(mode+" summary stdout (no webhook)", out)
		check(mode+" summary stderr (no webhook)", errs)
		if _, err := stateFile(filepath.Join(dir, "state-"+mode)); err != nil {
			t.Errorf("%s: no state saved: %v", mode, err)
		}
		checkDir(mode+" files", dir)
		hook.mu.Lock()
		if len(hook.bodies) == 0 {
			t.Errorf("%s: the webhook was never posted to", mode)
		}
		for _, b := range hook.bodies {
			check(mode+" webhook body", b)
		}
		hook.mu.Unlock()
		srv.mu.Lock()
		srv.mu.Unlock()
	}

	// URLs refused before any request: userinfo with the API path, a
	// wrong scheme, a mistyped one; and a header the config may not hold.
	srv.set("500")
	for _, u := range []string{
		"http://admin:" + canaries["url userinfo"] + "@" + host + "/api/v1",
		"ftp://admin:" + canaries["url userinfo"] + "@" + host,
		"http//admin:" + canaries["url userinfo"] + "@" + host,
	} {
		bad := filepath.Join(dir, "bad.yaml")
		must(os.WriteFile(bad, []byte("source_timeout: 1s\nsources:\n  - {name: kuma, type: kuma, path: "+demo+"}\n  - {name: p, type: prometheus, url: '"+u+"'}\n  - {name: z, type: zabbix, url: '"+u+"', token_file: zbx.token}\n"+
			"  - {name: h, type: prometheus, url: "+ts.URL+", headers: {Authorization: 'Bearer "+canaries["header"]+"'}}\n"), 0o600))
		for _, args := range [][]string{
			{"analyze", "--config", bad, "--around", "2025-11-20 03:10", "--before", "30m", "--after", "10m"},
			{"sources", "check", "--config", bad},
		} {
			out, errs, _ := runCmd(args...)
			check(args[0]+" "+u+" stdout", out)
			check(args[0]+" "+u+" stderr", errs)
		}
	}
}

// TestCanarySecretsOtherSources: the sources TestCanarySecretsNeverWritten
// leaves out (Kuma on MariaDB by DSN or password_env, Kuma's status page
// behind basic auth, Loki, VictoriaLogs, a status page with userinfo)
// write none of their secrets while their servers refuse the connection,
// answer 401 or 500 echoing what they were sent, or never answer.
func TestCanarySecretsOtherSources(t *testing.T) {
	t.Cleanup(redact.Reset)
	srv := &hostile{}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	host := strings.TrimPrefix(ts.URL, "http://")
	dir := t.TempDir()
	canaries := map[string]string{
		"kuma dsn":                 "cnryKumaDsn7",
		"kuma password_env":        "cnryKumaEnv7",
		"kuma web basic_auth":      "cnryKumaWeb7",
		"loki url userinfo":        "cnryLokiUrl7",
		"loki password_env":        "cnryLokiEnv7",
		"loki header":              "cnryLokiHeader7",
		"victorialogs bearer file": "cnryVlFile7",
		"statuspage url userinfo":  "cnryStatusUrl7",
	}
	mustWriteFile(t, filepath.Join(dir, "vl.token"), canaries["victorialogs bearer file"]+"\n")
	t.Setenv("CANARY_KUMA_PW", canaries["kuma password_env"])
	t.Setenv("CANARY_KUMA_WEB", canaries["kuma web basic_auth"])
	t.Setenv("CANARY_LOKI_PW", canaries["loki password_env"])
	demo, err := filepath.Abs(filepath.Join("..", "testdata", "demo", "kuma.db"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "hindsight.yaml")
	mustWriteFile(t, cfg, `timezone: Asia/Seoul
source_timeout: 3s
sources:
  - {name: kuma, type: kuma, path: `+demo+`}
  - {name: kuma-dsn, type: kuma, dsn: "hindsight:`+canaries["kuma dsn"]+`@tcp(127.0.0.1:1)/kuma"}
  - {name: kuma-env, type: kuma, host: 127.0.0.1, port: 1, user: hindsight, password_env: CANARY_KUMA_PW}
  - {name: kuma-web, type: kuma, url: `+ts.URL+`, slug: main, basic_auth: {user: u, password_env: CANARY_KUMA_WEB}, timeout: 1s}
  - {name: loki-url, type: loki, url: "http://u:`+canaries["loki url userinfo"]+`@`+host+`", query: '{job="x"}', timeout: 1s}
  - {name: loki, type: loki, url: `+ts.URL+`, query: '{job="x"}', basic_auth: {user: u, password_env: CANARY_LOKI_PW}, headers: {X-Api-Key: `+canaries["loki header"]+`}, timeout: 1s}
  - {name: vl, type: victorialogs, url: `+ts.URL+`, query: '*', bearer_token_file: vl.token, timeout: 1s}
  - {name: status, type: statuspage, url: "http://u:`+canaries["statuspage url userinfo"]+`@`+host+`", timeout: 1s, state_dir: `+filepath.Join(dir, "state")+`}
`)
	check := func(what, text string) {
		t.Helper()
		for place, c := range canaries {
			if strings.Contains(text, c) {
				t.Errorf("%s: the secret from %s leaked:\n%s", what, place, text)
			}
		}
	}
	for _, mode := range []string{"401", "500", "hang"} {
		srv.set(mode)
		for _, f := range report.Formats {
			out, errs, code := mustRun(t, "analyze", "--config", cfg, "--around", "2025-11-20 03:10", "--before", "30m", "--after", "10m", "-o", f)
			if code != exitOK || !strings.Contains(out, "kuma-dsn") {
				t.Errorf("%s analyze -o %s: exit %d, want 0 with kuma-dsn named as a gap\n%s\n%.1000s", mode, f, code, errs, out)
			}
			check(mode+" analyze -o "+f+" stdout", out)
			check(mode+" analyze -o "+f+" stderr", errs)
		}
		out, errs, _ := mustRun(t, "sources", "check", "--config", cfg)
		check(mode+" sources check stdout", out)
		check(mode+" sources check stderr", errs)
	}
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() && !strings.HasSuffix(p, ".token") && !strings.HasSuffix(p, ".yaml") {
			b, _ := os.ReadFile(p)
			check(filepath.Base(p), string(b))
		}
		return nil
	})
}
