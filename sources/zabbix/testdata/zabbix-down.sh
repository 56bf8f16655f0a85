#!/usr/bin/env bash
# Stops what zabbix-up.sh started under $RUN, by PID and process group only,
# drops the test database and stops PostgreSQL only if zabbix-up.sh started it.
set -uo pipefail
: "${RUN:?RUN must name the directory zabbix-up.sh used}"
DB=${ZBX_DB_NAME:-}

gone() { ! kill -0 "$1" 2>/dev/null; }

if [ -s "$RUN/zabbix_server.pid" ]; then
  pid=$(cat "$RUN/zabbix_server.pid")
  kill "$pid" 2>/dev/null
  for _ in $(seq 1 100); do gone "$pid" && break; sleep 0.1; done
  gone "$pid" || kill -9 "$pid" 2>/dev/null
fi
if [ -s "$RUN/php.pgid" ]; then
  pgid=$(cat "$RUN/php.pgid")
  kill -- "-$pgid" 2>/dev/null # the group: workers outlive their parent
  for _ in $(seq 1 50); do gone "$pgid" && break; sleep 0.1; done
  kill -9 -- "-$pgid" 2>/dev/null
fi
if [ -n "$DB" ] && [ -s "$RUN/pg.port" ]; then
  su postgres -c "psql -q -p $(cat "$RUN/pg.port") -c 'DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)'" >/dev/null 2>&1
fi
if [ -s "$RUN/pg-started" ]; then
  read -r ver name <"$RUN/pg-started"
  # Another test run on this machine may have found the cluster online
  # and be using it now (its database is there, named after its test
  # process, which is alive): stopping it would fail that run with "Error
  # connecting to database". Leave it to the last. A killed run's
  # database (its process gone) does not count.
  others=0
  if [ -s "$RUN/pg.port" ]; then
    for db in $(su postgres -c "psql -qAt -p $(cat "$RUN/pg.port") -c \"SELECT datname FROM pg_database WHERE datname LIKE 'hindsight_zbx_%'\"" 2>/dev/null); do
      pid=${db##*_}
      if [ "$db" != "$DB" ] && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        others=$((others + 1))
      fi
    done
  fi
  if [ "$others" = 0 ]; then
    pg_ctlcluster "$ver" "$name" stop
  else
    echo "zabbix-down: PostgreSQL $ver/$name left running: $others other test database(s) in use" >&2
  fi
fi
rm -f "$RUN/php.pgid" "$RUN/zabbix_server.pid" "$RUN/pg-started"
