// Package mariadbtest starts a real MariaDB for tests: Debian's
// mariadb-server (installed by scripts/test.sh), with its own data
// directory in a temporary directory made by mysql_install_db, listening
// on 127.0.0.1 and on a socket there, stopped by PID when the test ends.
package mariadbtest

import (
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Server is a running MariaDB.
type Server struct {
	Addr   string // 127.0.0.1:port
	Socket string
	dir    string
}

// Start makes a data directory, starts the server and waits for it. It
// skips only when HINDSIGHT_SKIP_INTEGRATION=1 is set.
func Start(tb testing.TB) *Server {
	tb.Helper()
	if os.Getenv("HINDSIGHT_SKIP_INTEGRATION") == "1" {
		tb.Skip("HINDSIGHT_SKIP_INTEGRATION=1 is set: not starting the real MariaDB")
	}
	install, err1 := exec.LookPath("mysql_install_db")
	server, err2 := exec.LookPath("mariadbd")
	if err2 != nil {
		server, err2 = exec.LookPath("/usr/sbin/mariadbd")
	}
	if err1 != nil || err2 != nil {
		tb.Fatalf("MariaDB not found (mysql_install_db: %v, mariadbd: %v)\nhint: run scripts/test.sh (it installs Debian's mariadb-server)", err1, err2)
	}
	dir, err := os.MkdirTemp("", "hindsight-mariadb-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	u, err := user.Current()
	if err != nil {
		tb.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	out, err := exec.Command(install, "--no-defaults", "--datadir="+data, "--user="+u.Username,
		"--auth-root-authentication-method=normal", "--skip-test-db").CombinedOutput()
	if err != nil {
		tb.Fatalf("mysql_install_db: %v\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		tb.Fatal(err)
	}
	s := &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port), Socket: filepath.Join(dir, "mysqld.sock"), dir: dir}
	log, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		tb.Fatal(err)
	}
	cmd := exec.Command(server, "--no-defaults", "--datadir="+data, "--socket="+s.Socket,
		fmt.Sprintf("--port=%d", port), "--bind-address=127.0.0.1", "--user="+u.Username,
		"--skip-log-bin", "--innodb-buffer-pool-size=32M", "--pid-file="+filepath.Join(dir, "mysqld.pid"))
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()
		log.Close()
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		db, err := s.Root("")
		if err == nil {
			err = db.Ping()
			db.Close()
			if err == nil {
				return s
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(log.Name())
			tb.Fatalf("MariaDB did not answer in 60 s: %v\n%s", err, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Root connects as root over the socket, to database (may be "").
func (s *Server) Root(database string) (*sql.DB, error) {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr, cfg.DBName = "root", "unix", s.Socket, database
	c, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(c), nil
}

// Exec runs statements as root.
func (s *Server) Exec(tb testing.TB, stmts ...string) {
	tb.Helper()
	db, err := s.Root("")
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			tb.Fatalf("%s: %v", q, err)
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
