package logs

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"
)

// bigAccess is n access-log lines from t0, a second apart.
func bigAccess(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(access(time.Duration(i)*time.Second/10, "GET /api/items/1 HTTP/1.1", 200, "0.010"))
	}
	return b.String()
}

// A file renamed by logrotate while it is read is read to its end: the
// reader holds it open.
func TestRotatedWhileRead(t *testing.T) {
	dir := t.TempDir()
	const n = 5000 // > the 256 KiB read buffer
	p := mustWrite(t, dir, "access.log", bigAccess(n))
	got, rotated := 0, false
	fr := &fileReader{env: parserEnv{lazy: true, loc: time.UTC}, w: night, stopLate: true, cover: func(time.Time) {},
		parsed: func(_ lineParser, _ *Record, _ string, _ int, _ []byte) {
			got++
			if !rotated {
				rotated = true
				if err := os.Rename(p, p+".1"); err != nil {
					t.Fatal(err)
				}
				mustWrite(t, dir, "access.log", "new file\n")
			}
		}}
	st, err := fr.read(context.Background(), p)
	if err != nil || got != n || len(st.gaps) != 0 {
		t.Errorf("read %d of %d lines, gaps %v, err %v", got, n, st.gaps, err)
	}
}

// A file truncated in place while read (copytruncate) is named in a gap.
func TestTruncatedWhileRead(t *testing.T) {
	dir := t.TempDir()
	p := mustWrite(t, dir, "access.log", bigAccess(5000))
	done := false
	fr := &fileReader{env: parserEnv{lazy: true, loc: time.UTC}, w: night, stopLate: true, cover: func(time.Time) {},
		parsed: func(_ lineParser, _ *Record, _ string, _ int, _ []byte) {
			if !done {
				done = true
				if err := os.Truncate(p, 0); err != nil {
					t.Fatal(err)
				}
			}
		}}
	st, err := fr.read(context.Background(), p)
	// The line cut at the new end is a bad line; the shrinking is named.
	if err != nil || len(st.gaps) == 0 || !strings.Contains(st.gaps[0], "shrank") || !strings.Contains(st.gaps[0], "hint:") {
		t.Errorf("gaps %v, err %v", st.gaps, err)
	}
}

// listedPair lists access.log and access.log.1 (the older) as one set,
// as a fetch does before it opens them; p2 is access.log.1's path.
func listedPair(t *testing.T) (s *Source, set *fileSet, p2 string) {
	t.Helper()
	dir := t.TempDir()
	mustWrite(t, dir, "access.log", access(time.Second, "GET / HTTP/1.1", 200, "0.001"))
	p2 = mustWrite(t, dir, "access.log.1", access(0, "GET / HTTP/1.1", 200, "0.001"))
	s, err := New(Config{Paths: []string{filepath.Join(dir, "access.log*")}})
	if err != nil {
		t.Fatal(err)
	}
	sets, err := s.sets()
	if err != nil {
		t.Fatal(err)
	}
	return s, sets[0], p2
}

// A file globbed, then rotated away before it is opened, is a gap, not a
// failure of the whole source.
func TestVanishedFile(t *testing.T) {
	s, set, p2 := listedPair(t)
	os.Remove(p2)
	a := newAggregator(s, set, night, time.Minute)
	if err := a.readSet(context.Background(), set.files); err != nil {
		t.Fatal(err)
	}
	if len(a.gaps) != 1 || !strings.Contains(a.gaps[0].Reason, "rotated away") || a.inWindow != 1 {
		t.Errorf("gaps %v, %d lines", a.gaps, a.inWindow)
	}
}

// A file globbed, then replaced by a FIFO before it is opened (as a
// careless rotation script or an attacker could), is refused with a gap
// or an error at once: every open of a listed file is lines.Open, which
// does not block on a FIFO. Before, the reads that look for a file's last
// line, start decoding ahead, or read a big file in chunks used os.Open,
// which waits in open() for a writer that never comes.
func TestFileSwappedForFIFO(t *testing.T) {
	s, set, p2 := listedPair(t)
	os.Remove(p2)
	if err := syscall.Mkfifo(p2, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	a := newAggregator(s, set, night, time.Minute)
	go func() { done <- a.readSet(context.Background(), set.files) }()
	select {
	case err := <-done:
		if err != nil && !strings.Contains(err.Error(), "named pipe") {
			t.Errorf("readSet: %v, want a gap or an error naming the FIFO", err)
		}
	case <-time.After(5 * time.Second):
		// Unblock the open so that the test's goroutine can end.
		if f, err := os.OpenFile(p2, os.O_WRONLY, 0); err == nil {
			f.Close()
		}
		t.Fatal("reading a set whose file became a FIFO blocked")
	}
}

// Invalid UTF-8 is mined like any bytes, and what comes out can be
// encoded (JSON replaces the bad bytes).
func TestInvalidUTF8(t *testing.T) {
	dir := t.TempDir()
	p := mustWrite(t, dir, "app.log", "2025-11-20T03:00:01Z ERROR login failed for \xff\xfe\n2025-11-20T03:00:02Z ERROR login failed for caf\xc3\xa9\n2025-11-20T03:00:03Z ERROR login failed for bob\n")
	m, err := Mine(context.Background(), []string{p}, MineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Lines != 3 || m.Malformed != 0 || len(m.Templates) != 1 || m.Templates[0].Template != "login failed for <*>" {
		t.Fatalf("%+v", m)
	}
	b, err := json.Marshal(m)
	if err != nil || !utf8.Valid(b) {
		t.Errorf("json %v: %q", err, b)
	}
}

// Whole files outside the window are not read: a rotated set where only
// the middle file holds the window.
func TestSkipFilesOutsideWindow(t *testing.T) {
	dir := t.TempDir()
	day := func(d time.Duration) string {
		var b strings.Builder
		for i := range 100 {
			b.WriteString(access(d+time.Duration(i)*time.Minute, "GET / HTTP/1.1", 200, "0.001"))
		}
		return b.String()
	}
	mustWrite(t, dir, "access.log.3.gz", day(-72*time.Hour))
	mustWrite(t, dir, "access.log.2.gz", day(-48*time.Hour))
	mustWrite(t, dir, "access.log.1", day(-10*time.Minute))
	mustWrite(t, dir, "access.log", day(24*time.Hour))
	s, err := New(Config{Paths: []string{filepath.Join(dir, "access.log*")}})
	if err != nil {
		t.Fatal(err)
	}
	sets, _ := s.sets()
	a := newAggregator(s, sets[0], night, time.Minute)
	if err := a.readSet(context.Background(), sets[0].files); err != nil {
		t.Fatal(err)
	}
	if a.skipped != 3 || a.inWindow != 10 {
		t.Errorf("skipped %d files, %d lines in the window; want 3 and 10", a.skipped, a.inWindow)
	}
}

// A crawler inventing paths does not grow memory without bound: past
// the route templates kept, requests count as <other>.
func TestRouteOverflow(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	n := maxRouteTmpl + 500
	for i := range n {
		w := ""
		for k := i + 1; k > 0; k /= 26 {
			w += string(rune('a' + k%26))
		}
		b.WriteString(access(time.Duration(i)*time.Millisecond*100, "GET /"+w+" HTTP/1.1", 404, "0.001"))
	}
	p := mustWrite(t, dir, "access.log", b.String())
	ds := mustFetch(t, Config{Paths: []string{p}}, night, time.Minute)
	total := 0
	for _, pt := range ds.Patterns {
		total += pt.Total()
	}
	other := patternByTemplate(ds)["<other>"]
	if total != n || other.Total() < 500 || len(ds.Patterns) > MaxTemplates+1 {
		t.Errorf("%d lines in %d patterns, %d in <other>", total, len(ds.Patterns), other.Total())
	}
}

// TestBlankFile: a file of blank lines holds no lines; it is not a file
// of an unknown format, and Mine counts none of its lines.
func TestBlankFile(t *testing.T) {
	dir := t.TempDir()
	p := mustWrite(t, dir, "b.log", " \n\n  \t\n ")
	ds := mustFetch(t, Config{Paths: []string{p}}, night, time.Minute)
	if len(ds.Gaps) != 1 || !strings.Contains(ds.Gaps[0].Reason, "no lines in the window") {
		t.Errorf("gaps %v, want one saying the files hold no lines", ds.Gaps)
	}
	m, err := Mine(context.Background(), []string{p}, MineOptions{PerLine: true})
	if err != nil || m.Lines != 0 || m.Malformed != 0 {
		t.Errorf("mined %d lines, %d malformed, err %v", m.Lines, m.Malformed, err)
	}
}
