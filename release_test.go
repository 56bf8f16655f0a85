package main

// Tests of what a release ships besides the code: the licence, the NOTICE
// file the Apache-licensed dependencies ask for, the deploy/ files and the
// release configuration. They run the go command, as a release does.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func goCmd(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	out, err := cmd.Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, msg)
	}
	return string(out)
}

func TestLicense(t *testing.T) {
	b, err := os.ReadFile("LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "Apache License") || !strings.Contains(string(b), "Version 2.0, January 2004") ||
		!strings.Contains(string(b), "END OF TERMS AND CONDITIONS") {
		t.Fatal("LICENSE is not the full Apache License 2.0")
	}
}

// TestNotice: every module built into the binary that carries a NOTICE
// file (Apache-2.0 §4(d) asks that it travel with the binary) has its
// notice in ours, word for word.
func TestNotice(t *testing.T) {
	notice, err := os.ReadFile("NOTICE")
	if err != nil {
		t.Fatal(err)
	}
	norm := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	have := norm(string(notice))
	self := strings.TrimSpace(goCmd(t, "list", "-m"))
	n := 0
	seen := map[string]bool{} // go list names a module once per package built from it
	for _, line := range strings.Split(goCmd(t, "list", "-deps", "-f", "{{with .Module}}{{.Path}} {{.Dir}}{{end}}", "."), "\n") {
		path, dir, ok := strings.Cut(line, " ")
		if !ok || path == self || dir == "" || seen[path] {
			continue
		}
		seen[path] = true
		b, err := os.ReadFile(filepath.Join(dir, "NOTICE"))
		if err != nil {
			continue
		}
		n++
		if !strings.Contains(have, "----- "+path+" -----") || !strings.Contains(have, norm(string(b))) {
			t.Errorf("NOTICE lacks the notice of %s (regenerate it as its header says)", path)
		}
	}
	if n == 0 {
		t.Fatal("no dependency has a NOTICE file: the test is not looking at the modules")
	}
}
