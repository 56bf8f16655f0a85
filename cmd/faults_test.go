package cmd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mustRun(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), code
}

// One source whose secret is missing is that source's gap; the healthy
// sources still make the report.
func TestUnsetSecretIsOneSourcesGap(t *testing.T) {
	demo, err := filepath.Abs(filepath.Join("..", "testdata", "demo", "kuma.db"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "hindsight.yaml")
	os.Unsetenv("HINDSIGHT_TEST_UNSET_PW")
	mustWriteFile(t, cfg, `timezone: Asia/Seoul
sources:
  - {name: kuma, type: kuma, path: `+demo+`}
  - {name: zbx, type: zabbix, url: http://127.0.0.1:1/zabbix, user: admin, password_env: HINDSIGHT_TEST_UNSET_PW}
`)
	out, errs, code := mustRun(t, "analyze", "--config", cfg, "--around", "2025-11-20 03:10", "-o", "json")
	if code != exitOK {
		t.Fatalf("exit %d, want 0 with zbx as a gap\n%s", code, errs)
	}
	if !strings.Contains(out, "HINDSIGHT_TEST_UNSET_PW is not set") || !strings.Contains(out, `"kuma"`) {
		t.Errorf("the report does not carry zbx's gap and kuma's data:\n%.2000s", out)
	}
	// Alone, the same source is a configuration error (exit 2).
	mustWriteFile(t, cfg, "sources:\n  - {name: zbx, type: zabbix, url: http://127.0.0.1:1/zabbix, user: admin, password_env: HINDSIGHT_TEST_UNSET_PW}\n")
	if _, errs, code := mustRun(t, "analyze", "--config", cfg, "--around", "2025-11-20 03:10"); code != exitUsage || !strings.Contains(errs, "hint:") {
		t.Errorf("alone: exit %d, want 2 with a hint\n%s", code, errs)
	}
}
