package analyze

import (
	"testing"

	"github.com/hindsight-sre/hindsight/sources"
)

// TestFallDangerWholeWords: a series is taken for a resource running out
// by whole words of its name or a label value that is such a word, never
// by a substring (the old pattern matched "availability", "leftnav" and
// "freezer" and made exhaustion candidates of them).
func TestFallDangerWholeWords(t *testing.T) {
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   bool
	}{
		{"node_filesystem_avail_bytes", map[string]string{"mountpoint": "/var"}, true},
		{"node_memory_MemAvailable_bytes", nil, true},
		{"node_memory_MemFree_bytes", nil, true},
		{"FreeStorageSpace", map[string]string{"DBInstanceIdentifier": "shop-db"}, true},
		{"FreeableMemory", nil, true},
		{"shop_db_pool_connections_idle", nil, true},
		{"quota.remaining", nil, true},
		{"disk space left", nil, true},
		{"node_cpu_seconds_total", map[string]string{"cpu": "0", "mode": "idle"}, true},
		// Substrings, not words: no resource.
		{"probe_availability_ratio", nil, false},
		{"http_requests_total", map[string]string{"handler": "/api/leftnav"}, false},
		{"app_freezer_items", nil, false},
		{"node_cpu_seconds_total", map[string]string{"cpu": "0", "mode": "user"}, false},
		{"sidle_count", nil, false},
		{"nginx GET /free-shipping 2xx", nil, false},
		{"user_agent_requests", map[string]string{"ua": "FreeBSD fetch"}, false},
	} {
		sg := &signal{subject: c.name, series: &sources.Series{Name: c.name, Labels: c.labels}}
		if got := fallDanger(sg); got != c.want {
			t.Errorf("fallDanger(%s %v) = %v, want %v (words %q)", c.name, c.labels, got, c.want, nameWords(c.name))
		}
	}
	// A subject alone (no series) is split the same way.
	if !fallDanger(&signal{subject: "node_cpu_seconds_total{cpu=0,mode=idle}"}) {
		t.Error("a subject with mode=idle is not a fall danger")
	}
	if fallDanger(&signal{subject: "requests{route=/leftovers}"}) {
		t.Error("a subject with a route containing 'left' is a fall danger")
	}
}

func TestNameWords(t *testing.T) {
	for in, want := range map[string]string{
		"CPUCreditBalance":               "cpu credit balance",
		"node_memory_MemAvailable_bytes": "node memory mem available bytes",
		"FreeStorageSpace":               "free storage space",
		"a.b-c:d e GET /free 2xx":        "a b c d e get 2xx",
	} {
		got := ""
		for i, w := range nameWords(in) {
			if i > 0 {
				got += " "
			}
			got += w
		}
		if got != want {
			t.Errorf("nameWords(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestPersonReadingIsNoCause: sudo's record of a person reading logs or
// status is no cause; a command that changes something stays one.
func TestPersonReadingIsNoCause(t *testing.T) {
	line := func(txt string) []Evidence { return []Evidence{{Lines: []sources.LogLine{{Text: txt}}}} }
	for _, c := range []struct {
		tmpl, line string
		want       bool
	}{
		{"sudo: ops : TTY=pts/<*> ; PWD=<*> ; USER=<*> ; COMMAND=<*> -u shop --since today",
			"sudo[81]:      ops : TTY=pts/0 ; PWD=/home/ops ; USER=root ; COMMAND=/usr/bin/journalctl -u shop --since today", true},
		{"sudo: ops : TTY=pts/<*> ; PWD=<*> ; USER=<*> ; COMMAND=/usr/bin/systemctl status nginx", "", true},
		{"sudo: ops : TTY=pts/<*> ; PWD=<*> ; USER=<*> ; COMMAND=<*> restart shop.service",
			"sudo[81]:      ops : TTY=pts/0 ; PWD=/home/ops ; USER=root ; COMMAND=/usr/bin/systemctl restart shop.service", false},
		{"sudo: ops : TTY=pts/<*> ; PWD=<*> ; USER=<*> ; COMMAND=<*> install -y libssl3",
			"sudo[81]:      ops : TTY=pts/0 ; PWD=/home/ops ; USER=root ; COMMAND=/usr/bin/apt-get install -y libssl3", false},
		{"shop[<*>]: ERROR cat food out of stock", "shop[1]: ERROR cat food out of stock", false},
	} {
		cd := &candidate{template: c.tmpl, s: Suspect{Evidence: line(c.line)}}
		if c.line == "" {
			cd.s.Evidence = nil
		}
		if got := personReading(cd); got != c.want {
			t.Errorf("personReading(%q) = %v, want %v", c.tmpl, got, c.want)
		}
	}
}
