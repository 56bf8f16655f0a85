package main

// Tests of what a release ships besides the code: the licence, the NOTICE
// file the Apache-licensed dependencies ask for, the deploy/ files and the
// release configuration. They run the go command, as a release does.

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"
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

// binary is hindsight built once for these tests, with the release's
// ldflags, and the version it was stamped with.
var (
	binOnce sync.Once
	binPath string
	binErr  error
)

const stampVersion = "v0.0.0-releasetest"

func binary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hindsight-release-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "hindsight")
		flags := strings.Join(releaseLdflags(t, map[string]string{"Version": stampVersion, "Commit": "abc1234", "Date": "2026-01-02T03:04:05Z"}), " ")
		// Without -trimpath (the release has it): it would rebuild every
		// package, where only the link differs.
		cmd := exec.Command("go", "build", "-ldflags", flags, "-o", binPath, ".")
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// goreleaser is the part of .goreleaser.yaml the tests read.
type goreleaser struct {
	Version int `yaml:"version"`
	Builds  []struct {
		Main    string   `yaml:"main"`
		Env     []string `yaml:"env"`
		Ldflags []string `yaml:"ldflags"`
		Goos    []string `yaml:"goos"`
		Goarch  []string `yaml:"goarch"`
	} `yaml:"builds"`
	Archives []struct {
		Files []string `yaml:"files"`
	} `yaml:"archives"`
	Checksum struct {
		Algorithm string `yaml:"algorithm"`
	} `yaml:"checksum"`
	Nfpms []struct {
		Formats  []string `yaml:"formats"`
		License  string   `yaml:"license"`
		Contents []struct {
			Src string `yaml:"src"`
		} `yaml:"contents"`
	} `yaml:"nfpms"`
}

func readGoreleaser(t *testing.T) goreleaser {
	t.Helper()
	b, err := os.ReadFile(".goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var g goreleaser
	if err := yaml.Unmarshal(b, &g); err != nil {
		t.Fatalf(".goreleaser.yaml: %v", err)
	}
	return g
}

// releaseLdflags are the build's ldflags with GoReleaser's template
// fields filled in.
func releaseLdflags(t *testing.T, fields map[string]string) []string {
	g := readGoreleaser(t)
	if len(g.Builds) != 1 {
		t.Fatalf("%d builds, want 1", len(g.Builds))
	}
	var out []string
	for _, l := range g.Builds[0].Ldflags {
		for k, v := range fields {
			l = strings.ReplaceAll(l, "{{."+k+"}}", v)
		}
		out = append(out, l)
	}
	return out
}

// The release builds linux, darwin and windows on amd64 and arm64 with
// checksums and deb/rpm packages; every target's packages resolve (no
// dependency lacks the platform); the ldflags stamp the version --version
// prints; the files the archives and packages take exist.
func TestGoreleaserMatrix(t *testing.T) {
	g := readGoreleaser(t)
	b := g.Builds[0]
	for _, want := range []string{"linux", "darwin", "windows"} {
		if !slices.Contains(b.Goos, want) {
			t.Errorf("goos lacks %s", want)
		}
	}
	for _, want := range []string{"amd64", "arm64"} {
		if !slices.Contains(b.Goarch, want) {
			t.Errorf("goarch lacks %s", want)
		}
	}
	if !slices.Contains(b.Env, "CGO_ENABLED=0") || g.Checksum.Algorithm != "sha256" || len(g.Nfpms) != 1 ||
		!slices.Contains(g.Nfpms[0].Formats, "deb") || !slices.Contains(g.Nfpms[0].Formats, "rpm") || g.Nfpms[0].License != "Apache-2.0" {
		t.Errorf("release config: env %v, checksum %q, nfpms %+v", b.Env, g.Checksum.Algorithm, g.Nfpms)
	}
	for _, a := range g.Archives {
		for _, f := range a.Files {
			if m, _ := filepath.Glob(f); len(m) == 0 && !strings.Contains(f, "**") {
				t.Errorf("archive file %s does not exist", f)
			}
		}
	}
	for _, c := range g.Nfpms[0].Contents {
		if _, err := os.Stat(c.Src); err != nil {
			t.Errorf("package content: %v", err)
		}
	}
	for _, goos := range b.Goos {
		for _, goarch := range b.Goarch {
			cmd := exec.Command("go", "list", "-e", "-deps", "-f", "{{if .Error}}{{.ImportPath}}: {{.Error}}{{end}}{{range .DepsErrors}}{{.}}{{end}}", b.Main)
			cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0")
			// Only stdout holds the template's errors: stderr carries go's
			// progress ("go: downloading ...") on a fresh module cache,
			// which fetches what only another system imports.
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil || strings.TrimSpace(string(out)) != "" {
				t.Errorf("%s/%s does not resolve: %v\n%s%s", goos, goarch, err, out, stderr.String())
			}
		}
	}
	out, err := exec.Command(binary(t), "--version").Output()
	if err != nil || !strings.HasPrefix(string(out), "hindsight "+stampVersion+" (commit abc1234, built 2026-01-02T03:04:05Z, go") {
		t.Errorf("--version of a release build: %q, %v", out, err)
	}
}

// TestReleaseMatrixCompiles compiles the release for the other systems:
// resolving packages (TestGoreleaserMatrix) does not catch code that uses
// what a system lacks (a syscall constant, a signal), only a compile does.
// One target per system beyond the native one (built by binary), together
// every system and every architecture of the matrix: an uncached target
// costs about two CPU-minutes (most of it modernc.org/sqlite), so all six
// would add some ten to CI; the remaining targets differ only in a
// dependency's per-architecture files, which TestGoreleaserMatrix resolves.
func TestReleaseMatrixCompiles(t *testing.T) {
	g := readGoreleaser(t)
	b := g.Builds[0]
	magic := map[string][]byte{
		"darwin":  {0xcf, 0xfa, 0xed, 0xfe}, // Mach-O, 64-bit, little-endian
		"windows": []byte("MZ"),             // PE
	}
	dir := t.TempDir()
	for _, target := range []struct{ goos, goarch string }{{"darwin", "arm64"}, {"windows", "amd64"}} {
		if !slices.Contains(b.Goos, target.goos) || !slices.Contains(b.Goarch, target.goarch) {
			t.Errorf("%s/%s is not in the release matrix", target.goos, target.goarch)
			continue
		}
		out := filepath.Join(dir, "hindsight-"+target.goos+"-"+target.goarch)
		cmd := exec.Command("go", "build", "-o", out, b.Main)
		cmd.Env = append(os.Environ(), "GOOS="+target.goos, "GOARCH="+target.goarch, "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s/%s does not compile: %v\n%s", target.goos, target.goarch, err, msg)
			continue
		}
		head := make([]byte, 4)
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.Read(head)
		f.Close()
		if m := magic[target.goos]; err != nil || !bytes.HasPrefix(head, m) {
			t.Errorf("%s/%s: the binary starts % x, want % x", target.goos, target.goarch, head, m)
		}
	}
}

// flagsOf are the long flags `hindsight SUB --help` lists.
func flagsOf(t *testing.T, sub string) []string {
	t.Helper()
	out, err := exec.Command(binary(t), sub, "--help").Output()
	if err != nil {
		t.Fatalf("hindsight %s --help: %v", sub, err)
	}
	var fs []string
	for _, m := range regexp.MustCompile(`--([a-z][a-z-]*)`).FindAllStringSubmatch(string(out), -1) {
		fs = append(fs, m[1])
	}
	return fs
}

// checkArgs: args is a hindsight command line; every --flag in it is one
// the binary has.
func checkArgs(t *testing.T, where string, args []string) {
	t.Helper()
	if len(args) == 0 {
		t.Fatalf("%s: no arguments", where)
	}
	have := flagsOf(t, args[0])
	for _, a := range args[1:] {
		if f, ok := strings.CutPrefix(a, "--"); ok {
			f, _, _ = strings.Cut(f, "=")
			if !slices.Contains(have, f) {
				t.Errorf("%s: hindsight %s has no --%s", where, args[0], f)
			}
		}
	}
}

// The Dockerfile builds with go.mod's Go version.
func TestDockerfileGoVersion(t *testing.T) {
	mod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(mod)
	df, err := os.ReadFile(filepath.Join("deploy", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	from := regexp.MustCompile(`(?m)^FROM golang:(\S+) AS build`).FindSubmatch(df)
	if m == nil || from == nil {
		t.Fatalf("go.mod's go line or the Dockerfile's build stage not found")
	}
	if v := string(from[1]); v != string(m[1]) && !strings.HasPrefix(v, string(m[1])+".") && !strings.HasPrefix(v, string(m[1])+"-") {
		t.Errorf("Dockerfile builds with golang:%s, go.mod says go %s", v, m[1])
	}
	if !strings.Contains(string(df), "CGO_ENABLED=0") {
		t.Error("the Dockerfile's binary is not static (CGO_ENABLED=0) for the distroless stage")
	}
}

// The systemd unit names flags the binary has, and systemd-analyze verify
// accepts the unit and the timer (where systemd-analyze is installed).
func TestSystemdUnits(t *testing.T) {
	dir := filepath.Join("deploy", "systemd")
	svc, err := os.ReadFile(filepath.Join(dir, "hindsight-summary.service"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^ExecStart=(\S+) (.*)$`).FindSubmatch(svc)
	if m == nil || filepath.Base(string(m[1])) != "hindsight" {
		t.Fatalf("no ExecStart=hindsight line")
	}
	checkArgs(t, "hindsight-summary.service", strings.Fields(string(m[2])))
	if _, err := os.ReadFile(filepath.Join(dir, "hindsight-summary.timer")); err != nil {
		t.Fatal(err)
	}
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze is not installed: the units' syntax is not verified here")
		return
	}
	tmp := t.TempDir()
	unit := strings.Replace(string(svc), "ExecStart="+string(m[1])+" ", "ExecStart="+binary(t)+" ", 1)
	if err := os.WriteFile(filepath.Join(tmp, "hindsight-summary.service"), []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	timer, _ := os.ReadFile(filepath.Join(dir, "hindsight-summary.timer"))
	if err := os.WriteFile(filepath.Join(tmp, "hindsight-summary.timer"), timer, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(sa, "verify", "--man=no", filepath.Join(tmp, "hindsight-summary.timer"), filepath.Join(tmp, "hindsight-summary.service")).CombinedOutput()
	if err != nil {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// The CronJob parses, is a batch/v1 CronJob on a valid schedule, and its
// container's args name flags the binary has.
func TestKubernetesCronJob(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("deploy", "kubernetes", "cronjob.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cj struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Spec       struct {
			Schedule    string `yaml:"schedule"`
			JobTemplate struct {
				Spec struct {
					Template struct {
						Spec struct {
							Containers []struct {
								Args []string `yaml:"args"`
							} `yaml:"containers"`
						} `yaml:"spec"`
					} `yaml:"template"`
				} `yaml:"spec"`
			} `yaml:"jobTemplate"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal(b, &cj); err != nil {
		t.Fatalf("cronjob.yaml: %v", err)
	}
	if cj.APIVersion != "batch/v1" || cj.Kind != "CronJob" {
		t.Errorf("%s %s, want batch/v1 CronJob", cj.APIVersion, cj.Kind)
	}
	if _, err := cron.ParseStandard(cj.Spec.Schedule); err != nil {
		t.Errorf("schedule %q: %v", cj.Spec.Schedule, err)
	}
	cs := cj.Spec.JobTemplate.Spec.Template.Spec.Containers
	if len(cs) != 1 {
		t.Fatalf("%d containers", len(cs))
	}
	checkArgs(t, "cronjob.yaml", cs[0].Args)
}

// The deploy files the README prints are the files under deploy/: a fix
// to one (the unit's hardening, the CronJob's security context) reaches
// the reader who copies from the README. Comments may differ (the files
// carry install notes the README says in prose).
func TestREADMEPrintsTheDeployFiles(t *testing.T) {
	raw, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	uncommented := func(s string) string {
		var out []string
		for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
			if !strings.HasPrefix(strings.TrimSpace(l), "#") {
				out = append(out, strings.TrimRight(l, " "))
			}
		}
		return strings.TrimSpace(strings.Join(out, "\n"))
	}
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)```[a-z]+\n(.*?)```").FindAllStringSubmatch(string(raw), -1) {
		blocks = append(blocks, uncommented(m[1]))
	}
	for _, f := range []string{"deploy/Dockerfile", "deploy/systemd/hindsight-summary.service", "deploy/systemd/hindsight-summary.timer", "deploy/kubernetes/cronjob.yaml"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(blocks, uncommented(string(b))) {
			t.Errorf("the README does not print %s as it is (comments aside)", f)
		}
	}
}
