#!/usr/bin/env bash
# Starts a throw-away Zabbix 6.0 (Debian bookworm packages) on 127.0.0.1 for
# the sources/zabbix integration tests. Run as root. The Go tests call it; a
# person can too:
#
#   RUN=$(mktemp -d) ZBX_DB_NAME=zbx_try ZBX_WEB_PORT=18080 testdata/zabbix-up.sh frontend
#   RUN=... ZBX_DB_NAME=zbx_try ZBX_SERVER_PORT=10051 testdata/zabbix-up.sh server
#   RUN=... testdata/zabbix-down.sh
#
# frontend: starts PostgreSQL if no cluster is online (and leaves
#   $RUN/pg-started so that zabbix-down.sh stops only what this started),
#   creates database $ZBX_DB_NAME owned by role zabbix/zabbix, imports the
#   schema, writes /etc/zabbix/zabbix.conf.php (the path Debian's frontend
#   reads; it takes the database from getenv, so one install serves
#   per-test databases) and serves the API with `php -S` under setsid; the
#   process group id is in $RUN/php.pgid.
# server: starts zabbix_server on 127.0.0.1:$ZBX_SERVER_PORT against the same
#   database; its PID is in $RUN/zabbix_server.pid. Start it after the hosts
#   and items exist, so its configuration cache knows them at once.
#
# Traps: `cd dir && server &` makes $! the PID of a subshell, so each server
# is started on its own line. `php -S` with PHP_CLI_SERVER_WORKERS forks
# workers that outlive a plain kill of the parent and keep the port: stop the
# whole group (kill -- -PGID).
set -euo pipefail
: "${RUN:?RUN must name a directory for pid files and logs}"
DB=${ZBX_DB_NAME:-zabbix}
WEB_PORT=${ZBX_WEB_PORT:-18080}
SRV_PORT=${ZBX_SERVER_PORT:-10051}
mkdir -p "$RUN"
chmod 777 "$RUN" # zabbix_server started as root drops to user zabbix

pg_port() { pg_lsclusters -h | awk '$4 == "online" { print $3; exit }'; }

frontend() {
  if [ -z "$(pg_port)" ]; then
    read -r ver name _ < <(pg_lsclusters -h | head -1)
    [ -n "${ver:-}" ] || { echo "zabbix-up: no PostgreSQL cluster (hint: run scripts/test.sh)" >&2; exit 1; }
    pg_ctlcluster "$ver" "$name" start
    echo "$ver $name" >"$RUN/pg-started"
  fi
  PGPORT=$(pg_port)
  echo "$PGPORT" >"$RUN/pg.port"
  until pg_isready -q -h 127.0.0.1 -p "$PGPORT"; do sleep 0.1; done

  su postgres -c "psql -q -p $PGPORT -v ON_ERROR_STOP=1" <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'zabbix') THEN
    CREATE ROLE zabbix LOGIN PASSWORD 'zabbix';
  END IF;
END \$\$;
DROP DATABASE IF EXISTS "$DB";
CREATE DATABASE "$DB" OWNER zabbix ENCODING 'UTF8' TEMPLATE template0;
SQL
  # schema, images, data in that order; data.sql has its own BEGIN/COMMIT,
  # which only warns inside -1. double/history_pk_prepare/timescaledb are for
  # upgrades and must not be applied. data.sql is 173,000 one-row INSERTs
  # (8.8 s); joining runs of them into 500-row INSERTs gives the same rows
  # (pg_dump of both databases compared equal) in 4.0 s.
  zcat /usr/share/zabbix-server-pgsql/{schema,images,data}.sql.gz |
    awk '
      /^INSERT INTO [a-z_]+ \([a-z_0-9,]*\) values \(.*\);$/ {
        i = index($0, ") values (")
        head = substr($0, 1, i); row = substr($0, i + 9, length($0) - i - 9)
        if (head == cur && n < 500) { printf ",\n%s", row; n++ }
        else { if (cur != "") print ";"; printf "%s values %s", head, row; cur = head; n = 1 }
        next
      }
      { if (cur != "") { print ";"; cur = "" } print }
      END { if (cur != "") print ";" }' |
    PGPASSWORD=zabbix PGOPTIONS='-c synchronous_commit=off' \
      psql -q -1 -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PGPORT" -U zabbix "$DB" >/dev/null 2>"$RUN/schema.log"

  conf=/etc/zabbix/zabbix.conf.php
  if [ -e "$conf" ] && ! grep -q "getenv('ZBX_DB_NAME')" "$conf"; then
    echo "zabbix-up: $conf exists and does not read ZBX_DB_NAME; not overwriting it (hint: move it away to run the tests)" >&2
    exit 1
  fi
  mkdir -p /etc/zabbix
  cat >"$conf" <<'PHP'
<?php
// Written by hindsight's sources/zabbix/testdata/zabbix-up.sh for tests.
$DB['TYPE']     = 'POSTGRESQL';
$DB['SERVER']   = getenv('ZBX_DB_HOST') ?: '127.0.0.1';
$DB['PORT']     = getenv('ZBX_DB_PORT') ?: '5432';
$DB['DATABASE'] = getenv('ZBX_DB_NAME') ?: 'zabbix';
$DB['USER']     = 'zabbix';
$DB['PASSWORD'] = 'zabbix';
$DB['SCHEMA']   = '';
$DB['ENCRYPTION'] = false; $DB['KEY_FILE'] = ''; $DB['CERT_FILE'] = ''; $DB['CA_FILE'] = '';
$DB['VERIFY_HOST'] = false; $DB['CIPHER_LIST'] = '';
$DB['VAULT_URL'] = ''; $DB['VAULT_DB_PATH'] = ''; $DB['VAULT_TOKEN'] = '';
$DB['DOUBLE_IEEE754'] = true;
$ZBX_SERVER      = '127.0.0.1';
$ZBX_SERVER_PORT = getenv('ZBX_SERVER_PORT') ?: '10051';
$ZBX_SERVER_NAME = 'hindsight-test';
$IMAGE_FORMAT_DEFAULT = IMAGE_FORMAT_PNG;
PHP

  cd /usr/share/zabbix
  ZBX_DB_NAME="$DB" ZBX_DB_PORT="$PGPORT" ZBX_SERVER_PORT="$SRV_PORT" \
    PHP_CLI_SERVER_WORKERS=${PHP_CLI_SERVER_WORKERS:-4} \
    setsid php -S "127.0.0.1:$WEB_PORT" -t /usr/share/zabbix >"$RUN/php.log" 2>&1 </dev/null &
  echo $! >"$RUN/php.pgid" # setsid execs php, so its PID is the group id
  cd - >/dev/null
  for _ in $(seq 1 100); do
    # php itself asks apiinfo.version (curl may not be installed)
    if php -r '$c = stream_context_create(["http" => ["method" => "POST", "timeout" => 2,
        "header" => "Content-Type: application/json-rpc",
        "content" => "{\"jsonrpc\":\"2.0\",\"method\":\"apiinfo.version\",\"params\":{},\"id\":1}"]]);
        exit(str_contains((string) @file_get_contents($argv[1], false, $c), "result") ? 0 : 1);' \
      "http://127.0.0.1:$WEB_PORT/api_jsonrpc.php"; then
      return 0
    fi
    sleep 0.1
  done
  echo "zabbix-up: php -S on 127.0.0.1:$WEB_PORT did not answer; see $RUN/php.log" >&2
  exit 1
}

server() {
  PGPORT=$(cat "$RUN/pg.port")
  cat >"$RUN/zabbix_server.conf" <<CONF
ListenIP=127.0.0.1
ListenPort=$SRV_PORT
SourceIP=127.0.0.1
LogFile=$RUN/zabbix_server.log
LogFileSize=0
PidFile=$RUN/zabbix_server.pid
SocketDir=$RUN
DBHost=127.0.0.1
DBPort=$PGPORT
DBName=$DB
DBUser=zabbix
DBPassword=zabbix
StartPollers=1
StartPollersUnreachable=1
StartPingers=0
StartDiscoverers=0
StartHTTPPollers=0
StartTrappers=2
StartEscalators=1
StartAlerters=1
CacheUpdateFrequency=5
HousekeepingFrequency=0
CONF
  zabbix_server -c "$RUN/zabbix_server.conf" # daemonizes; PID in PidFile
  for _ in $(seq 1 100); do
    if [ -s "$RUN/zabbix_server.pid" ] && (echo >"/dev/tcp/127.0.0.1/$SRV_PORT") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "zabbix-up: zabbix_server did not listen on 127.0.0.1:$SRV_PORT; see $RUN/zabbix_server.log" >&2
  exit 1
}

case "${1:-}" in
frontend) frontend ;;
server) server ;;
*) echo "usage: zabbix-up.sh frontend|server" >&2; exit 2 ;;
esac
