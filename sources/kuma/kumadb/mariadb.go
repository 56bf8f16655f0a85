package kumadb

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"strings"
)

//go:embed schema-v2-mariadb.sql
var schemaV2MariaDB string

// SchemaMariaDB is the checked-in CREATE statements of the tables
// hindsight reads, as Kuma 2 creates them on MariaDB.
func SchemaMariaDB() string { return schemaV2MariaDB }

// copied are the tables and columns CopyToMariaDB copies.
var copied = []struct{ table, cols, src string }{
	// SQLite's knex keeps migration_time in epoch milliseconds; MariaDB's
	// column is a TIMESTAMP.
	{"knex_migrations", "id, name, batch, migration_time",
		"id, name, batch, CASE WHEN typeof(migration_time) IN ('integer', 'real') THEN datetime(migration_time / 1000, 'unixepoch') ELSE migration_time END"},
	{"monitor", "id, name, active, `interval`, url, type, hostname, port, maxretries, grpc_url", ""},
	{"heartbeat", "id, important, monitor_id, status, msg, time, ping, duration, down_count, end_time, retries", ""},
	{"stat_minutely", "id, monitor_id, timestamp, ping, up, down, ping_min, ping_max, extras", ""},
	{"stat_hourly", "id, monitor_id, timestamp, ping, up, down, ping_min, ping_max, extras", ""},
	{"stat_daily", "id, monitor_id, timestamp, ping, up, down, ping_min, ping_max, extras", ""},
}

// CopyToMariaDB creates Kuma 2's tables in the (empty) MariaDB database of
// dst and copies into them the rows of the Kuma 2 SQLite database at
// src, as Kuma's own SQLite-to-MariaDB migration would. A test tool: the
// hindsight binary never writes a Kuma database.
func CopyToMariaDB(ctx context.Context, src string, dst *sql.DB) error {
	for _, stmt := range strings.Split(schemaV2MariaDB, ";\n") {
		var lines []string
		for _, l := range strings.Split(stmt, "\n") {
			if !strings.HasPrefix(strings.TrimSpace(l), "--") {
				lines = append(lines, l)
			}
		}
		stmt = strings.TrimSpace(strings.Join(lines, "\n"))
		if stmt == "" {
			continue
		}
		if _, err := dst.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("create: %w\n%s", err, stmt)
		}
	}
	sdb, err := sql.Open("sqlite", "file:"+uriPath(src)+"?mode=ro")
	if err != nil {
		return err
	}
	defer sdb.Close()
	tx, err := dst.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, c := range copied {
		src := c.src
		if src == "" {
			src = c.cols
		}
		if err := copyTable(ctx, sdb, tx, c.table, c.cols, src); err != nil {
			return fmt.Errorf("copy %s: %w", c.table, err)
		}
	}
	return tx.Commit()
}

func copyTable(ctx context.Context, src *sql.DB, dst *sql.Tx, table, cols, srcCols string) error {
	rows, err := src.QueryContext(ctx, "SELECT "+srcCols+" FROM "+table+" ORDER BY id")
	if err != nil {
		return err
	}
	defer rows.Close()
	n := len(strings.Split(cols, ","))
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", n), ",") + ")"
	var batch []any
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		q := "INSERT INTO " + table + " (" + cols + ") VALUES " + strings.TrimSuffix(strings.Repeat(row+",", len(batch)/n), ",")
		_, err := dst.ExecContext(ctx, q, batch...)
		batch = batch[:0]
		return err
	}
	for rows.Next() {
		vals := make([]any, n)
		ptrs := make([]any, n)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		batch = append(batch, vals...)
		if len(batch) >= 500*n {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return flush()
}
