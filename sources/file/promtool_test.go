package file

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"

	"github.com/hindsight-sre/hindsight/sources"
)

// TestAgreesWithPromtool backfills OpenMetrics files with the real promtool
// (`tsdb create-blocks-from openmetrics`, what users run on the same files),
// dumps the blocks, and checks that this parser read exactly the same
// series, timestamps and values. promtool comes with Debian's prometheus
// package, which scripts/test.sh installs.
func TestAgreesWithPromtool(t *testing.T) {
	if os.Getenv("HINDSIGHT_SKIP_INTEGRATION") == "1" {
		t.Skip("HINDSIGHT_SKIP_INTEGRATION=1")
	}
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatalf("promtool not found: %v; hint: apt-get install prometheus, or run scripts/test.sh", err)
	}
	var om strings.Builder
	om.WriteString("# HELP http_requests Requests \"served\".\n# TYPE http_requests counter\n")
	om.WriteString("# TYPE load gauge\n# UNIT load_seconds seconds\n")
	om.WriteString("# TYPE rpc_seconds histogram\n")
	for i := range 50 {
		ts := 1763564400 + i*60
		fmt.Fprintf(&om, "http_requests_total{code=\"200\",path=\"/a\\\"b\\\\c\\nd\"} %d %d.5\n", i*7, ts)
		fmt.Fprintf(&om, "http_requests_total{path=\"/x\",code=\"500\"} %d %d.25 # {trace_id=\"abc\"} 1 %d\n", i, ts, ts)
		fmt.Fprintf(&om, "load{host=\"db1\",zone=\"서울\"} %g %d\n", 1.5e-3*float64(i)-0.01, ts)
		fmt.Fprintf(&om, "rpc_seconds_bucket{le=\"0.1\"} %d %d\n", i, ts)
		fmt.Fprintf(&om, "rpc_seconds_bucket{le=\"+Inf\"} %d %d\n", 2*i, ts)
		fmt.Fprintf(&om, "rpc_seconds_sum %g %d\n", 0.37*float64(i), ts)
		fmt.Fprintf(&om, "rpc_seconds_count %d %d\n", 2*i, ts)
		fmt.Fprintf(&om, "{\"quoted\",job=\"a\"} %d %d\n", i%3, ts)
	}
	om.WriteString("# EOF\n")
	files := map[string][]byte{"crafted": []byte(om.String())}
	if b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "fixtures", "prometheus", "synthetic-3d.om.gz")); err == nil {
		files["shared-fixture"] = b
	}
	for name, data := range files {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			// Ours reads the file as it is.
			col := newCollector(wide)
			in := mustWrite(t, dir, "in.om.gz", data)
			if !bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
				in = mustWrite(t, dir, "in.om", data)
			}
			s, err := New(Config{Path: in})
			if err != nil {
				t.Fatal(err)
			}
			_, br, closeFn, err := s.open()
			if err != nil {
				t.Fatal(err)
			}
			defer closeFn()
			if err := parseOpenMetrics(context.Background(), br, "in.om", col); err != nil {
				t.Fatal(err)
			}
			// promtool 2.42 reads plain files only, and predates quoted
			// metric names: give it the classic spelling of the same series.
			plain := mustGunzip(t, data)
			plain = bytes.ReplaceAll(plain, []byte(`{"quoted",job="a"}`), []byte(`quoted{job="a"}`))
			src := mustWrite(t, dir, "plain.om", plain)
			blocks := filepath.Join(dir, "blocks")
			if out, err := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", src, blocks).CombinedOutput(); err != nil {
				t.Fatalf("promtool create-blocks-from: %v: %s", err, out)
			}
			if err := os.MkdirAll(filepath.Join(blocks, "wal"), 0o755); err != nil { // dump wants one
				t.Fatal(err)
			}
			dump, err := exec.Command(promtool, "tsdb", "dump", blocks).Output()
			if err != nil {
				t.Fatalf("promtool tsdb dump: %v", err)
			}
			want := parseDump(t, dump)

			got := map[string][]string{}
			for _, r := range col.raws() {
				k := (&sources.Series{Name: r.Name, Labels: r.Labels}).Key()
				for _, p := range r.Points {
					got[k] = append(got[k], fmt.Sprintf("%g@%d", p.V, p.T.UnixMilli()))
				}
			}
			if len(got) != len(want) {
				t.Errorf("%d series, promtool has %d", len(got), len(want))
			}
			n := 0
			for k, w := range want {
				if g := got[k]; strings.Join(g, " ") != strings.Join(w, " ") {
					t.Errorf("%s:\n got %.200v\nwant %.200v", k, g, w)
				}
				n += len(w)
			}
			t.Logf("%d series, %d samples agree with promtool", len(want), n)
		})
	}
}

func mustGunzip(tb testing.TB, data []byte) []byte {
	tb.Helper()
	if !bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		return data
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		tb.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// parseDump reads `promtool tsdb dump` lines: {__name__="x", k="v"} value ms.
func parseDump(t *testing.T, dump []byte) map[string][]string {
	out := map[string][]string{}
	for line := range strings.SplitSeq(strings.TrimSpace(string(dump)), "\n") {
		end, msg := seriesEnd([]byte(line))
		if msg != "" {
			t.Fatalf("dump line %q: %s", line, msg)
		}
		name, labels, msg := parseSeries([]byte(line[:end]))
		if msg != "" {
			t.Fatalf("dump line %q: %s", line, msg)
		}
		f := strings.Fields(line[end:])
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil || len(f) != 2 {
			t.Fatalf("dump line %q", line)
		}
		k := (&sources.Series{Name: name, Labels: labels}).Key()
		out[k] = append(out[k], fmt.Sprintf("%g@%s", v, f[1]))
	}
	return out
}
