#!/usr/bin/env bash
# Runs every test of hindsight, the real-server ones included.
#
# On a fresh Debian machine it installs what the tests need (the servers come
# from Debian's packages); the integration tests themselves start those
# servers on 127.0.0.1 and stop them by PID. Run it as root, or with sudo
# available, the first time. Extra arguments go to `go test`.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use. Each integration test package starts what it
# needs from these binaries.
packages=(
  sqlite3                                    # kuma: schema checks
  prometheus victoria-metrics                # sources/prometheus
  postgresql zabbix-server-pgsql zabbix-frontend-php php-pgsql php-cli php-ldap   # sources/zabbix
  chromium chromium-driver                   # report: HTML and Mermaid charts in a real browser
  apache2-bin                                # sources/logs: a real Apache writes the access log it reads
  mariadb-server                             # sources/kuma, cmd: Kuma 2 on MariaDB
)
# report's browser test installs the mermaid npm package into .cache/ with npm.
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Servers built from Go modules, installed once into .cache/bin (the tests
# look there).
mkdir -p .cache/bin
gobin="$(pwd)/.cache/bin"
[ -x "$gobin/victoria-logs" ] || GOBIN="$gobin" go install github.com/VictoriaMetrics/VictoriaLogs/app/victoria-logs@v1.52.2   # sources/victorialogs, cmd
[ -x "$gobin/versitygw" ] || GOBIN="$gobin" go install github.com/versity/versitygw/cmd/versitygw@v1.8.0   # sources/logs/s3src: a real S3 server (Apache-2.0)

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  echo "test.sh: gofmt would change:" >&2
  echo "$unformatted" >&2
  exit 1
fi
go vet ./...
# The incident families' held-out evaluation runs once, on its own, so that
# its accuracy table is printed (go test prints a passing package's output
# only with -v). Its 160 generated incidents take a few minutes of CPU: the
# timeout is raised for a busy machine.
go test -count=1 -timeout 30m "$@" $(go list ./... | grep -v '/internal/incidentgen$')
mkdir -p .cache
if ! go test -count=1 -timeout 30m -v "$@" ./internal/incidentgen > .cache/incidentgen.log 2>&1; then
  cat .cache/incidentgen.log
  exit 1
fi
grep -E 'rank-1|^ok' .cache/incidentgen.log
# The scenario suite's score, for the record (it already ran above).
go test -count=1 -run 'TestScenarios$' -v ./cmd | grep -E '^scenarios: rank-1 accuracy' 
