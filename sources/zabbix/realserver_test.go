package zabbix

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The real-server tests run against a Zabbix 6.0 from Debian's packages,
// started by testdata/zabbix-up.sh on 127.0.0.1 the first time a test needs
// it and stopped by TestMain (zabbix-down.sh: by PID and process group;
// PostgreSQL only if it was started here).

const (
	seedFrom  = 1763564400 // 2025-11-19T15:00:00Z
	seedTo    = 1763823600 // 2025-11-22T15:00:00Z, excluded
	downFrom  = 1763701380 // 2025-11-21T05:03:00Z
	downTill  = 1763701800 // first sample after the outage
	adminUser = "Admin"
	adminPass = "zabbix"
)

// realZabbix is the running test server.
type realZabbix struct {
	run, db      string
	webPort      int
	serverPort   int
	url          string
	token        string // valid API token of Admin
	expiredToken string
	ids          map[string]string // "host" or "host:key" -> id
	benchOnce    sync.Once
	benchErr     error
	phases       []string // bring-up phases and their durations, for the log
}

func (z *realZabbix) phase(name string, since time.Time) {
	z.phases = append(z.phases, fmt.Sprintf("%s %.1fs", name, time.Since(since).Seconds()))
}

var (
	zbxOnce sync.Once
	zbx     *realZabbix
	zbxErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if zbx != nil {
		zbx.down()
	}
	os.Exit(code)
}

// needZabbix returns the running server, starting it on first use. It
// skips only when HINDSIGHT_SKIP_INTEGRATION=1 says so; a missing package
// is a failure.
func needZabbix(tb testing.TB) *realZabbix {
	tb.Helper()
	if os.Getenv("HINDSIGHT_SKIP_INTEGRATION") == "1" {
		tb.Skip("HINDSIGHT_SKIP_INTEGRATION=1: skipping the test against a real Zabbix 6.0")
	}
	zbxOnce.Do(func() {
		start := time.Now()
		zbx, zbxErr = startZabbix()
		if zbxErr == nil {
			fmt.Fprintf(os.Stderr, "zabbix: real Zabbix 6.0 up and seeded in %.1fs (%s) at %s\n",
				time.Since(start).Seconds(), strings.Join(zbx.phases, ", "), zbx.url)
		}
	})
	if zbxErr != nil {
		tb.Fatalf("real Zabbix: %v", zbxErr)
	}
	return zbx
}

func startZabbix() (*realZabbix, error) {
	var missing []string
	for _, bin := range []string{"php", "zabbix_server", "psql", "pg_lsclusters", "pg_ctlcluster", "su", "zcat", "awk"} {
		if _, err := exec.LookPath(bin); err != nil {
			missing = append(missing, bin)
		}
	}
	for _, f := range []string{"/usr/share/zabbix-server-pgsql/schema.sql.gz", "/usr/share/zabbix/api_jsonrpc.php"} {
		if _, err := os.Stat(f); err != nil {
			missing = append(missing, f)
		}
	}
	if mods, err := exec.Command("php", "-m").Output(); err == nil && !strings.Contains(string(mods), "pgsql") {
		missing = append(missing, "php-pgsql")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("missing %s\nhint: run scripts/test.sh (it installs postgresql zabbix-server-pgsql zabbix-frontend-php php-pgsql php-cli php-ldap), or set HINDSIGHT_SKIP_INTEGRATION=1 to skip on purpose", strings.Join(missing, ", "))
	}
	if os.Geteuid() != 0 {
		return nil, errors.New("the Zabbix test server needs root (su postgres, /etc/zabbix, zabbix_server's user switch)\nhint: run scripts/test.sh as root")
	}
	run, err := os.MkdirTemp("", "hindsight-zabbix-")
	if err != nil {
		return nil, err
	}
	z := &realZabbix{run: run, db: fmt.Sprintf("hindsight_zbx_%d", os.Getpid()), ids: map[string]string{}}
	z.webPort, err = freePort()
	if err != nil {
		return nil, err
	}
	z.serverPort, err = freeLowPort()
	if err != nil {
		return nil, err
	}
	z.url = fmt.Sprintf("http://127.0.0.1:%d/api_jsonrpc.php", z.webPort)
	t0 := time.Now()
	if err := z.script("zabbix-up.sh", "frontend"); err != nil {
		z.down()
		return nil, err
	}
	z.phase("postgresql+schema+php", t0)
	if err := z.seed(); err != nil {
		z.down()
		return nil, err
	}
	return z, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// freeLowPort finds a free port in 20000..32767: zabbix_server refuses a
// ListenPort above 32767, where the kernel's ephemeral ports start.
func freeLowPort() (int, error) {
	for range 100 {
		port := 20000 + rand.IntN(12000)
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			l.Close()
			return port, nil
		}
	}
	return 0, errors.New("no free port in 20000..32767")
}

func (z *realZabbix) env() []string {
	return append(os.Environ(),
		"RUN="+z.run,
		"ZBX_DB_NAME="+z.db,
		fmt.Sprintf("ZBX_WEB_PORT=%d", z.webPort),
		fmt.Sprintf("ZBX_SERVER_PORT=%d", z.serverPort),
	)
}

func (z *realZabbix) script(name string, args ...string) error {
	cmd := exec.Command("bash", append([]string{filepath.Join("testdata", name)}, args...)...)
	cmd.Env = z.env()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

func (z *realZabbix) down() {
	if err := z.script("zabbix-down.sh"); err != nil {
		fmt.Fprintln(os.Stderr, "zabbix:", err)
	}
	os.RemoveAll(z.run)
}

// psql runs SQL as the zabbix role against the test database.
func (z *realZabbix) psql(sql string) (string, error) {
	port, err := os.ReadFile(filepath.Join(z.run, "pg.port"))
	if err != nil {
		return "", err
	}
	cmd := exec.Command("psql", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
		"-p", strings.TrimSpace(string(port)), "-U", "zabbix", z.db)
	cmd.Env = append(os.Environ(), "PGPASSWORD=zabbix", "PGOPTIONS=-c synchronous_commit=off")
	cmd.Stdin = strings.NewReader(sql)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("psql: %v\n%s", err, out)
	}
	return strings.TrimSpace(string(out)), nil
}

// admin opens an Admin session with the package's own client.
func (z *realZabbix) admin(ctx context.Context) (*client, error) {
	c := &client{url: z.url, http: httpClient, timeout: 30 * time.Second}
	if _, err := c.apiVersion(ctx); err != nil {
		return nil, err
	}
	return c, c.login(ctx, adminUser, adminPass)
}

type idResult map[string][]string

func (z *realZabbix) create(ctx context.Context, c *client, method string, params any, name string) (string, error) {
	var r idResult
	if err := c.call(ctx, method, params, &r, true); err != nil {
		return "", fmt.Errorf("%s %s: %w", method, name, err)
	}
	for _, ids := range r {
		if len(ids) > 0 {
			z.ids[name] = ids[0]
			return ids[0], nil
		}
	}
	return "", fmt.Errorf("%s %s: no id in answer", method, name)
}

// seed builds the fixture: hosts, items, triggers, a web scenario, a
// maintenance and tokens through the API; history, trends and events by SQL
// (testdata/seed.sql); and a disk item's history through the real
// zabbix_server trapper, whose trigger the server evaluates itself.
func (z *realZabbix) seed() error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	t0 := time.Now()
	c, err := z.admin(ctx)
	if err != nil {
		return err
	}
	defer c.logout(ctx)
	// The default "Zabbix server" host would poll an agent on 127.0.0.1:10050.
	if err := c.call(ctx, "host.update", map[string]any{"hostid": "10084", "status": 1}, nil, true); err != nil {
		return err
	}
	type item struct {
		host, key, name, units, history, trends string
		valueType                               int
	}
	hosts := []struct {
		name string
		tags []map[string]string
	}{
		{"shop-web", []map[string]string{{"tag": "env", "value": "prod"}}},
		{"db1", []map[string]string{{"tag": "env", "value": "prod"}, {"tag": "role", "value": "db"}}},
		{"empty-host", nil},
	}
	for _, h := range hosts {
		p := map[string]any{"host": h.name, "groups": []map[string]string{{"groupid": "2"}}} // Linux servers
		if h.tags != nil {
			p["tags"] = h.tags
		}
		if _, err := z.create(ctx, c, "host.create", p, h.name); err != nil {
			return err
		}
	}
	items := []item{
		{"shop-web", "icmppingsec", "ICMP response time", "s", "3650d", "3650d", 0},
		{"shop-web", "system.cpu.util[,user]", "CPU user time", "%", "3650d", "3650d", 0},
		{"shop-web", "system.cpu.load[all,avg1]", "Load average (1m avg)", "", "1h", "3650d", 0},
		{"shop-web", "app.error.count", "Application errors", "", "3650d", "3650d", 3},
		{"shop-web", "app.log", "Application log", "", "3650d", "0", 4},
		{"db1", "vfs.dev.write.rate[sda]", "sda write rate", "ops", "3650d", "3650d", 0},
		{"empty-host", "icmppingsec", "ICMP response time", "s", "3650d", "3650d", 0},
	}
	for _, it := range items {
		if _, err := z.create(ctx, c, "item.create", map[string]any{
			"hostid": z.ids[it.host], "key_": it.key, "name": it.name, "type": 2, // trapper
			"value_type": it.valueType, "units": it.units, "history": it.history, "trends": it.trends,
		}, it.host+":"+it.key); err != nil {
			return err
		}
	}
	if _, err := z.create(ctx, c, "httptest.create", map[string]any{
		"name": "Shop home", "hostid": z.ids["shop-web"], "delay": "1m",
		"steps": []map[string]any{{"name": "home", "url": "https://shop.example/", "status_codes": "200", "no": 1}},
	}, "Shop home"); err != nil {
		return err
	}
	for _, tr := range []map[string]any{
		{"description": "Shop is down", "expression": "last(/shop-web/icmppingsec)>5", "priority": 4},
		{"description": "Disk write high on db1", "expression": "last(/db1/vfs.dev.write.rate[sda])>100", "priority": 3},
	} {
		if _, err := z.create(ctx, c, "trigger.create", tr, tr["description"].(string)); err != nil {
			return err
		}
	}
	// 2025-11-20 20:00-21:00Z, one time.
	if _, err := z.create(ctx, c, "maintenance.create", map[string]any{
		"name": "shop db upgrade", "description": "planned", "active_since": seedFrom, "active_till": seedTo,
		"hosts":       []map[string]string{{"hostid": z.ids["shop-web"]}},
		"timeperiods": []map[string]any{{"timeperiod_type": 0, "start_date": 1763668800, "period": 3600}},
	}, "maintenance"); err != nil {
		return err
	}
	for _, tk := range []struct {
		name    string
		expires int64
		dst     *string
	}{{"hindsight-ci", 0, &z.token}, {"hindsight-expired", 1700000000, &z.expiredToken}} {
		id, err := z.create(ctx, c, "token.create", map[string]any{"name": tk.name, "userid": "1", "expires_at": tk.expires}, tk.name)
		if err != nil {
			return err
		}
		var gen []struct {
			Token string `json:"token"`
		}
		if err := c.call(ctx, "token.generate", []string{id}, &gen, true); err != nil || len(gen) == 0 {
			return fmt.Errorf("token.generate: %v", err)
		}
		*tk.dst = gen[0].Token
	}

	z.phase("api objects", t0)
	t0 = time.Now()
	sql, err := os.ReadFile(filepath.Join("testdata", "seed.sql"))
	if err != nil {
		return err
	}
	if _, err := z.psql(string(sql)); err != nil {
		return fmt.Errorf("seed.sql: %w", err)
	}

	z.phase("seed.sql", t0)
	// Way B: the real server, trapper protocol, historical clocks.
	t0 = time.Now()
	if err := z.script("zabbix-up.sh", "server"); err != nil {
		return err
	}
	var vals []senderValue
	for ts := int64(seedFrom); ts < seedTo; ts += 60 {
		vals = append(vals, senderValue{Host: "db1", Key: "vfs.dev.write.rate[sda]", Value: fmt.Sprint(diskWrite(ts)), Clock: ts})
	}
	addr := fmt.Sprintf("127.0.0.1:%d", z.serverPort)
	for i := 0; i < len(vals); i += 1000 {
		info, err := send(ctx, addr, vals[i:min(i+1000, len(vals))])
		if err != nil {
			return err
		}
		if !strings.Contains(info, "failed: 0") {
			return fmt.Errorf("zabbix_server refused values: %s", info)
		}
	}
	// The history syncer writes within a second or two; the trigger's
	// problems follow. On a machine busy with other work (CI runners share
	// cores) the syncer has been seen 20 s behind, so the wait is long; it
	// ends as soon as the rows are there.
	z.phase("zabbix_server start", t0)
	t0 = time.Now()
	const syncWait = 120 * time.Second
	deadline := time.Now().Add(syncWait)
	for {
		n, err := z.psql(fmt.Sprintf(`SELECT (SELECT count(*) FROM history WHERE itemid = %s) || ' ' ||
			(SELECT count(*) FROM events e JOIN triggers t ON t.triggerid = e.objectid WHERE e.source = 0 AND e.value = 0 AND t.description = 'Disk write high on db1')`,
			z.ids["db1:vfs.dev.write.rate[sda]"]))
		if err != nil {
			return err
		}
		if n == fmt.Sprintf("%d 3", len(vals)) {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("zabbix_server: history rows and recoveries %q after %s, want %d 3", n, syncWait, len(vals))
		}
		time.Sleep(200 * time.Millisecond)
	}
	z.phase("sender+history sync+problems", t0)
	return nil
}

// seedNoise is seed.sql's n for a timestamp.
func seedNoise(ts int64) float64 { return float64((ts*2654435761)%1000) / 1000 }

func isSpike(ts int64) bool { m := (ts % 86400) / 60; return m >= 1080 && m <= 1099 }

// seedLatency is icmppingsec on shop-web at ts, as seed.sql writes it.
func seedLatency(ts int64) float64 {
	switch {
	case ts >= downFrom && ts < downTill:
		return 10
	case isSpike(ts):
		return round4(2.4 + 0.5*seedNoise(ts))
	}
	return round4(0.12 + 0.03*seedNoise(ts))
}

func round4(v float64) float64 { return float64(int64(v*10000+0.5)) / 10000 }

// diskWrite is what the test sends for db1's vfs.dev.write.rate[sda].
func diskWrite(ts int64) int64 {
	if isSpike(ts) {
		return 150 + ts%50
	}
	return 10 + ts%5
}

// senderValue is one value of the Zabbix sender protocol.
type senderValue struct {
	Host  string `json:"host"`
	Key   string `json:"key"`
	Value string `json:"value"`
	Clock int64  `json:"clock"`
	NS    int64  `json:"ns"`
}

// send speaks the sender protocol to a zabbix_server trapper: "ZBXD" 0x01,
// uint32 LE payload length, uint32 0, JSON. No top-level clock: with one,
// the server shifts the values' clocks by the skew it computes.
func send(ctx context.Context, addr string, vals []senderValue) (string, error) {
	payload, err := json.Marshal(map[string]any{"request": "sender data", "data": vals})
	if err != nil {
		return "", err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", fmt.Errorf("zabbix sender: %w", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	var hdr bytes.Buffer
	hdr.WriteString("ZBXD\x01")
	binary.Write(&hdr, binary.LittleEndian, uint32(len(payload)))
	binary.Write(&hdr, binary.LittleEndian, uint32(0))
	if _, err := conn.Write(append(hdr.Bytes(), payload...)); err != nil {
		return "", fmt.Errorf("zabbix sender: %w", err)
	}
	head := make([]byte, 13)
	if _, err := io.ReadFull(conn, head); err != nil {
		return "", fmt.Errorf("zabbix sender: read reply: %w", err)
	}
	if string(head[:5]) != "ZBXD\x01" {
		return "", fmt.Errorf("zabbix sender: reply header %q", head[:5])
	}
	n := binary.LittleEndian.Uint32(head[5:9])
	body := make([]byte, n)
	if _, err := io.ReadFull(conn, body); err != nil {
		return "", fmt.Errorf("zabbix sender: read reply: %w", err)
	}
	var r struct {
		Response string `json:"response"`
		Info     string `json:"info"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return "", fmt.Errorf("zabbix sender: reply %q: %w", body, err)
	}
	if r.Response != "success" {
		return "", fmt.Errorf("zabbix sender: %s: %s", r.Response, r.Info)
	}
	return r.Info, nil
}
