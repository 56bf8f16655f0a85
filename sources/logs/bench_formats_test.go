package logs

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/logs/drain"
)

// The corpora below are generated: a day of lines of each format, spread
// evenly from t0, with the variety of real logs (users, addresses, ids,
// durations), so that the figures in BENCHMARKS.md can be reproduced.

func genJSON(n int) string {
	var b strings.Builder
	levels := []string{"info", "info", "info", "debug", "warn", "error"}
	for i := range n {
		t := t0.Add(time.Duration(i) * (24 * time.Hour / time.Duration(n)))
		fmt.Fprintf(&b, `{"level":"%s","ts":"%s","caller":"orders/handler.go:%d","msg":"order %d processed for user %d in %dms","trace_id":"%016x","items":%d}`+"\n",
			levels[i%len(levels)], t.Format("2006-01-02T15:04:05.000Z07:00"), 40+i%50, i, i%997, i%300, uint64(i)*2654435761, i%9)
	}
	return b.String()
}

func genSyslog(n int) string {
	var b strings.Builder
	msgs := []string{
		"CRON[%[1]d]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)",
		"sshd[%[1]d]: Accepted publickey for deploy from 10.0.%[2]d.%[3]d port %[1]d ssh2: RSA SHA256:Xk%[2]dp",
		"sshd[%[1]d]: Failed password for invalid user admin%[2]d from 203.0.113.%[3]d port %[1]d ssh2",
		"systemd[1]: Started Session %[1]d of User deploy.",
		"kernel: [%[1]d.%[2]d] TCP: request_sock_TCP: Possible SYN flooding on port 443. Sending cookies.",
		"postgres[%[1]d]: LOG:  duration: %[2]d.%[3]d ms  statement: SELECT * FROM orders WHERE id = %[1]d",
	}
	kst := time.FixedZone("KST", 9*3600)
	for i := range n {
		t := t0.Add(time.Duration(i) * (24 * time.Hour / time.Duration(n))).In(kst)
		b.WriteString(t.Format(time.Stamp))
		b.WriteString(" db1 ")
		fmt.Fprintf(&b, msgs[i%len(msgs)], 1000+i%30000, i%256, i%200)
		b.WriteByte('\n')
	}
	return b.String()
}

func genJava(n int) string {
	var b strings.Builder
	for i := range n {
		t := t0.Add(time.Duration(i) * (24 * time.Hour / time.Duration(n)))
		if i%50 == 0 {
			fmt.Fprintf(&b, "%s ERROR 4242 --- [nio-8080-exec-%d] c.e.shop.OrderController               : order %d failed\njava.lang.IllegalStateException: no stock for item %d\n\tat com.example.shop.Stock.take(Stock.java:42)\n\tat com.example.shop.OrderController.place(OrderController.java:88)\n",
				t.Format("2006-01-02T15:04:05.000Z07:00"), i%10, i, i%300)
			continue
		}
		fmt.Fprintf(&b, "%s  INFO 4242 --- [nio-8080-exec-%d] c.e.shop.OrderController               : order %d placed by user %d, %d items\n",
			t.Format("2006-01-02T15:04:05.000Z07:00"), i%10, i, i%997, i%9)
	}
	return b.String()
}

// benchFetch writes data to a file and measures Fetch of a day.
func benchFetch(b *testing.B, data, name string, want func(*sources.Dataset) bool) {
	dir := b.TempDir()
	p := mustWrite(b, dir, name, data)
	s, err := New(Config{Paths: []string{p}, Location: time.UTC})
	if err != nil {
		b.Fatal(err)
	}
	w := sources.Window{From: t0, To: t0.Add(24 * time.Hour)}
	lines := strings.Count(data, "\n")
	b.ReportAllocs()
	for b.Loop() {
		ds, err := s.Fetch(context.Background(), w, time.Minute)
		if err != nil || !want(ds) {
			b.Fatalf("err %v, gaps %v, %d patterns", err, ds.Gaps, len(ds.Patterns))
		}
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(len(data))*float64(b.N)/1e6/sec, "MB/s")
	b.ReportMetric(float64(lines)*float64(b.N)/sec, "lines/s")
}

// BenchmarkFetchFormats: parse, template and bucket per minute a day of
// each format (about 50 MB each), end to end through Fetch.
func BenchmarkFetchFormats(b *testing.B) {
	ok := func(ds *sources.Dataset) bool { return len(ds.Gaps) == 0 && len(ds.Patterns) > 0 }
	b.Run("format=json", func(b *testing.B) { benchFetch(b, genJSON(300_000), "app.json", ok) })
	b.Run("format=syslog", func(b *testing.B) { benchFetch(b, genSyslog(400_000), "syslog", ok) })
	b.Run("format=java", func(b *testing.B) { benchFetch(b, genJava(300_000), "app.log", ok) })
}

// BenchmarkFetchNginxCores reads two access logs (two file sets), which
// Fetch reads on two cores.
func BenchmarkFetchNginxCores(b *testing.B) {
	data := genNginx(300_000)
	dir := b.TempDir()
	for _, site := range []string{"a", "b"} {
		os.MkdirAll(filepath.Join(dir, site), 0o755)
		mustWrite(b, filepath.Join(dir, site), "access.log", data)
	}
	s, err := New(Config{Paths: []string{filepath.Join(dir, "*", "access.log")}})
	if err != nil {
		b.Fatal(err)
	}
	w := sources.Window{From: t0, To: t0.Add(24 * time.Hour)}
	b.ReportAllocs()
	for b.Loop() {
		ds, err := s.Fetch(context.Background(), w, time.Minute)
		if err != nil || len(ds.Series) != 10 {
			b.Fatalf("err %v, %d series", err, len(ds.Series))
		}
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(2*len(data))*float64(b.N)/1e6/sec, "MB/s")
	b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "cores")
}

// BenchmarkMinerMessages: the Drain miner alone over unstructured
// syslog messages (the message part of genSyslog's lines).
func BenchmarkMinerMessages(b *testing.B) {
	data := genSyslog(200_000)
	var msgs [][]byte
	size := 0
	for l := range strings.SplitSeq(strings.TrimSpace(data), "\n") {
		if i := strings.Index(l, ": "); i > 0 {
			msgs = append(msgs, []byte(l[i+2:]))
			size += len(l) - i - 2
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		m := drain.New(drain.Config{})
		for _, msg := range msgs {
			m.Add(msg)
		}
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(len(msgs))*float64(b.N)/sec, "msgs/s")
	b.ReportMetric(float64(size)*float64(b.N)/1e6/sec, "MB/s")
}

// BenchmarkGunzip: decoding alone, through the read-ahead inflater;
// MB/s of decompressed output.
func BenchmarkGunzip(b *testing.B) {
	data := genNginx(300_000)
	dir := b.TempDir()
	p := mustWrite(b, dir, "access.log.1.gz", data)
	buf := make([]byte, 256<<10)
	for b.Loop() {
		in := startInflate(p)
		n := 0
		for {
			k, err := in.Read(buf)
			n += k
			if err != nil {
				break
			}
		}
		if n != len(data) {
			b.Fatalf("%d bytes, want %d", n, len(data))
		}
	}
	b.ReportMetric(float64(len(data))*float64(b.N)/1e6/b.Elapsed().Seconds(), "MB/s")
}

// bigFile writes (once per run) a plain nginx log of about size bytes
// covering 24 hours, streaming, so that the benchmark's own memory stays
// small.
func bigFile(b *testing.B, size int64) string {
	p := filepath.Join(os.TempDir(), fmt.Sprintf("hindsight-bench-%d.log", size))
	if st, err := os.Stat(p); err == nil && st.Size() >= size {
		return p
	}
	f, err := os.Create(p + ".tmp")
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	const lineLen = 183 // about genNginx's
	n := int(size / lineLen)
	kst := time.FixedZone("KST", 9*3600)
	for i := range n {
		t := t0.Add(time.Duration(i) * (24 * time.Hour / time.Duration(n))).In(kst)
		fmt.Fprintf(w, `10.%d.%d.%d - - [%s] "GET /api/items/%d HTTP/1.1" %d %d "https://shop.example/" "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0" 0.%03d`+"\n",
			i%256, i/256%256, i%7, t.Format("02/Jan/2006:15:04:05 -0700"), i%997, 200+i%97/96*302, 500+i%3000, i%1000)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	if err := os.Rename(p+".tmp", p); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkWindow: a 20-minute window in the middle of a 1 GiB plain
// access log (a day): binary search to the window, read it, stop past
// it. HINDSIGHT_BENCH_SIZE (bytes) changes the file size. The file stays
// in the temp directory between runs.
func BenchmarkWindow(b *testing.B) {
	size := int64(1 << 30)
	if v := os.Getenv("HINDSIGHT_BENCH_SIZE"); v != "" {
		fmt.Sscan(v, &size)
	}
	p := bigFile(b, size)
	s, err := New(Config{Paths: []string{p}})
	if err != nil {
		b.Fatal(err)
	}
	w := sources.Window{From: t0.Add(12 * time.Hour), To: t0.Add(12*time.Hour + 20*time.Minute)}
	for b.Loop() {
		ds, err := s.Fetch(context.Background(), w, time.Minute)
		if err != nil || len(ds.Series) != 5 {
			b.Fatalf("err %v, %d series, gaps %v", err, len(ds.Series), ds.Gaps)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/window")
}

// BenchmarkFullFile: the whole big file (HINDSIGHT_BENCH_SIZE, default
// 1 GiB) read, parsed, templated and bucketed per minute; reports the
// process's peak RSS, which must not grow with the file.
func BenchmarkFullFile(b *testing.B) {
	size := int64(1 << 30)
	if v := os.Getenv("HINDSIGHT_BENCH_SIZE"); v != "" {
		fmt.Sscan(v, &size)
	}
	p := bigFile(b, size)
	st, _ := os.Stat(p)
	s, err := New(Config{Paths: []string{p}})
	if err != nil {
		b.Fatal(err)
	}
	w := sources.Window{From: t0, To: t0.Add(24 * time.Hour)}
	for b.Loop() {
		if _, err := s.Fetch(context.Background(), w, time.Minute); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(st.Size())*float64(b.N)/1e6/b.Elapsed().Seconds(), "MB/s")
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	b.ReportMetric(float64(ru.Maxrss)/1024, "maxrss-MiB")
}

// BenchmarkMineFile: Mine (what `hindsight logs patterns` runs) over the
// 1 GiB nginx log of BenchmarkFullFile, the whole file.
func BenchmarkMineFile(b *testing.B) {
	size := int64(1 << 30)
	if v := os.Getenv("HINDSIGHT_BENCH_SIZE"); v != "" {
		fmt.Sscan(v, &size)
	}
	p := bigFile(b, size)
	st, _ := os.Stat(p)
	for b.Loop() {
		if _, err := Mine(context.Background(), []string{p}, MineOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(st.Size())*float64(b.N)/1e6/b.Elapsed().Seconds(), "MB/s")
}
