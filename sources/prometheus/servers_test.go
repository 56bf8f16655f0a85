package prometheus

// The real servers the integration tests run against: a Prometheus with the
// fixture backfilled by promtool, and a VictoriaMetrics with it imported,
// both on 127.0.0.1, started in TestMain and stopped by PID.

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources/prometheus/internal/fixture"
)

const installHint = "hint: run scripts/test.sh (installs prometheus, victoria-metrics)"

// backend is one running server with the fixture loaded.
type backend struct {
	name string // "prometheus", "victoriametrics"
	url  string
}

var (
	backends       []backend
	integrationErr error  // why the servers could not be started
	skipReason     string // set when told to skip
	fixturePath    string // the fixture as OpenMetrics text
	running        []*proc
	benchLoaded    bool
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "hindsight-prom-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	fixturePath = filepath.Join(dir, "fixture.om")
	if err := writeFile(fixturePath, fixture.Write); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if os.Getenv("HINDSIGHT_SKIP_INTEGRATION") == "1" {
		skipReason = "HINDSIGHT_SKIP_INTEGRATION=1 is set: not starting the real Prometheus and VictoriaMetrics"
		return m.Run()
	}
	// A server started here dies with this thread (Pdeathsig), so a test
	// binary killed by -timeout or a panic leaves nothing behind.
	runtime.LockOSThread()
	defer stopAll()
	bench := false
	if f := flag.Lookup("test.bench"); f != nil && f.Value.String() != "" {
		bench = true
	}
	integrationErr = startBackends(dir, bench)
	return m.Run()
}

// mustBackends returns the running servers, or skips when told to and fails
// when they could not be started.
func mustBackends(tb testing.TB) []backend {
	tb.Helper()
	if skipReason != "" {
		tb.Skip(skipReason)
	}
	if integrationErr != nil {
		tb.Fatalf("real servers: %v", integrationErr)
	}
	return backends
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func startBackends(dir string, bench bool) error {
	for _, bin := range []string{"prometheus", "promtool", "victoria-metrics"} {
		if _, err := exec.LookPath(bin); err != nil {
			return fmt.Errorf("%s not found in PATH; %s", bin, installHint)
		}
	}
	promURL, _, err := startPrometheus(dir, "prom", "100y", []string{fixturePath}, bench)
	if err != nil {
		return err
	}
	vmURL, _, err := startVM(dir, "vm", "100y", fixturePath)
	if err != nil {
		return err
	}
	backends = []backend{{"prometheus", promURL}, {"victoriametrics", vmURL}}
	return nil
}

// startPrometheus backfills the OpenMetrics files into a fresh data dir and
// starts Prometheus on it, with no scrape jobs (nothing lands in the head,
// so retention never deletes the old blocks).
func startPrometheus(dir, name, retention string, files []string, bench bool) (string, *proc, error) {
	data := filepath.Join(dir, name+"-data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return "", nil, err
	}
	if bench {
		p := filepath.Join(dir, "bench.om")
		if err := writeFile(p, fixture.WriteBench); err != nil {
			return "", nil, err
		}
		files = append(files, p)
		benchLoaded = true
	}
	for _, f := range files {
		out, err := exec.Command("promtool", "tsdb", "create-blocks-from", "openmetrics", f, data).CombinedOutput()
		if err != nil {
			return "", nil, fmt.Errorf("promtool backfill %s: %v: %s", filepath.Base(f), err, tail(out))
		}
	}
	cfg := filepath.Join(dir, name+".yml")
	if err := os.WriteFile(cfg, []byte("global:\n  scrape_interval: 1m\n"), 0o644); err != nil {
		return "", nil, err
	}
	var lastErr error
	for range 3 { // the free port may be taken between finding and binding it
		addr, err := freeAddr()
		if err != nil {
			return "", nil, err
		}
		url := "http://" + addr
		log := filepath.Join(dir, name+".log")
		p, err := start(log, "prometheus", "--config.file="+cfg, "--storage.tsdb.path="+data,
			"--storage.tsdb.retention.time="+retention, "--web.listen-address="+addr)
		if err != nil {
			return "", nil, err
		}
		if err = waitReady(p, url+"/-/ready", log); err == nil {
			return url, p, nil
		}
		lastErr = err
	}
	return "", nil, fmt.Errorf("start prometheus: %w", lastErr)
}

// startVM starts VictoriaMetrics and imports the OpenMetrics file ("" for
// none) through /api/v1/import/prometheus.
func startVM(dir, name, retention, file string) (string, *proc, error) {
	var lastErr error
	for range 3 {
		addr, err := freeAddr()
		if err != nil {
			return "", nil, err
		}
		url := "http://" + addr
		log := filepath.Join(dir, name+".log")
		p, err := start(log, "victoria-metrics", "-storageDataPath="+filepath.Join(dir, name+"-data"),
			"-httpListenAddr="+addr, "-retentionPeriod="+retention, "-search.disableCache")
		if err != nil {
			return "", nil, err
		}
		if err = waitReady(p, url+"/health", log); err != nil {
			lastErr = err
			continue
		}
		if file == "" {
			return url, p, nil
		}
		body, err := os.ReadFile(file)
		if err != nil {
			return "", nil, err
		}
		resp, err := http.Post(url+"/api/v1/import/prometheus", "text/plain", bytes.NewReader(body))
		if err != nil {
			return "", nil, fmt.Errorf("victoria-metrics import: %w", err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return "", nil, fmt.Errorf("victoria-metrics import: HTTP %d", resp.StatusCode)
		}
		resp, err = http.Get(url + "/internal/force_flush")
		if err != nil {
			return "", nil, fmt.Errorf("victoria-metrics flush: %w", err)
		}
		resp.Body.Close()
		return url, p, nil
	}
	return "", nil, fmt.Errorf("start victoria-metrics: %w", lastErr)
}

// proc is a server started by the tests.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when it exits
}

// start runs a server in the background, its output to log, and records
// it for stopAll.
func start(log, bin string, args ...string) (*proc, error) {
	f, err := os.Create(log)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w; %s", bin, err, installHint)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(p.done) }()
	running = append(running, p)
	return p, nil
}

// stop stops the server by its PID: SIGTERM, then SIGKILL after 5 s. A
// second call returns at once.
func (p *proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// stopAll stops every server started.
func stopAll() {
	for _, p := range running {
		p.stop()
	}
	running = nil
}

// waitReady polls url until it answers 200, the server exits or 30 s pass.
func waitReady(p *proc, url, log string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			out, _ := os.ReadFile(log)
			return errors.New("exited: " + tail(out))
		default:
		}
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.stop()
	out, _ := os.ReadFile(log)
	return errors.New("not ready after 30s: " + tail(out))
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func tail(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 800 {
		s = "..." + s[len(s)-800:]
	}
	return s
}
