package cmd

import (
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources/prometheus"
)

func TestReadVersion(t *testing.T) {
	bi := &debug.BuildInfo{Main: debug.Module{Version: "v0.3.1"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}, {Key: "vcs.modified", Value: "true"},
	}}
	got := readVersion(bi, true).String()
	for _, want := range []string{"hindsight v0.3.1 (", "commit 0123456789ab+changes", "built 2026-01-02T03:04:05Z"} {
		if !strings.Contains(got, want) {
			t.Errorf("version %q lacks %q", got, want)
		}
	}
	if got := readVersion(&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, true).String(); !strings.HasPrefix(got, "hindsight devel (go") {
		t.Errorf("a development build: %q", got)
	}
	// -ldflags -X wins over the build info.
	version, commit, date = "v1.0.0", "feedbee", "2026-02-03"
	defer func() { version, commit, date = "", "", "" }()
	got = readVersion(bi, true).String()
	if !strings.HasPrefix(got, "hindsight v1.0.0 (commit feedbee, built 2026-02-03, go") {
		t.Errorf("stamped: %q", got)
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]string{
		"7d": "168h0m0s", "1d12h": "36h0m0s", "2w": "336h0m0s", "1y": "8760h0m0s", "90s": "1m30s",
		"1h30m": "1h30m0s", "-6h": "-6h0m0s", "1.5h": "1h30m0s", "500ms": "500ms", "0": "0s",
	} {
		d, err := parseDuration(in)
		if err != nil || d.String() != want {
			t.Errorf("parseDuration(%q) = %v, %v; want %s", in, d, err, want)
		}
	}
	for _, in := range []string{"", "2", "d", "7x", "h1", "--1h"} {
		if d, err := parseDuration(in); err == nil {
			t.Errorf("parseDuration(%q) = %v, want an error", in, d)
		}
	}
}

// A source's durations are read as the top-level ones: "timeout: 1d" in
// a source was refused while "baseline: 7d" beside it was accepted.
func TestSourceDurationsAsPrometheusWritesThem(t *testing.T) {
	var c prometheus.Config
	if err := decode(map[string]any{"url": "http://127.0.0.1:9090", "timeout": "1d", "scrape_interval": "90s"}, &c); err != nil {
		t.Fatal(err)
	}
	if c.Timeout != 24*time.Hour || c.ScrapeInterval != 90*time.Second {
		t.Errorf("timeout %v, scrape_interval %v", c.Timeout, c.ScrapeInterval)
	}
	// "2" or YAML's 2 could be seconds or minutes (2 was read as 2 ns).
	for _, v := range []any{"2", 2, 2.5} {
		err := decode(map[string]any{"url": "http://127.0.0.1:9090", "timeout": v}, &c)
		if err == nil || !strings.Contains(err.Error(), "timeout") {
			t.Errorf("timeout: %#v gave %v (%v), want an error naming timeout", v, err, c.Timeout)
		}
	}
	if err := decode(map[string]any{"url": "http://127.0.0.1:9090", "timeout": 0}, &c); err != nil || c.Timeout != 0 {
		t.Errorf("timeout: 0 gave %v, %v", c.Timeout, err)
	}
}
