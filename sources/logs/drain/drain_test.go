package drain

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMask(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Accepted password for fztu from 119.137.62.142 port 49116 ssh2", "Accepted password for fztu from <*> port <*> ssh2"},
		{"10.251.73.220:50010 Served block blk_-7724713468912166542 to /10.251.203.80", "<*>:<*> Served block <*> to <*>"},
		{"Deleting block blk_1781953582842324563 file /mnt/hadoop/dfs/data/current/subdir5/blk_1781953582842324563", "Deleting block <*> file <*>"},
		{"authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=218.188.2.4", "authentication failure; logname= uid=<*> euid=<*> tty=NODEVssh ruser= rhost=<*>"},
		{"connection from 24.54.76.216 (24-54-76-216.bflony.adelphia.net) at Fri Jun 17 07:07:00 2005", "connection from <*> (<*>) at <*>:<*>:<*>"},
		{"audit(1122475266.4294965305:0): initialized", "audit(<*>:<*>): initialized"},
		{"mapped 4G/4G trampoline to ffff3000.", "mapped <*>/<*> trampoline to <*>."},
		{"PCI: Using IRQ router PIIX/ICH [8086/2410] at 0000:00:1f.0", "PCI: Using IRQ router PIIX/ICH [<*>/<*>] at <*>"},
		{"BIOS-e820: 0000000000000000 - 000000000009f800 (usable)", "BIOS-e820: <*> - <*> (usable)"},
		{"ask 10.250.18.114:50010 to delete  blk_-1608 blk_-2771 blk_-3345 blk_-4012", "ask <*>:<*> to delete <*>"},
		{"mod_jk child init 1 -2", "mod_jk child init <*> <*>"},
		{"request 123e4567-e89b-12d3-a456-426614174000 done in 42ms", "request <*> done in <*>"},
		{"link fe80::1ff:fe23:4567:890a up", "link <*> up"},
		{"reverse mapping checking getaddrinfo for ns.marryaldkfaczcz.com [1.2.3.4] failed", "reverse mapping checking getaddrinfo for <*> [<*>] failed"},
		{"rhost=ec2-52-80-34-196.cn-north-1.compute.amazonaws.com.cn user=root", "rhost=<*> user=<*>"},
		{"lookup of db1.prod.example.de failed, retrying zummit.com.", "lookup of <*> failed, retrying <*>."},
		{"class org.apache.hadoop.io loaded from setup.py and java.lang.String", "class org.apache.hadoop.io loaded from setup.py and java.lang.String"},
		// Numbers no letter touches (Brain's number rule), whole names
		// with one, and pieces after a dot.
		{"Partition rdd_2_1 not found, computing it", "Partition <*> not found, computing it"},
		{"Block broadcast_9_piece0 stored on mesos-slave-07", "Block <*> stored on <*>"},
		{"generating core.998 and core.12345", "generating core.<*> and core.<*>"},
		{"data store interrupt caused by dcbf.........0", "data store interrupt caused by dcbf.........<*>"},
		{"Skipping file [x]-CCIOReporter-002.xml now", "Skipping file [x]<*> now"},
		{"Security Scaffold v1.0.0 initialized for ssh2 on tty1 via jk2_init", "Security Scaffold <*> initialized for ssh2 on tty1 via jk2_init"},
		// A size and its unit are one value; a unit the format fixes is not.
		{"Block stored (estimated size 16.0 KB, free 384 B)", "Block stored (estimated size <*>, free <*>)"},
		{"PM response took 2010 ms (54, powerd)", "PM response took <*> ms (<*>, powerd)"},
		// URLs after their scheme, relative paths.
		{"Input split: hdfs://10.1.2.3:9000/logs/a.log:21876+7292", "Input split: hdfs://<*>"},
		{"listening on :[akka.tcp://sparkDriver@10.1.2.3:48069]", "listening on :[akka.tcp://<*>]"},
		{"Error loading ./runtime_malloc: bad image", "Error loading <*>: bad image"},
		{"socket to 172.16.96.116:33370: Link has been severed", "socket to <*>:<*>: Link has been severed"},
		{"connection from 1.2.3.4 (dsl-Chn-static-059.45.101.203.touchtelindia.net)", "connection from <*> (<*>)"},
		{"", ""},
		{"   ", ""},
	} {
		got, _ := Mask(nil, []byte(c.in), DefaultMaxTokens)
		if string(got) != c.want {
			t.Errorf("Mask(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

func TestMinerGroups(t *testing.T) {
	m := New(Config{})
	for _, u := range []string{"webmaster", "admin", "test", "oracle"} {
		m.AddString("Invalid user " + u + " from 10.0.0.1")
		m.AddString("Failed password for invalid user " + u + " from 10.0.0.1 port 22 ssh2")
	}
	m.AddString("Received disconnect from 1.2.3.4: 11: Bye Bye [preauth]")
	m.AddString("Received disconnect from 1.2.3.5: 11: disconnected by user")
	var got []string
	for _, c := range m.Clusters() {
		got = append(got, fmt.Sprintf("%d %s", c.Count, c))
	}
	want := []string{
		"4 Invalid user <*> from <*>",
		"4 Failed password for invalid user <*> from <*> port <*> ssh2",
		"1 Received disconnect from <*>: <*>: Bye Bye [preauth]",
		"1 Received disconnect from <*>: <*>: disconnected by user",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("clusters\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestStableID(t *testing.T) {
	a, b := New(Config{}), New(Config{})
	ca := a.AddString("backup 12 started on db1")
	b.AddString("something else first")
	cb := b.AddString("backup 99 started on db1")
	if ca.ID() != cb.ID() || ca.Seq == cb.Seq {
		t.Errorf("IDs %s %s, seqs %d %d: want the same ID whatever the order", ca.ID(), cb.ID(), ca.Seq, cb.Seq)
	}
	if ID("x") == ID("y") || len(ID("x")) != 16 {
		t.Error("ID is not a 16-digit hash")
	}
}

func TestOther(t *testing.T) {
	m := New(Config{MaxClusters: 2})
	m.AddString("alpha one")
	m.AddString("beta two three")
	c := m.AddString("gamma four five six")
	if c.String() != Other || len(m.Clusters()) != 3 || c.Count != 1 {
		t.Errorf("third kind went to %q; %d clusters", c, len(m.Clusters()))
	}
}

func FuzzMask(f *testing.F) {
	for _, s := range []string{"a b c", "10.0.0.1:80 x", "at Fri Jun 17 07:07:00 2005", "uid=0 (x) [1/2]", "/a/b/c", "\xff\xfe", "<*> <*> <*> <*>",
		"hdfs://10.0.0.1:9000/a/b.log:1+2", "size 16.0 KB, free 3 MB)", "rdd_2_1 core.998 x-1.tar.gz", "./a/b: ../c", "a://", "1 KB KB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, n := Mask(nil, []byte(s), DefaultMaxTokens)
		if n > DefaultMaxTokens {
			t.Fatalf("%d tokens", n)
		}
		if len(got) > 0 && (got[0] == ' ' || got[len(got)-1] == ' ') {
			t.Fatalf("blank at an end: %q", got)
		}
		if utf8.ValidString(s) && !utf8.Valid(got) {
			t.Fatalf("valid UTF-8 %q masked to invalid %q", s, got)
		}
		m := New(Config{MaxClusters: 4})
		c := m.Add([]byte(s))
		if c2 := m.Add([]byte(s)); c2 != c {
			t.Fatal("the same message went to two clusters")
		}
		_ = c.String()
		// The shape cache's premise: masking sees only that a byte is a
		// digit, so other digits mask alike when none survives.
		// digits elsewhere mask alike.
		var kept [][2]int32
		var spans [MaxTokens][2]int32
		k, n := mask(nil, []byte(s), DefaultMaxTokens, &kept, &spans)
		if string(k) != string(got) {
			t.Fatalf("mask with spans %q, Mask %q", k, got)
		}
		var toks [][]byte
		for _, sp := range spans[:n] {
			if sp[0] >= sp[1] {
				t.Fatalf("token %d of %q is empty", len(toks), k)
			}
			toks = append(toks, k[sp[0]:sp[1]])
		}
		if j := bytes.Join(toks, []byte{' '}); string(j) != string(k) {
			t.Fatalf("token spans make %q, masked %q", j, k)
		}
		inKept := func(i int) bool {
			for _, sp := range kept {
				if i >= int(sp[0]) && i < int(sp[1]) {
					return true
				}
			}
			return false
		}
		other := []byte(s)
		for i, b := range other {
			if b >= '0' && b <= '9' && !inKept(i) {
				other[i] = '0' + (b-'0'+3+byte(i))%10
			}
		}
		if shapeHash(other) != shapeHash([]byte(s)) || keptHash(other, kept) != keptHash([]byte(s), kept) {
			t.Fatalf("%q and %q: shapes differ", s, other)
		}
		if o, _ := Mask(nil, other, DefaultMaxTokens); string(o) != string(got) {
			t.Fatalf("%q masks to %q, %q to %q", s, got, other, o)
		}
		if c3 := m.Add(other); c3 != c && c.Seq != 0 {
			t.Fatalf("%q and %q: two clusters", s, other)
		}
	})
}

func TestDigitsToZero(t *testing.T) {
	for c := range 256 {
		for pos := range 8 {
			w := uint64(0x4142434445464748)
			w = w&^(0xFF<<(8*pos)) | uint64(c)<<(8*pos)
			want := w
			if c >= '0' && c <= '9' {
				want = w&^(0xFF<<(8*pos)) | uint64('0')<<(8*pos)
			}
			if got := digitsToZero(w); got != want {
				t.Fatalf("byte %#x at %d: %#x, want %#x", c, pos, got, want)
			}
		}
	}
	if digitsToZero(0x3939393939393939) != zeroes || digitsToZero(0xFFFFFFFFFFFFFFFF) != 0xFFFFFFFFFFFFFFFF {
		t.Fatal("all digits / all 0xFF")
	}
}

// TestShapeCache: lines that differ in their digits share the cached
// answer, but not where a digit is part of a word ("tty1", "tty2").
func TestShapeCache(t *testing.T) {
	m := New(Config{})
	a, av := m.AddVariant([]byte("session opened for port 50412 on tty1"))
	b, bv := m.AddVariant([]byte("session opened for port 50388 on tty1"))
	c, cv := m.AddVariant([]byte("session opened for port 50388 on tty2"))
	if a != b || a != c || a.Count != 3 || m.shapes.n != 1 || m.nshapes != 2 {
		t.Fatalf("tty1, tty1, tty2: %v %v %v, %d shapes, %d answers", a, b, c, m.shapes.n, m.nshapes)
	}
	// tty1 and tty2 are one name numbered: a variable (see numbered).
	if a.Template(av) != "session opened for port <*> on <*>" || a.Template(bv) != a.Template(av) || a.Template(cv) != a.Template(av) {
		t.Errorf("templates %q %q %q", a.Template(av), a.Template(bv), a.Template(cv))
	}
	d := m.AddString("Accepted password from 10.0.0.1 port 50412")
	e := m.AddString("Accepted password from 10.0.0.7 port 50418")
	if d != e || d.Count != 2 || m.shapes.n != 2 || m.nshapes != 3 {
		t.Fatalf("ports: %v %v, %d shapes, %d answers", d, e, m.shapes.n, m.nshapes)
	}
}

// BenchmarkMiner: shapes=seen is a log's usual lines, which differ from
// lines before in their digits (the shape cache answers most); shapes=new
// ends every message with a word of letters never seen before, so that
// every message is masked and looked up in the tree: the worst case.
func BenchmarkMiner(b *testing.B) {
	for _, fresh := range []bool{false, true} {
		msgs := genMessages(100_000)
		if fresh {
			for i, m := range msgs {
				msgs[i] = append(m, fmt.Sprintf(" session=%s", letters(i))...)
			}
		}
		size := 0
		for _, m := range msgs {
			size += len(m)
		}
		name := "shapes=seen"
		if fresh {
			name = "shapes=new"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				m := New(Config{})
				for _, msg := range msgs {
					m.Add(msg)
				}
				n += len(msgs)
			}
			sec := b.Elapsed().Seconds()
			b.ReportMetric(float64(n)/sec, "msgs/s")
			b.ReportMetric(float64(size)*float64(n/len(msgs))/1e6/sec, "MB/s")
		})
	}
}

// letters writes i in base 26 with the letters a-z.
func letters(i int) string {
	s := []byte{'a' + byte(i%26)}
	for i /= 26; i > 0; i /= 26 {
		s = append(s, 'a'+byte(i%26))
	}
	return string(s)
}

// genMessages makes unstructured syslog-like messages: a few dozen kinds,
// with user names, addresses, ports, pids, durations and paths varying.
func genMessages(n int) [][]byte {
	users := []string{"root", "admin", "deploy", "oracle", "test", "guest", "backup", "www-data"}
	kinds := []string{
		"Accepted publickey for %[1]s from 10.%[2]d.%[3]d.%[4]d port %[5]d ssh2: RSA SHA256:abc%[5]dxyz",
		"Failed password for invalid user %[1]s from 192.168.%[3]d.%[4]d port %[5]d ssh2",
		"pam_unix(sshd:session): session opened for user %[1]s by (uid=%[2]d)",
		"Started Session %[5]d of user %[1]s.",
		"(%[1]s) CMD (/usr/local/bin/backup.sh --target /srv/backup/%[2]d >/dev/null 2>&1)",
		"Out of memory: Killed process %[5]d (java) total-vm:%[4]dkB, anon-rss:%[3]dkB",
		"nginx.service: Main process exited, code=exited, status=%[2]d/FAILURE",
		"connection from 10.%[2]d.%[3]d.%[4]d timed out after %[5]dms",
		"GET /api/v1/items/%[5]d returned 200 in 0.%[3]ds",
		"worker %[2]d finished job %[5]d in %[4]d.%[3]ds, queue depth %[3]d",
		"disk /dev/sda%[2]d at %[3]d%% usage, %[5]d inodes free",
		"kernel: [%[5]d.%[4]d] eth0: link up, 1000Mbps, full duplex",
	}
	out := make([][]byte, n)
	for i := range n {
		k := kinds[i*7%len(kinds)]
		out[i] = fmt.Appendf(nil, k, users[i%len(users)], i%9, i%251, i%13, 1000+i*37%60000)
	}
	return out
}

// TestFewValuesStayWords: a position becomes a variable when it takes
// MinValues different words; two verbs make two templates.
func TestFewValuesStayWords(t *testing.T) {
	m := New(Config{})
	type got struct {
		c *Cluster
		v Variant
	}
	var gs []got
	for _, msg := range []string{"cups daemon startup succeeded", "cups daemon shutdown succeeded", "cups daemon startup succeeded"} {
		c, v := m.AddVariant([]byte(msg))
		gs = append(gs, got{c, v})
	}
	if a, b := gs[0].c.Template(gs[0].v), gs[1].c.Template(gs[1].v); a != "cups daemon startup succeeded" || b != "cups daemon shutdown succeeded" {
		t.Errorf("templates %q, %q", a, b)
	}
	if gs[2].c.Template(gs[2].v) != "cups daemon startup succeeded" {
		t.Errorf("third: %q", gs[2].c.Template(gs[2].v))
	}
	c, v := m.AddVariant([]byte("cups daemon reload succeeded"))
	for _, g := range append(gs, got{c, v}) {
		if tm := g.c.Template(g.v); tm != "cups daemon <*> succeeded" {
			t.Errorf("after a third word: %q", tm)
		}
	}
}

// TestValueIsNotAWord: a value at a position (root masks to <*>) is kept
// apart from the words there, and does not count as one of the MinValues
// words that make the position a variable; a second word does not merge
// them, a third does; a value and its absence merge at once.
func TestValueIsNotAWord(t *testing.T) {
	m := New(Config{})
	tmpl := func(msg string) string {
		c, v := m.AddVariant([]byte(msg))
		return c.Template(v)
	}
	const p = "authentication failure; rhost=10.0.0.1 "
	root, guest := tmpl(p+"user=root"), tmpl(p+"user=guest")
	test := tmpl(p + "user=test")
	if root != "authentication failure; rhost=<*> user=<*>" || guest != "authentication failure; rhost=<*> user=guest" || test != "authentication failure; rhost=<*> user=test" {
		t.Errorf("two words and a value: %q, %q, %q", root, guest, test)
	}
	if got := tmpl(p + "user=root"); got != root {
		t.Errorf("root again: %q", got)
	}
	if got := tmpl(p + "user=news"); got != "authentication failure; rhost=<*> user=<*>" {
		t.Errorf("a third word: %q", got)
	}
	if got := tmpl(p + "user=guest"); got != "authentication failure; rhost=<*> user=<*>" {
		t.Errorf("guest after the third word: %q", got)
	}
	m = New(Config{})
	a := tmpl("connection from 10.0.0.1 (h1.example.com) at 07:07:00")
	b := tmpl("connection from 10.0.0.2 () at 07:07:01")
	if a != b || a != "connection from <*> (<*>) at <*>:<*>:<*>" {
		t.Errorf("a value and its absence: %q, %q", a, b)
	}
}

func BenchmarkShapeHash(b *testing.B) {
	msgs := genMessages(10_000)
	size := 0
	for _, m := range msgs {
		size += len(m)
	}
	for b.Loop() {
		for _, m := range msgs {
			shapeHash(m)
		}
	}
	b.ReportMetric(float64(size)*float64(b.N)/1e6/b.Elapsed().Seconds(), "MB/s")
}

// TestKeptHash: the hash tells apart messages that differ inside a span,
// not those that differ outside all spans.
func TestKeptHash(t *testing.T) {
	msg := []byte("ab ssh2 0123456789abcdef x tty1 y")
	spans := [][2]int32{{3, 7}, {8, 24}, {27, 31}}
	base := keptHash(msg, spans)
	for i := range msg {
		m := bytes.Clone(msg)
		m[i] ^= 1
		in := false
		for _, sp := range spans {
			in = in || i >= int(sp[0]) && i < int(sp[1])
		}
		if got := keptHash(m, spans); (got != base) != in {
			t.Errorf("byte %d changed (in a span: %v): hash changed %v", i, in, got != base)
		}
	}
	short := []byte("tty1")
	if keptHash(short, [][2]int32{{0, 4}}) == keptHash([]byte("tty2"), [][2]int32{{0, 4}}) {
		t.Error("tty1 and tty2 hash alike")
	}
}

// TestLeafBounded: lines that differ in words masking does not see make a
// template each only up to maxLeaf in one tree leaf; the rest join the
// most similar one, so that work per line stays bounded.
func TestLeafBounded(t *testing.T) {
	m := New(Config{})
	for i := range 2000 {
		m.AddString(fmt.Sprintf("GET /api/items/%d returned 200 in 0.%ds session=%s user=%s", i, i%9, letters(i), letters(i*7+3)))
	}
	cs := m.Clusters()
	if len(cs) > maxLeaf || m.other.Count != 0 {
		t.Fatalf("%d templates, %d lines in Other; want at most %d and none", len(cs), m.other.Count, maxLeaf)
	}
	total := 0
	for _, c := range cs {
		total += c.Count
	}
	if total != 2000 {
		t.Errorf("%d lines in templates, want 2000", total)
	}
}

// TestOneWordOff: a line alike to a template byte for byte but for one
// word joins it, however few of its tokens are constant (3 of 7 here,
// below Similarity): the word is a variable once it took MinValues words,
// and there is one template, not one per session until the leaf is full.
// Lines that differ in more than one place keep Drain's rule
// (TestMinerGroups: "Bye Bye [preauth]" and "disconnected by user").
func TestOneWordOff(t *testing.T) {
	m := New(Config{})
	var got []string
	for i := range 500 {
		c, v := m.AddVariant(fmt.Appendf(nil, "GET /api/items/%d returned 200 in 0.%ds session=%s", i, i%9, letters(i)))
		got = append(got, c.Template(v))
	}
	if n := len(m.Clusters()); n != 1 {
		t.Fatalf("%d templates, want 1", n)
	}
	if got[0] != "GET <*> returned <*> in <*> session=a" || got[1] != "GET <*> returned <*> in <*> session=b" {
		t.Errorf("first two lines: %q, %q; want their words kept while fewer than MinValues", got[0], got[1])
	}
	if want := "GET <*> returned <*> in <*> session=<*>"; got[2] != want || got[499] != want {
		t.Errorf("third and last lines: %q, %q; want %q", got[2], got[499], want)
	}
	// Two constant tokens at least: "<*> <*> <*> started" and "... stopped"
	// are not one line with a varying word.
	m = New(Config{})
	m.AddString("10.0.0.1 12:00 42 started")
	m.AddString("10.0.0.2 12:01 43 stopped")
	if n := len(m.Clusters()); n != 2 {
		t.Errorf("%d templates for lines with one constant each, want 2", n)
	}
}

// TestLearnedVariableMatches: a position that took MinValues words is a
// variable the miner has learned, and a new word there counts as the same
// token. Without that, a line that also has values where the template has
// words (3 constants of 7 alike) would start a template of its own.
func TestLearnedVariableMatches(t *testing.T) {
	m := New(Config{})
	for _, s := range []string{"alpha", "beta", "gamma"} {
		m.Add([]byte("GET now a=x b=y c=z in session=" + s))
	}
	if n := len(m.Clusters()); n != 1 {
		t.Fatalf("%d clusters after three sessions, want 1", n)
	}
	c, v := m.AddVariant([]byte("GET now a=1 b=2 c=3 in session=delta"))
	if n := len(m.Clusters()); n != 1 {
		t.Errorf("%d clusters, want 1: the learned session=<*> matches session=delta", n)
	}
	if got, want := c.Template(v), "GET now a=<*> b=<*> c=<*> in session=<*>"; got != want {
		t.Errorf("template %q, want %q", got, want)
	}
	// A word at a position that took fewer words is still a word.
	m.Add([]byte("PUT now a=x b=y c=z in session=alpha"))
	m.Add([]byte("PUT now a=1 b=2 c=3 in session=beta"))
	if n := len(m.Clusters()); n != 3 {
		t.Errorf("%d clusters, want 3 (PUT's session= has not been learned)", n)
	}
}

// TestTokenEnd: the eight-bytes-at-a-time token end and class agree with
// a byte loop, at every start, for tokens that end inside, at the edge of
// and past an eight-byte word.
func TestTokenEnd(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("ab.Z09:=/ \t\n\x00\xff<*>")
	for range 2000 {
		msg := make([]byte, r.IntN(40))
		for i := range msg {
			msg[i] = alphabet[r.IntN(len(alphabet))]
		}
		for i := range msg {
			want, wf := i, uint8(0)
			for want < len(msg) && !space[msg[want]] {
				wf |= class[msg[want]]
				want++
			}
			if j, f := tokenEnd(msg, i); j != want || f != wf {
				t.Fatalf("tokenEnd(%q, %d) = %d, %#x; want %d, %#x", msg, i, j, f, want, wf)
			}
		}
	}
}

// TestNewLineNoAlloc: a line of a new shape that joins a template it
// matches (a learned session, and a user word the template has made a
// variable already) costs no allocation, past the miner's slabs: the
// template is not merged again.
func TestNewLineNoAlloc(t *testing.T) {
	m := New(Config{})
	users := []string{"root", "guest"}
	var msgs [][]byte
	for i := range 600 {
		msgs = append(msgs, fmt.Appendf(nil, "Accepted publickey for %s from 10.0.0.%d port %d ssh2 session=%s", users[i%2], i%250, 1000+i, letters(i)))
	}
	for _, msg := range msgs[:100] {
		m.Add(msg)
	}
	i := 100
	allocs := testing.AllocsPerRun(400, func() {
		m.Add(msgs[i])
		i++
	})
	if allocs > 0.1 {
		t.Errorf("%.2f allocations per line, want none", allocs)
	}
	if n := len(m.Clusters()); n != 1 {
		t.Errorf("%d templates, want 1", n)
	}
}

// TestTable: the caches' table keeps every key through growth and
// generations, forgets them all at reset, and holds max keys.
func TestTable(t *testing.T) {
	tb := newTable[int](1000)
	r := rand.New(rand.NewPCG(3, 4))
	for round := range 3 {
		keys := map[uint64]int{}
		for !tb.full() {
			k := r.Uint64() >> (round * 20) // small keys too, and 0
			keys[k] = int(k % 1000)
			tb.put(k, int(k%1000))
		}
		if tb.n != len(keys) || len(keys) != 1000 {
			t.Fatalf("round %d: %d keys in the table, %d put", round, tb.n, len(keys))
		}
		for k, v := range keys {
			if got, ok := tb.get(k); !ok || got != v {
				t.Fatalf("round %d: key %d: %d, %v; want %d", round, k, got, ok, v)
			}
		}
		tb.reset()
		for k := range keys {
			if _, ok := tb.get(k); ok {
				t.Fatalf("round %d: key %d found after reset", round, k)
			}
		}
	}
	if len(tb.slots) > 2048 {
		t.Errorf("%d slots for 1000 keys", len(tb.slots))
	}
}

// TestSameLineSameTemplate: a line whose tokens are mostly values joins
// its own template when it comes again after the caches forgot it, rather
// than start a copy of it (Drain counts only the constant tokens: one of
// three here, below Similarity).
func TestSameLineSameTemplate(t *testing.T) {
	m := New(Config{})
	lines := []string{"uid=0 (x) [1/2]", "10.0.0.1 - - 200 512", "at 07:07:00 took 12ms"}
	first := map[string]*Cluster{}
	for _, l := range lines {
		first[l] = m.AddString(l)
	}
	for i := range 3 * cacheMax { // empties both caches
		m.AddString(fmt.Sprintf("job %s took %d ms", letters(i), i))
	}
	n := len(m.Clusters())
	for _, l := range lines {
		if c := m.AddString(l); c != first[l] {
			t.Errorf("%q: template %q, first %q", l, c, first[l])
		}
	}
	if len(m.Clusters()) != n {
		t.Errorf("%d templates after the lines came again, want %d", len(m.Clusters()), n)
	}
}

// TestShapeHash: the shape hash reads every digit as 0 and tells apart
// messages that differ in any other byte or in length, at every length
// around the eight- and sixteen-byte steps.
func TestShapeHash(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	alphabet := []byte("abz .:=/0123456789\xff")
	for n := range 70 {
		msg := make([]byte, n)
		for i := range msg {
			msg[i] = alphabet[r.IntN(len(alphabet))]
		}
		h := shapeHash(msg)
		if shapeHash(append(bytes.Clone(msg), 'x')) == h || n > 0 && shapeHash(msg[:n-1]) == h {
			t.Fatalf("%q: a byte more or less hashes alike", msg)
		}
		for i, c := range msg {
			m := bytes.Clone(msg)
			isDigit := c >= '0' && c <= '9'
			if isDigit {
				m[i] = '0' + (c-'0'+1)%10
			} else {
				m[i] = c ^ 0x40
			}
			if (shapeHash(m) == h) != isDigit {
				t.Fatalf("%q, byte %d changed to %q: hash alike %v, want %v", msg, i, m[i], shapeHash(m) == h, isDigit)
			}
		}
	}
}

// FuzzMinerCovers: whatever the lines and their order, the template a line
// was given covers the line's masked form to the end of the run (a
// template only widens): token for token, each equal or matched by the
// template token's <*>. The lines are mined twice, so that the second
// round meets every cache and door warm.
func FuzzMinerCovers(f *testing.F) {
	var seed []string
	for _, m := range genMessages(60) {
		seed = append(seed, string(m))
	}
	f.Add(strings.Join(seed, "\n"), uint8(0))
	f.Add("uid=0 (x) [1/2]\nuid=1 (y) [1/2]\nGET /a returned 200 in 1s session=a\nGET /b returned 200 in 2s session=b\nGET /c returned 200 in 3s session=c", uint8(3))
	f.Add("a b c\na b d\na b e\na <*> c\nx=<*> y\n\xff\xfe z", uint8(2))
	f.Fuzz(func(t *testing.T, data string, maxClusters uint8) {
		m := New(Config{MaxClusters: int(maxClusters)})
		type got struct {
			c      *Cluster
			v      Variant
			masked string
		}
		var gs []got
		lines := strings.Split(data, "\n")
		for range 2 {
			for _, l := range lines {
				c, v := m.AddVariant([]byte(l))
				masked, _ := Mask(nil, []byte(l), DefaultMaxTokens)
				gs = append(gs, got{c, v, string(masked)})
			}
		}
		for _, g := range gs {
			if g.c.Seq == 0 {
				continue // Other
			}
			tmpl := g.c.Template(g.v)
			tt, mt := strings.Split(tmpl, " "), strings.Split(g.masked, " ")
			if g.masked == "" {
				mt = nil
			}
			if tmpl == "" {
				tt = nil
			}
			if len(tt) != len(mt) {
				t.Fatalf("template %q has %d tokens, the masked line %q %d", tmpl, len(tt), g.masked, len(mt))
			}
			for i := range tt {
				if !globMatch(tt[i], mt[i]) {
					t.Fatalf("template %q does not cover %q: token %d, %q against %q", tmpl, g.masked, i, tt[i], mt[i])
				}
			}
		}
	})
}

// globMatch reports whether s matches pat, where <*> in pat stands for
// any run of bytes: each piece between wildcards is found leftmost, which
// is enough, as a wildcard takes anything.
func globMatch(pat, s string) bool {
	pieces := strings.Split(pat, Wildcard)
	if len(pieces) == 1 {
		return pat == s
	}
	first, last := pieces[0], pieces[len(pieces)-1]
	if !strings.HasPrefix(s, first) || len(s) < len(first)+len(last) || !strings.HasSuffix(s, last) {
		return false
	}
	s = s[len(first) : len(s)-len(last)]
	for _, p := range pieces[1 : len(pieces)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return true
}

// TestDoors: once the caches hold doorFrom entries, lines of shapes and
// masked forms seen once are answered but not kept, and a line seen a
// second time is kept.
func TestDoors(t *testing.T) {
	m := New(Config{})
	word := func(i int) string { return letters(i) + "x" } // distinct words, no digits
	for i := range doorFrom + 10 {
		m.AddString("job " + word(i) + " done")
	}
	shapes, cached := m.shapes.n, m.cache.n
	if shapes < doorFrom || cached < doorFrom {
		t.Fatalf("%d shapes and %d masked forms kept from %d lines, want all before the doors", shapes, cached, doorFrom+10)
	}
	for i := range 3000 {
		if c := m.AddString("job " + word(100_000+i) + " done"); c == nil || c.Seq == 0 {
			t.Fatalf("line %d: no template", i)
		}
	}
	if m.shapes.n != shapes || m.cache.n != cached {
		t.Errorf("lines seen once kept: %d shapes (was %d), %d masked forms (was %d)", m.shapes.n, shapes, m.cache.n, cached)
	}
	m.AddString("job " + word(200_000) + " done")
	m.AddString("job " + word(200_000) + " done")
	if m.shapes.n != shapes+1 || m.cache.n != cached+1 {
		t.Errorf("a line seen twice: %d shapes, %d masked forms; want %d, %d", m.shapes.n, m.cache.n, shapes+1, cached+1)
	}
}

// TestVariableRules: a name numbered twice, and a word where whole values
// were, make a variable at once; a value inside a token against a word
// does not (TestValueIsNotAWord).
func TestVariableRules(t *testing.T) {
	m := New(Config{})
	tmpl := func(msg string) string {
		c, v := m.AddVariant([]byte(msg))
		return c.Template(v)
	}
	tmpl("NFS Mount failed on bglio716, slept 5 seconds")
	if got := tmpl("NFS Mount failed on bglio91, slept 7 seconds"); got != "NFS Mount failed on <*>, slept <*> seconds" {
		t.Errorf("numbered names: %q", got)
	}
	tmpl("Error loading /bgl/apps/a.rts: invalid or missing program image")
	if got := tmpl("Error loading allreduce.rts: invalid or missing program image"); got != "Error loading <*>: invalid or missing program image" {
		t.Errorf("a word where paths were: %q", got)
	}
	if got := tmpl("cups daemon startup succeeded now"); got != "cups daemon startup succeeded now" {
		t.Errorf("%q", got)
	}
	if got := tmpl("cups daemon shutdown succeeded now"); got != "cups daemon shutdown succeeded now" {
		t.Errorf("two words stay two templates: %q", got)
	}
}

func TestMergeNoDoubleWildcard(t *testing.T) {
	if got := string(merge([]byte("core.<*>"), []byte("<*>"))); got != "<*>" {
		t.Errorf("merge core.<*> <*> = %q", got)
	}
	if got := string(merge([]byte("<*>"), []byte("core.<*>"))); got != "<*>" {
		t.Errorf("merge <*> core.<*> = %q", got)
	}
}

// TestDottedNameRoutes: a dotted name of three or more words at a routing
// position (a class or bundle the statement logs about) routes as a
// variable does, so one statement about several bundles is one template
// once it has named MinValues of them; a plain word there still routes by
// itself ("Failed password" and "Failed none" stay two), and a name of
// two words ("sshd.service") stays a word.
func TestDottedNameRoutes(t *testing.T) {
	m := New(Config{})
	var last string
	for _, b := range []string{"com.apple.CacheDelete.daily:", "com.apple.SafariBookmarksSyncAgent:", "com.apple.AddressBook.ContactsAccountsService:", "com.apple.icloud.fmfd.heartbeat:"} {
		c, v := m.AddVariant([]byte(b + " scheduler_evaluate_activity told me to run this job; however, the start time isn't for 439 seconds. Ignoring."))
		last = c.Template(v)
	}
	if n := len(m.Clusters()); n != 1 {
		t.Errorf("%d templates for one statement about four bundles, want 1", n)
	}
	if want := "<*>: scheduler_evaluate_activity told me to run this job; however, the start time isn't for <*> seconds. Ignoring."; last != want {
		t.Errorf("template %q, want %q", last, want)
	}
	m = New(Config{})
	m.AddString("Failed password for invalid user")
	m.AddString("Failed none for invalid user")
	if n := len(m.Clusters()); n != 2 {
		t.Errorf("%d templates for two words at a routing position, want 2", n)
	}
	for _, c := range []struct {
		tok  string
		want bool
	}{
		{"com.apple.CacheDelete.daily:", true},
		{"org.apache.spark.SparkContext", true},
		{"sshd.service", false},
		{"a..b.c", false},
		{"10.0.0.1", false},
		{"rdd_2.1.x", false},
		{"java.io.IOException,", true},
	} {
		if got := dottedName([]byte(c.tok)); got != c.want {
			t.Errorf("dottedName(%q) = %v, want %v", c.tok, got, c.want)
		}
	}
}

// TestSchemeEnd: schemeEnd finds what bytes.Index finds.
func TestSchemeEnd(t *testing.T) {
	for _, tok := range []string{"", ":", "://", "a://b", "a:b://c", "a:/b", "a:", "x:/", "hdfs://h:9000/p", "a::://", "::"} {
		if got, want := schemeEnd([]byte(tok)), bytes.Index([]byte(tok), []byte("://")); got != want {
			t.Errorf("schemeEnd(%q) = %d, want %d", tok, got, want)
		}
	}
}
