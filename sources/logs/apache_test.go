package logs

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// TestRealApache runs a real Apache httpd (Debian's apache2-bin, which the
// Zabbix frontend packages of scripts/test.sh pull in) on 127.0.0.1, in
// Seoul time, logging the combined format with %D, sends it requests, and
// reads its access log back.
func TestRealApache(t *testing.T) {
	if os.Getenv("HINDSIGHT_SKIP_INTEGRATION") == "1" {
		t.Skip("HINDSIGHT_SKIP_INTEGRATION=1")
	}
	httpd, err := exec.LookPath("apache2")
	if err != nil {
		if httpd, err = exec.LookPath("/usr/sbin/apache2"); err != nil {
			t.Fatalf("apache2 not found: %v; hint: apt-get install apache2-bin, or run scripts/test.sh", err)
		}
	}
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} { // the worker runs as nobody
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	docs := filepath.Join(dir, "htdocs")
	os.Mkdir(docs, 0o755)
	os.WriteFile(filepath.Join(docs, "index.html"), []byte("hello\n"), 0o644)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	mods := "/usr/lib/apache2/modules"
	conf := fmt.Sprintf(`ServerRoot %[1]s
LoadModule mpm_event_module %[2]s/mod_mpm_event.so
LoadModule authz_core_module %[2]s/mod_authz_core.so
Listen %[3]s
ServerName localhost
User nobody
Group nogroup
PidFile %[1]s/httpd.pid
ErrorLog %[1]s/error.log
DocumentRoot %[4]s
<Directory />
  AllowOverride None
</Directory>
<Directory %[4]s>
  Require all granted
</Directory>
LogFormat "%%h %%l %%u %%t \"%%r\" %%>s %%b \"%%{Referer}i\" \"%%{User-Agent}i\" %%D" combined_d
CustomLog %[1]s/access.log combined_d
`, dir, mods, addr, docs)
	confPath := filepath.Join(dir, "httpd.conf")
	os.WriteFile(confPath, []byte(conf), 0o644)

	start := time.Now()
	cmd := exec.Command(httpd, "-f", confPath, "-X") // -X: one process, in the foreground
	cmd.Env = append(os.Environ(), "TZ=Asia/Seoul")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
		}
	}
	defer stop()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("apache did not listen on %s: %s", addr, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	get := func(path, ua string) {
		req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
		req.Header.Set("User-Agent", ua)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	for range 20 {
		get("/index.html", "hindsight-test")
	}
	get("/index.html", `evil "agent"`)
	for i := range 5 {
		get(fmt.Sprintf("/missing/%d", i), "hindsight-test")
	}
	stop()
	defer func() {
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(dir, "access.log"))
			e, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Logf("access.log:\n%s\nerror.log:\n%.2000s", b, e)
		}
	}()

	w := sources.Window{From: start.Add(-time.Minute), To: time.Now().Add(time.Minute)}
	ds := mustFetch(t, Config{Name: "web", Paths: []string{filepath.Join(dir, "access.log*")}}, w, time.Minute)
	if len(ds.Gaps) > 0 {
		t.Fatalf("gaps: %v", ds.Gaps)
	}
	s := seriesByName(ds)
	total := 0.0
	for _, p := range s["nginx requests"].Points {
		total += p.V * 60
	}
	if total < 25.99 || total > 26.01 {
		t.Errorf("requests counted = %v, want 26", total)
	}
	if len(s["nginx request time p95"].Points) == 0 {
		t.Error("no request times read from %D")
	}
	pats := patternByTemplate(ds)
	if p := pats["GET /index.html 2xx"]; p.Total() != 21 {
		t.Errorf("index pattern total = %d, want 21 (have %v)", p.Total(), keys(pats))
	}
	if p := pats["GET /missing/<*> 4xx"]; p.Total() != 5 || p.Level != "warn" {
		t.Errorf("missing pattern = %+v", p)
	}
}
