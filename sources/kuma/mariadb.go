package kuma

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Kuma 2 can keep its data in MariaDB (its Docker image also runs an
// embedded one). The tables, and so the reads, are the SQLite ones; the
// reads run in one read-only transaction (START TRANSACTION READ ONLY),
// in which the server refuses any write, and see one snapshot of the
// database. DATETIME columns hold UTC, as Kuma writes them.

// mariadb reports whether the source reads a MariaDB server.
func (s *Source) mariadb() bool { return s.c.DSN != "" || s.c.Host != "" }

// checkMariaDB checks the MariaDB settings without connecting.
func (c Config) checkMariaDB() error {
	if c.DSN != "" && (c.Host != "" || c.User != "" || c.Database != "" || c.Port != 0) {
		return fmt.Errorf("kuma source %s: dsn is set together with host, port, user or database; hint: keep one of the two forms", c.Name)
	}
	if c.DSN != "" {
		if _, err := mysql.ParseDSN(c.DSN); err != nil {
			return fmt.Errorf("kuma source %s: dsn: %v; hint: write it as user@tcp(host:3306)/kuma and the password in password_env", c.Name, redactDSN(err.Error(), c.DSN))
		}
		return nil
	}
	if c.User == "" {
		return fmt.Errorf("kuma source %s: user is empty; hint: set user (and password_env) for Kuma's MariaDB; a read-only user with SELECT on the database is enough", c.Name)
	}
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("kuma source %s: port %d is out of range", c.Name, c.Port)
	}
	if _, _, err := c.address(); err != nil {
		return err
	}
	return nil
}

// address is where the driver connects: a socket path as it is, else
// host and port. A host written with its port ("db:3307", "[::1]:3307"),
// as people write an address everywhere else, is taken as such (joined
// with the default port it became "[db:3307]:3306", an address no one
// wrote); a port in both places must agree.
func (c Config) address() (network, addr string, err error) {
	if strings.HasPrefix(c.Host, "/") {
		return "unix", c.Host, nil
	}
	port := strconv.Itoa(c.Port)
	if c.Port == 0 {
		port = "3306"
	}
	if h, p, err := net.SplitHostPort(c.Host); err == nil {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", "", fmt.Errorf("kuma source %s: host %q: port %q is not a port number; hint: write host: db.example and port: 3306", c.Name, c.Host, p)
		}
		if c.Port != 0 && p != port {
			return "", "", fmt.Errorf("kuma source %s: host %q names port %s and port is %d; hint: keep the port in one place", c.Name, c.Host, p, c.Port)
		}
		return "tcp", net.JoinHostPort(h, p), nil
	}
	return "tcp", net.JoinHostPort(c.Host, port), nil
}

// redactDSN cuts a DSN's password out of s.
func redactDSN(s, dsn string) string {
	if cfg, err := mysql.ParseDSN(dsn); err == nil && cfg.Passwd != "" {
		s = strings.ReplaceAll(s, cfg.Passwd, "<secret>")
	} else if at := strings.LastIndex(dsn, "@"); at > 0 {
		if colon := strings.Index(dsn[:at], ":"); colon >= 0 && colon+1 < at {
			s = strings.ReplaceAll(s, dsn[colon+1:at], "<secret>")
		}
	}
	return s
}

// mysqlConfig is the driver's config of the source.
func (s *Source) mysqlConfig() (*mysql.Config, error) {
	var cfg *mysql.Config
	if s.c.DSN != "" {
		var err error
		if cfg, err = mysql.ParseDSN(s.c.DSN); err != nil {
			return nil, fmt.Errorf("kuma source %s: dsn: %v", s.c.Name, redactDSN(err.Error(), s.c.DSN))
		}
	} else {
		cfg = mysql.NewConfig()
		cfg.User = s.c.User
		var err error
		if cfg.Net, cfg.Addr, err = s.c.address(); err != nil {
			return nil, err
		}
		cfg.DBName = s.c.Database
		if cfg.DBName == "" {
			cfg.DBName = "kuma"
		}
	}
	if s.c.PasswordEnv != "" {
		v, ok := os.LookupEnv(s.c.PasswordEnv)
		if !ok || v == "" {
			return nil, fmt.Errorf("kuma source %s: password_env: environment variable %s is empty or unset; hint: export %s=...", s.c.Name, s.c.PasswordEnv, s.c.PasswordEnv)
		}
		cfg.Passwd = v
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	cfg.ParseTime = false // DATETIME as text, parsed as for SQLite
	cfg.Loc = time.UTC
	return cfg, nil
}

// where names the server and database in messages, without the password.
func where(cfg *mysql.Config) string {
	return fmt.Sprintf("MariaDB %s/%s", cfg.Addr, cfg.DBName)
}

// openMariaDB connects and begins the read-only transaction.
func (s *Source) openMariaDB(ctx context.Context) (*kdb, error) {
	cfg, err := s.mysqlConfig()
	if err != nil {
		return nil, err
	}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("kuma source %s: %s: %v", s.c.Name, where(cfg), redactDSN(err.Error(), s.c.DSN))
	}
	db := sql.OpenDB(conn)
	db.SetMaxOpenConns(1)
	k := &kdb{name: s.c.Name, path: where(cfg), sql: db, mariadb: true, secret: cfg.Passwd}
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		db.Close()
		return nil, k.wrap("connect to", err)
	}
	k.tx, k.q = tx, tx
	if err := k.detect(ctx); err != nil {
		k.close()
		return nil, err
	}
	return k, nil
}

// wrapMariaDB explains a MariaDB error in terms of what the user can do.
func (k *kdb) wrapMariaDB(doing string, err error) error {
	msg := err.Error()
	if k.secret != "" {
		msg = strings.ReplaceAll(msg, k.secret, "<secret>")
	}
	var me *mysql.MySQLError
	var ne net.Error
	switch {
	case errors.As(err, &me) && (me.Number == 1045 || me.Number == 1698):
		return fmt.Errorf("kuma source %s: %s %s: access denied (%s); hint: check user and the password in password_env; the user needs SELECT on Kuma's database", k.name, doing, k.path, msg)
	case errors.As(err, &me) && me.Number == 1049:
		return fmt.Errorf("kuma source %s: %s %s: unknown database; hint: set database to the one Kuma uses (KUMA_DB_NAME, kuma by default)", k.name, doing, k.path)
	case errors.As(err, &me) && (me.Number == 1142 || me.Number == 1044):
		return fmt.Errorf("kuma source %s: %s %s: %s; hint: GRANT SELECT ON kuma.* TO the user", k.name, doing, k.path, msg)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("kuma source %s: %s %s: connection refused; hint: is MariaDB running and listening there? check host and port", k.name, doing, k.path)
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Errorf("kuma source %s: %s %s: timed out; hint: check host, port and the firewall", k.name, doing, k.path)
	}
	return fmt.Errorf("kuma source %s: %s %s: %s", k.name, doing, k.path, msg)
}
