package logs

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/logs/drain"
)

func eventAggregator(tb testing.TB) *aggregator {
	s, err := New(Config{Paths: []string{"x.log"}})
	if err != nil {
		tb.Fatal(err)
	}
	return newAggregator(s, nil, sources.Window{From: t0, To: t0.Add(time.Hour)}, time.Minute)
}

// checkMaybeEvent: maybeEvent is a shortcut and must say yes to every line
// that event takes.
func checkMaybeEvent(t *testing.T, a *aggregator, prog, msg string) (sources.Event, bool) {
	r := &Record{T: t0, Host: "db1", Program: prog, Message: msg}
	ev, ok := a.event(r, "x.log:1")
	if ok && !a.maybeEvent(prog, []byte(msg)) {
		t.Errorf("%s: %q is a %s event, but maybeEvent says no", prog, msg, ev.Kind)
	}
	return ev, ok
}

func TestMaybeEventTakesEveryEvent(t *testing.T) {
	a := eventAggregator(t)
	for _, c := range []struct {
		prog, msg string
		kind      sources.EventKind // "" for no event
	}{
		{"CRON", "(root) CMD (/usr/local/bin/backup.sh)", sources.KindBackup},
		{"cron", "(www) CMD (php artisan schedule:run)", sources.KindCron},
		{"systemd", "Started nginx.service - A high performance web server.", sources.KindRestart},
		{"systemd", "Started Session 7 of User deploy.", ""},
		{"sshd", "Accepted publickey for deploy from 10.0.0.1 port 22 ssh2", ""},
		{"sshd", "Invalid user deploy from 10.0.0.1", ""},
		// A user named deploy where the line gives no program (a format
		// the parser does not split): no release.
		{"", "db1 sshd[101]: Accepted publickey for deploy from 10.0.0.1 port 1001 ssh2", ""},
		{"", "pam_unix(sshd:auth): authentication failure; rhost=10.0.0.1 user=deploy", ""},
		{"", "Invalid user deploy from 10.0.0.1", ""},
		{"ci", "waiting for deploy to finish", sources.KindDeploy},
		{"ci", "deployed api for 12 users from branch main", sources.KindDeploy},
		{"sshd", "Received SIGHUP; restarting.", ""},
		{"sshd", "restarting on SIGHUP", sources.KindRestart},
		{"sshd", "RESTARTING on signal", sources.KindRestart},
		{"kernel", "Out of memory: Killed process 4242 (java)", sources.KindOOM},
		{"deploy", "deploy v2.4.1 finished", sources.KindDeploy},
		{"app", "Release 2.4.1 rolled out", sources.KindDeploy},
		{"nginx", "restarting worker processes", sources.KindRestart},
		{"app", "order 42 placed", ""},
	} {
		ev, ok := checkMaybeEvent(t, a, c.prog, c.msg)
		if got := sources.EventKind(""); ok {
			got = ev.Kind
			if got != c.kind {
				t.Errorf("%s: %q: %q, want %q", c.prog, c.msg, got, c.kind)
			}
		} else if c.kind != "" {
			t.Errorf("%s: %q: no event, want %q", c.prog, c.msg, c.kind)
		}
	}
}

func FuzzMaybeEvent(f *testing.F) {
	for _, s := range [][2]string{
		{"sshd", "Received SIGHUP; Restarting."}, {"CRON", "(root) CMD (x)"}, {"systemd", "Stopped foo.service"},
		{"kernel", "Memory cgroup out of memory: Killed process 1"}, {"app", "DEPLOY done"}, {"sshd[1]", "deploy"},
	} {
		f.Add(s[0], s[1])
	}
	a := eventAggregator(f)
	f.Fuzz(func(t *testing.T, prog, msg string) {
		checkMaybeEvent(t, a, prog, msg)
		// maybeEventShape keeps answers by shape: digits must not matter.
		other := []byte(msg)
		for i, c := range other {
			if c >= '0' && c <= '9' {
				other[i] = '0' + (c-'0'+1+byte(i))%10
			}
		}
		want := a.maybeEvent(prog, []byte(msg))
		if want != a.maybeEvent(prog, other) {
			t.Fatalf("%s: %q and %q differ", prog, msg, other)
		}
		name, id := a.intern([]byte(prog))
		for _, m := range [][]byte{[]byte(msg), other} {
			if got := a.maybeEventShape(name, id, m, drain.Shape(m)); got != want {
				t.Fatalf("%s: %q: cached %v, want %v", prog, m, got, want)
			}
		}
	})
}

// TestIntern: a name gets one string and one number, whether it is a
// slice of its own or a view into a line (compared as a word), and
// different names get different numbers.
func TestIntern(t *testing.T) {
	a := eventAggregator(t)
	ids := map[string]uint64{}
	names := []string{"sshd", "CRON", "", "systemd", "kernel", "sshd", "x", "", "ssh", "sshd2",
		"postgres", "postgres1", "\x00", "\x00\x00", "a", "a\x00", "x"}
	for round := range 4 {
		for _, p := range names {
			b := []byte(p)
			if round%2 == 1 { // a view into a line, as parsers give
				line := []byte(p + "[42]: message text")
				b = line[:len(p)]
			}
			got, id := a.intern(b)
			if got != p || id == 0 {
				t.Fatalf("intern(%q) = %q, %d", p, got, id)
			}
			if ids[p] != 0 && ids[p] != id {
				t.Fatalf("intern(%q): ids %d and %d", p, ids[p], id)
			}
			ids[p] = id
		}
	}
	seen := map[uint64]string{}
	for p, id := range ids {
		if q, ok := seen[id]; ok {
			t.Fatalf("%q and %q share id %d", p, q, id)
		}
		seen[id] = p
	}
}

// TestLineCacheSameCounts: the aggregator's cache of mined lines by shape
// and program changes no count: the same file read with it (default
// settings) and without it (a custom deploy pattern turns it off) gives
// the same patterns, counts and events.
func TestLineCacheSameCounts(t *testing.T) {
	var b strings.Builder
	progs := []string{"sshd[12]", "CRON[7]", "kernel", "app[3]", "systemd[1]"}
	msgs := []string{
		"session opened for user u%[1]d on tty%[2]d",
		"Accepted publickey for deploy%[2]d from 10.0.0.%[1]d port %[3]d ssh2",
		"(root) CMD (run-parts /etc/cron.hourly %[2]d)",
		"eth%[2]d: link up, %[3]d Mbps",
		"order %[3]d placed by user %[1]d, %[2]d items",
		"Started Session %[3]d of User admin.",
		"worker w%[2]d finished job %[3]d in %[1]dms",
	}
	for i := range 5000 {
		ts := t0.Add(time.Duration(i) * 7 * time.Second)
		fmt.Fprintf(&b, "%s db%d %s: ", ts.Format(time.Stamp), i%2, progs[i*7%len(progs)])
		fmt.Fprintf(&b, msgs[i%len(msgs)], i%97, i%4, 1000+i*13%5000)
		b.WriteByte('\n')
	}
	dir := t.TempDir()
	p := mustWrite(t, dir, "syslog", b.String())
	w := sources.Window{From: t0, To: t0.Add(12 * time.Hour)}
	fetch := func(deploy string) *sources.Dataset {
		s, err := New(Config{Paths: []string{p}, Location: time.UTC, DeployPattern: deploy})
		if err != nil {
			t.Fatal(err)
		}
		ds, err := s.Fetch(context.Background(), w, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return ds
	}
	with, without := fetch(""), fetch(`(?i)\bnever-a-deploy\b`)
	sum := func(ds *sources.Dataset) map[string]string {
		out := map[string]string{}
		for _, pat := range ds.Patterns {
			out[pat.Template] = fmt.Sprint(pat.Counts)
		}
		return out
	}
	a, c := sum(with), sum(without)
	if len(a) < 7 || fmt.Sprint(a) != fmt.Sprint(c) {
		t.Errorf("%d patterns with the cache, %d without:\n%v\n%v", len(a), len(c), a, c)
	}
	if len(with.Events) != len(without.Events) || len(with.Events) == 0 {
		t.Errorf("%d events with the cache, %d without", len(with.Events), len(without.Events))
	}
}

// TestCronEvents: cron lines that alternate between hosts and commands,
// some of them the same line again, others cron lines that are no job,
// each give the event of their own command, in order, with their own time
// and line (the lines of one command share their Event till emit).
func TestCronEvents(t *testing.T) {
	var b strings.Builder
	cmds := []string{"/usr/bin/a", "/usr/bin/ab", "/usr/bin/a", "/usr/bin/b", "", "/usr/bin/b", "/usr/bin/a"}
	var want, wantRefs []string
	var wantT []time.Time
	for i, c := range cmds {
		ts := t0.Add(time.Duration(i) * time.Minute).Format(time.Stamp)
		host := []string{"db1", "db12", "db1"}[i%3]
		if c == "" {
			fmt.Fprintf(&b, "%s %s CRON[%d]: pam_unix(cron:session): session opened for user root\n", ts, host, 100+i)
			continue
		}
		fmt.Fprintf(&b, "%s %s CRON[%d]: (root) CMD (%s)\n", ts, host, 100+i, c)
		want = append(want, "cron: "+c)
		wantT = append(wantT, t0.Add(time.Duration(i)*time.Minute))
		wantRefs = append(wantRefs, fmt.Sprintf("syslog:%d", i+1))
	}
	dir := t.TempDir()
	p := mustWrite(t, dir, "syslog", b.String())
	s, err := New(Config{Paths: []string{p}, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := s.Fetch(context.Background(), sources.Window{From: t0.Add(-time.Hour), To: t0.Add(time.Hour)}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var got, refs []string
	var ts []time.Time
	for _, ev := range ds.Events {
		got = append(got, ev.Title)
		ts = append(ts, ev.T)
		refs = append(refs, ev.Ref[strings.LastIndexByte(ev.Ref, '/')+1:])
	}
	if !slices.Equal(got, want) {
		t.Errorf("events %q, want %q", got, want)
	}
	if !slices.EqualFunc(ts, wantT, time.Time.Equal) || !slices.Equal(refs, wantRefs) {
		t.Errorf("events at %v, lines %q; want %v, %q", ts, refs, wantT, wantRefs)
	}
}

// TestStepCounts: counts added mostly in step order, some out of order,
// some merged in from another pattern, come out as a map would sum them:
// one entry per step, in step order.
func TestStepCounts(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for round := range 200 {
		var a, b stepCounts
		want := map[int]int{}
		step := 0
		for range r.IntN(300) {
			switch r.IntN(10) {
			case 0: // a line out of order
				s := max(0, step-r.IntN(20))
				a.add(s, 1)
				want[s]++
			case 1:
				s := r.IntN(100)
				b.add(s, 2)
				want[s] += 2
			default:
				step += r.IntN(3)
				a.add(step, 1)
				want[step]++
			}
		}
		if round%2 == 0 {
			a.merge(&b)
		} else {
			b.merge(&a)
			a = b
		}
		got := a.sorted()
		if len(got) != len(want) {
			t.Fatalf("round %d: %d steps, want %d", round, len(got), len(want))
		}
		for i, c := range got {
			if i > 0 && got[i-1].b >= c.b {
				t.Fatalf("round %d: steps %d then %d", round, got[i-1].b, c.b)
			}
			if want[c.b] != c.n {
				t.Fatalf("round %d: step %d has %d, want %d", round, c.b, c.n, want[c.b])
			}
		}
	}
}
