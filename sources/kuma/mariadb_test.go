package kuma

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/internal/demo"
	"github.com/hindsight-sre/hindsight/internal/mariadbtest"
	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/kuma/kumadb"
	"github.com/hindsight-sre/hindsight/sources/sourcetest"
)

// mariaDemo starts MariaDB and loads the demo's Kuma 2 database (as Kuma
// 2 keeps it 15 hours after the demo's end: raw beats, minutely, hourly
// and daily rows) into database kuma, readable by user hindsight (SELECT
// only, password "pw-hindsight"). It returns the server and the SQLite
// file it was copied from.
func mariaDemo(t *testing.T) (*mariadbtest.Server, string) { return mariaDemoB(t) }

func mariaDemoB(t testing.TB) (*mariadbtest.Server, string) {
	t.Helper()
	srv := mariadbtest.Start(t)
	sqlite := filepath.Join(t.TempDir(), "kuma2.db")
	if err := demo.KumaV2(sqlite, demo.End.Add(15*time.Hour)); err != nil {
		t.Fatal(err)
	}
	srv.Exec(t, "CREATE DATABASE kuma CHARACTER SET utf8mb4",
		"CREATE USER 'hindsight'@'127.0.0.1' IDENTIFIED BY 'pw-hindsight'",
		"GRANT SELECT ON kuma.* TO 'hindsight'@'127.0.0.1'")
	db, err := srv.Root("kuma")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := kumadb.CopyToMariaDB(context.Background(), sqlite, db); err != nil {
		t.Fatal(err)
	}
	return srv, sqlite
}

// Kuma 2 on MariaDB reads as the same database in SQLite: the same probes
// (raw beats and stat_* summaries), notes and gaps; the contract holds;
// the reads run in a transaction that refuses writes, even for root; and
// a wrong password, an unknown database and a server down are explained.
func TestMariaDB(t *testing.T) {
	srv, sqlite := mariaDemo(t)
	t.Setenv("KUMA_TEST_PASSWORD", "pw-hindsight")
	host, port := splitAddr(t, srv.Addr)
	maria, err := New(Config{Name: "kuma", Host: host, Port: port, User: "hindsight", PasswordEnv: "KUMA_TEST_PASSWORD"})
	if err != nil {
		t.Fatal(err)
	}
	lite, err := New(Config{Name: "kuma", Path: sqlite})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, w := range []sources.Window{
		{From: demo.Start.AddDate(0, 0, 1), To: demo.End},
		{From: demo.OutageStart.Add(-2 * time.Hour), To: demo.OutageEnd.Add(time.Hour)},
	} {
		want, err := lite.Fetch(ctx, w, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		got, err := maria.Fetch(ctx, w, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if a, b := describe(got), describe(want); a != b {
			t.Errorf("window %s: MariaDB and SQLite differ:\n%s", w, firstDiff(a, b))
		} else if !strings.Contains(b, "span=1h0m0s") && !strings.Contains(b, "span=24h0m0s") {
			t.Errorf("window %s: no summary beats to compare", w)
		}
	}
	sourcetest.Run(t, maria, sources.Window{From: demo.Start.AddDate(0, 0, 1), To: demo.End}, time.Minute)
	out, err := maria.Check(ctx)
	if err != nil || !strings.Contains(out, "Uptime Kuma v2 database, 2 monitors") {
		t.Errorf("check: %q, %v", out, err)
	}

	// Read-only: root may write, the transaction may not.
	root, err := New(Config{Name: "kuma", DSN: "root@unix(" + srv.Socket + ")/kuma"})
	if err != nil {
		t.Fatal(err)
	}
	k, err := root.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, werr := k.tx.ExecContext(ctx, "DELETE FROM heartbeat")
	k.close()
	if werr == nil || !strings.Contains(werr.Error(), "READ ONLY") {
		t.Errorf("a write in the source's transaction: %v, want it refused", werr)
	}

	t.Setenv("KUMA_TEST_PASSWORD", "wrong-Secret-9")
	for name, c := range map[string]Config{
		"wrong password":  {Host: host, Port: port, User: "hindsight", PasswordEnv: "KUMA_TEST_PASSWORD"},
		"password in dsn": {DSN: fmt.Sprintf("hindsight:wrong-Secret-9@tcp(%s)/kuma", srv.Addr)},
	} {
		c.Name = "kuma"
		s, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Check(ctx)
		if err == nil || !strings.Contains(err.Error(), "access denied") || !strings.Contains(err.Error(), "hint:") || strings.Contains(err.Error(), "wrong-Secret-9") {
			t.Errorf("%s: %v", name, err)
		}
	}
	t.Setenv("KUMA_TEST_PASSWORD", "pw-hindsight")
	s, _ := New(Config{Name: "kuma", Host: host, Port: port, User: "hindsight", PasswordEnv: "KUMA_TEST_PASSWORD", Database: "nokuma"})
	if _, err := s.Check(ctx); err == nil || !strings.Contains(err.Error(), "hint:") {
		t.Errorf("unknown database: %v", err)
	}
	s, _ = New(Config{Name: "kuma", Host: "127.0.0.1", Port: 9, User: "hindsight"})
	if _, err := s.Fetch(ctx, sources.Window{From: demo.Start, To: demo.End}, time.Minute); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("server down: %v", err)
	}
}

func splitAddr(t *testing.T, addr string) (string, int) {
	var port int
	i := strings.LastIndex(addr, ":")
	if _, err := fmt.Sscanf(addr[i+1:], "%d", &port); err != nil {
		t.Fatal(err)
	}
	return addr[:i], port
}

// describe prints what a Fetch gave, every beat included.
func describe(ds *sources.Dataset) string {
	var b strings.Builder
	for _, p := range ds.Probes {
		fmt.Fprintf(&b, "probe %s %s %s res=%s interval=%s beats=%d\n", p.Source, p.Name, p.Target, p.Resolution, p.Interval, len(p.Beats))
		for _, x := range p.Beats {
			// Kuma's MariaDB columns are knex's: DATETIME keeps whole
			// seconds (MariaDB truncates the milliseconds Kuma writes),
			// and stat_* ping is FLOAT(8,2), averages to 1/100 ms.
			fmt.Fprintf(&b, "  %s %s %.2fms %q span=%s checks=%d failed=%d\n", x.T.UTC().Truncate(time.Second).Format(time.RFC3339), x.Status,
				float64(x.Latency)/float64(time.Millisecond), x.Msg, x.Span, x.Checks, x.Failed)
		}
	}
	for _, n := range ds.Notes {
		fmt.Fprintf(&b, "note %s\n", n)
	}
	for _, g := range ds.Gaps {
		fmt.Fprintf(&b, "gap %s\n", g)
	}
	return b.String()
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range max(len(al), len(bl)) {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n got  %s\n want %s", i+1, x, y)
		}
	}
	return ""
}

// A host written with its port, as addresses are written everywhere else,
// connects there (it was joined with the default port into
// "[127.0.0.1:3307]:3306", shown garbled in every error); a port in both
// places must agree; a socket path and a bare IPv6 address stay as they
// are.
func TestMariaDBAddress(t *testing.T) {
	for _, c := range []struct {
		host    string
		port    int
		network string
		addr    string
		err     string
	}{
		{host: "127.0.0.1", network: "tcp", addr: "127.0.0.1:3306"},
		{host: "127.0.0.1", port: 3307, network: "tcp", addr: "127.0.0.1:3307"},
		{host: "127.0.0.1:3307", network: "tcp", addr: "127.0.0.1:3307"},
		{host: "db.example:3307", port: 3307, network: "tcp", addr: "db.example:3307"},
		{host: "[::1]:3307", network: "tcp", addr: "[::1]:3307"},
		{host: "::1", network: "tcp", addr: "[::1]:3306"},
		{host: "/run/mysqld/mysqld.sock", network: "unix", addr: "/run/mysqld/mysqld.sock"},
		{host: "127.0.0.1:3307", port: 3306, err: "keep the port in one place"},
		{host: "127.0.0.1:x", err: "not a port number"},
	} {
		cfg := Config{Name: "kuma", Host: c.host, Port: c.port, User: "hindsight"}
		err := cfg.checkMariaDB()
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) || !strings.Contains(err.Error(), "hint:") {
				t.Errorf("host %q port %d: error %v, want one saying %q with a hint", c.host, c.port, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("host %q port %d: %v", c.host, c.port, err)
			continue
		}
		s := &Source{c: cfg}
		mc, err := s.mysqlConfig()
		if err != nil || mc.Net != c.network || mc.Addr != c.addr {
			t.Errorf("host %q port %d: %s %s (%v), want %s %s", c.host, c.port, mc.Net, mc.Addr, err, c.network, c.addr)
		}
	}
}
