package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Configs too large or too deep are refused at once with a hint, before
// the YAML parser sees them; real ones pass.
func TestConfigGuard(t *testing.T) {
	dir := t.TempDir()
	nested := func(levels, width int) string {
		var b strings.Builder
		for i := range levels {
			b.WriteString(strings.Repeat(" ", i) + "k" + strings.Repeat("x", width) + ":\n")
		}
		return b.String()
	}
	var blocks strings.Builder
	for blocks.Len() < 4500<<10 {
		blocks.WriteString(nested(30, 4))
	}
	for _, c := range []struct {
		name, body, want string
	}{
		{"huge", blocks.String(), "more than the 1048576"},
		{"deep", nested(200, 1), "nests deeper than 32"},
		{"flow", "sources: " + strings.Repeat("[", 100) + strings.Repeat("]", 100) + "\n", "nests deeper than 32"},
		{"flow over lines", "sources:\n" + strings.Repeat("  [\n", 100), "nests deeper than 32"},
		{"dashes", strings.Repeat("- ", 100) + "a\n", "nests deeper than 32"},
	} {
		path := filepath.Join(dir, c.name+".yaml")
		mustWriteFile(t, path, c.body)
		start := time.Now()
		_, _, err := loadConfig(path)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "hint:") {
			t.Errorf("%s: %v, want %q with a hint", c.name, err, c.want)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s: refused after %s, want at once", c.name, d)
		}
	}
	if _, _, err := loadConfig(filepath.Join("..", "testdata", "demo", "hindsight.yaml")); err != nil {
		t.Errorf("the demo's config: %v", err)
	}
	fifo := filepath.Join(dir, "fifo.yaml")
	if err := mkfifo(fifo); err == nil {
		if _, _, err := loadConfig(fifo); err == nil || !strings.Contains(err.Error(), "named pipe") {
			t.Errorf("a FIFO as config: %v", err)
		}
	}
}

// FuzzLoadConfig: no input panics the loader or takes it long.
func FuzzLoadConfig(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("..", "testdata", "demo", "hindsight.yaml")); err == nil {
		f.Add(b)
	}
	f.Add([]byte("sources:\n  - {name: a, type: logs, paths: [a.log]}\nprofiles:\n  x: {timezone: UTC}\n"))
	f.Add([]byte("sources: [[[[[[[[{a: [b]}]]]]]]]]\n"))
	f.Add([]byte("a:\n b:\n  c:\n   d:\n    - - - - e\n"))
	f.Add([]byte("timezone: \"\\x1b]0;x\\x07\"\nstep: 100000000000d\n"))
	f.Add([]byte("&a [*a, *a, *a]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(t.TempDir(), "c.yaml")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		c, _, err := loadConfig(path)
		if err == nil {
			for _, name := range append([]string{""}, keys(c.Profiles)...) {
				if p, _, err := c.resolve(name); err == nil {
					p.Validate()
				}
			}
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("took %s", d)
		}
	})
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
