package logs

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// TestSeekToWindow: in a large plain file the reader starts near the
// window by binary search, and gets exactly what a full read gets, lines
// written slightly out of order included.
func TestSeekToWindow(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	const n = 40_000 // ~7 MB over a day
	for i := range n {
		ts := t0.Add(time.Duration(i) * (24 * time.Hour / n))
		if i%50 == 7 {
			ts = ts.Add(-2 * time.Minute) // a slow request, logged late
		}
		fmt.Fprintf(&b, `10.0.0.%d - - [%s] "GET /api/items/%d HTTP/1.1" 200 512 "https://shop.example/" "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/120.0" 0.0%02d`+"\n",
			i%256, ts.Format("02/Jan/2006:15:04:05 -0700"), i, i%100)
	}
	p := mustWrite(t, dir, "access.log", b.String())
	if st, _ := os.Stat(p); st.Size() < seekMin {
		t.Fatalf("test file of %d bytes is too small to seek", st.Size())
	}
	w := sources.Window{From: t0.Add(12 * time.Hour), To: t0.Add(12*time.Hour + 20*time.Minute)}
	// The reference: count the lines in the window by hand.
	want := 0
	for i := range n {
		ts := t0.Add(time.Duration(i) * (24 * time.Hour / n))
		if i%50 == 7 {
			ts = ts.Add(-2 * time.Minute)
		}
		if w.Contains(ts.Truncate(time.Second)) {
			want++
		}
	}
	s, err := New(Config{Paths: []string{p}})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := s.Fetch(context.Background(), w, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for _, pt := range seriesByName(ds)["nginx requests"].Points {
		got += int(pt.V*60 + 0.5)
	}
	if got != want {
		t.Errorf("%d requests in the window, want %d", got, want)
	}
	// After the seek, the example is still named by its line number (the
	// newlines before it are counted after the read).
	ex := ds.Patterns[0].Examples[0]
	if ex.Line <= 0 || ex.File != p || ex.Offset != 0 || lineOf(t, p, ex.Line) != ex.Text {
		t.Errorf("example %+v: want its line number", ex)
	}
	// While reading, the byte offset names the line.
	fr := &fileReader{env: parserEnv{loc: time.UTC}, w: w, stopLate: true,
		parsed: func(_ lineParser, r *Record, path string, n int, line []byte) {
			if n >= 0 {
				t.Fatalf("line number %d after a seek", n)
			}
			data, _ := os.ReadFile(path)
			off := -n - 1
			if !strings.HasPrefix(string(data[off:]), string(line)) {
				t.Fatalf("offset %d does not start the line %q", off, line)
			}
		},
		cover: func(time.Time) {}}
	st, err := fr.read(context.Background(), p)
	if err != nil || st.seeked == 0 || st.lines > n/10 {
		t.Errorf("read %d lines from byte %d (err %v): want a seek and a short read", st.lines, st.seeked, err)
	}
}

// TestParallelChunks: a large file read in chunks on all cores gives what
// one reader gives: the same series, the same pattern counts, the same
// events.
func TestParallelChunks(t *testing.T) {
	skipOneCore(t)
	dir := t.TempDir()
	var b strings.Builder
	const n = 30_000
	for i := range n {
		ts := t0.Add(time.Duration(i) * (10 * time.Minute / n))
		st := 200
		if i%97 == 0 {
			st = 503
		}
		fmt.Fprintf(&b, `10.0.0.%d - - [%s] "GET /api/items/%d HTTP/1.1" %d 512 "-" "curl/8" 0.%03d`+"\n",
			i%256, ts.Format("02/Jan/2006:15:04:05 -0700"), i%50, st, i%1000)
	}
	p := mustWrite(t, dir, "access.log", b.String())
	one, many := fetchOneAndChunked(t, Config{Paths: []string{p}})
	s1, s2 := seriesByName(one), seriesByName(many)
	for _, name := range []string{"nginx requests", "nginx 5xx", "nginx request time p50"} {
		if fmt.Sprint(s1[name].Points) != fmt.Sprint(s2[name].Points) {
			t.Errorf("%s differs:\n%v\n%v", name, s1[name].Points, s2[name].Points)
		}
	}
	p1, p2 := patternByTemplate(one), patternByTemplate(many)
	if len(p1) != len(p2) {
		t.Fatalf("%d patterns, %d in chunks", len(p1), len(p2))
	}
	for k, v := range p1 {
		w := p2[k]
		if w.Total() != v.Total() {
			t.Errorf("%s: %d, %d in chunks", k, v.Total(), w.Total())
		}
	}
}

// TestSeekExamplesHaveLineNumbers: after a seek to the window, examples,
// a burst's lines and events are named "path:line" as when the file is
// read from its start, by one reader or in chunks on all cores; the file's
// line of that number is the example's text (issue 15: not path@byte).
func TestSeekExamplesHaveLineNumbers(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	const n = 50_000 // ~6 MB of Spring Boot log over a day, a cron line in 100 of syslog
	for i := range n {
		ts := t0.Add(time.Duration(i) * (24 * time.Hour / n))
		fmt.Fprintf(&b, "%s  INFO 4242 --- [nio-8080-exec-%d] c.e.shop.OrderController : order %d placed by user %d, %d items\n",
			ts.Format("2006-01-02T15:04:05.000Z07:00"), i%10, i, i%97, i%9)
	}
	app := mustWrite(t, dir, "app.log", b.String())
	b.Reset()
	for i := range n {
		ts := t0.Add(time.Duration(i) * (24 * time.Hour / n))
		if i%100 == 0 {
			fmt.Fprintf(&b, "%s db1 CRON[%d]: (root) CMD (/usr/local/bin/job-%d.sh)\n", ts.Format(time.RFC3339), 100+i, i%7)
			continue
		}
		fmt.Fprintf(&b, "%s db1 sshd[%d]: Accepted publickey for deploy from 10.0.0.%d port %d ssh2\n", ts.Format(time.RFC3339), 100+i, i%256, 1000+i)
	}
	sys := mustWrite(t, dir, "syslog", b.String())
	for _, p := range []string{app, sys} {
		if st, _ := os.Stat(p); st.Size() < seekMin {
			t.Fatalf("test file of %d bytes is too small to seek", st.Size())
		}
	}
	w := sources.Window{From: t0.Add(12 * time.Hour), To: t0.Add(12*time.Hour + 20*time.Minute)}
	for _, chunked := range []bool{false, true} {
		if chunked {
			skipOneCore(t)
			old := parallelMin
			parallelMin = 1 << 10
			t.Cleanup(func() { parallelMin = old })
		}
		s, err := New(Config{Paths: []string{app, sys}, Location: time.UTC})
		if err != nil {
			t.Fatal(err)
		}
		ds, err := s.Fetch(context.Background(), w, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		checked := 0
		for _, pat := range ds.Patterns {
			for _, ex := range pat.Examples {
				if ex.Line <= 0 || ex.Offset != 0 || ex.Ref() != fmt.Sprintf("%s:%d", ex.File, ex.Line) {
					t.Errorf("chunked %v: example %+v: want a line number", chunked, ex)
					continue
				}
				if got := lineOf(t, ex.File, ex.Line); got != ex.Text {
					t.Errorf("chunked %v: %s holds %q, want %q", chunked, ex.Ref(), got, ex.Text)
				}
				checked++
			}
		}
		if checked == 0 {
			t.Fatalf("no examples: %d patterns, gaps %v, notes %v", len(ds.Patterns), ds.Gaps, ds.Notes)
		}
		if len(ds.Events) == 0 {
			t.Fatalf("chunked %v: no events", chunked)
		}
		for _, e := range ds.Events {
			path, num, ok := strings.Cut(e.Ref, ":")
			k, err := strconv.Atoi(num)
			if !ok || err != nil || path != sys || !strings.Contains(lineOf(t, sys, k), "CRON") || !strings.Contains(lineOf(t, sys, k), e.T.UTC().Format(time.RFC3339)) {
				t.Errorf("chunked %v: event %q at %v: ref is not its line", chunked, e.Ref, e.T)
			}
		}
	}
}

// lineOf returns line k (from 1) of the file at path.
func lineOf(t *testing.T, path string, k int) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	ls := strings.Split(string(data), "\n")
	if k < 1 || k > len(ls) {
		return ""
	}
	return ls[k-1]
}

// TestSyslogWindowCounts: an RFC 3339 syslog (read by the reader's syslog
// fast path, which stops past the window) and an RFC 3164 one (year
// guessed: read to the end) give exactly the lines of the window.
func TestSyslogWindowCounts(t *testing.T) {
	for _, layout := range []string{time.RFC3339, time.Stamp} {
		var b strings.Builder
		const n = 3000
		for i := range n {
			ts := t0.Add(time.Duration(i) * 30 * time.Second)
			fmt.Fprintf(&b, "%s db1 app[%d]: job %d done\n", ts.Format(layout), i%7, i)
		}
		p := mustWrite(t, t.TempDir(), "syslog", b.String())
		w := sources.Window{From: t0.Add(3 * time.Hour), To: t0.Add(5 * time.Hour)}
		s, err := New(Config{Paths: []string{p}, Location: time.UTC})
		if err != nil {
			t.Fatal(err)
		}
		ds, err := s.Fetch(context.Background(), w, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for _, pat := range ds.Patterns {
			got += pat.Total()
		}
		if want := 2 * 60 * 2; got != want {
			t.Errorf("%s: %d lines in the window, want %d", layout, got, want)
		}
	}
}

// TestParallelChunksEvents: a syslog file read in chunks on two cores
// gives the events, with their lines' refs, that one core gives.
func TestParallelChunksEvents(t *testing.T) {
	skipOneCore(t)
	dir := t.TempDir()
	var b strings.Builder
	const n = 20_000
	for i := range n {
		ts := t0.Add(time.Duration(i) * (10 * time.Minute / n))
		if i%3 == 0 {
			fmt.Fprintf(&b, "%s db1 CRON[%d]: (root) CMD (/usr/local/bin/job-%d.sh)\n", ts.Format(time.Stamp), 100+i, i%7)
			continue
		}
		fmt.Fprintf(&b, "%s db1 sshd[%d]: Accepted publickey for deploy from 10.0.0.%d port %d ssh2\n", ts.Format(time.Stamp), 100+i, i%256, 1000+i)
	}
	p := mustWrite(t, dir, "syslog", b.String())
	one, many := fetchOneAndChunked(t, Config{Paths: []string{p}, Location: time.UTC})
	if len(one.Events) != (n+2)/3 {
		t.Fatalf("%d events, want %d", len(one.Events), (n+2)/3)
	}
	if len(many.Events) != len(one.Events) {
		t.Fatalf("%d events in chunks, %d in one", len(many.Events), len(one.Events))
	}
	// A file read from its start in chunks names every line by its
	// number, as one reader does: the chunks number their lines and add
	// those of the chunks before.
	for i := range one.Events {
		a, c := one.Events[i], many.Events[i]
		if a.Title != c.Title || !a.T.Equal(c.T) || a.Ref != c.Ref {
			t.Fatalf("event %d: %+v, in chunks %+v", i, a, c)
		}
	}
	for i, p := range one.Patterns {
		for j, e := range p.Examples {
			if j < 3 && j < len(many.Patterns[i].Examples) && many.Patterns[i].Examples[j].Ref() != e.Ref() {
				t.Errorf("pattern %s example %d: %s in chunks, %s in one", p.Template, j, many.Patterns[i].Examples[j].Ref(), e.Ref())
			}
		}
	}
	found := false
	for _, e := range one.Events {
		if e.Ref == p+":4" {
			found = e.Title == "cron: /usr/local/bin/job-3.sh"
		}
	}
	if !found {
		t.Errorf("no event job-3.sh at %s:4", p)
	}
}

func skipOneCore(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("one core: files are not chunked")
	}
}

// fetchOneAndChunked fetches the night from c's files read by one reader,
// then read in chunks (of 1 KiB and more) on all cores.
func fetchOneAndChunked(t *testing.T, c Config) (one, many *sources.Dataset) {
	t.Helper()
	fetch := func(min int64) *sources.Dataset {
		old := parallelMin
		parallelMin = min
		defer func() { parallelMin = old }()
		return mustFetch(t, c, night, time.Minute)
	}
	return fetch(1 << 62), fetch(1 << 10)
}
