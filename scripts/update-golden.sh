#!/usr/bin/env bash
# Regenerates every golden file after a deliberate change to what analyze
# or report produce: the demo data, the scenario suite, report's golden
# files, report's demo snapshots and the CLI's -o json golden. Review the
# diff before committing it.
set -euo pipefail
cd "$(dirname "$0")/.."
go run ./internal/demo/gendemo testdata/demo
go run ./internal/scenarios/genscenarios testdata/scenarios
go test ./report -run 'Golden|Summary' -update >/dev/null
bin=$(mktemp -d)/hindsight
go build -o "$bin" .
"$bin" analyze --config testdata/demo/hindsight.yaml --around "2025-11-21 14:05" -o json > report/testdata/demo-outage.json
"$bin" analyze --config testdata/demo/hindsight.yaml --around "2025-11-20 03:10" -o json > report/testdata/demo-nightly.json
# The CLI golden holds $DEMO where the demo's absolute path stands.
demo=$PWD/testdata/demo
script=cmd/testdata/script/demo.txtar
{
  sed '/^-- outage.json --$/,$d' "$script"
  echo '-- outage.json --'
  "$bin" analyze --config "$demo/hindsight.yaml" --around '2025-11-21 14:05' -o json | sed "s#$demo#\$DEMO#g"
} > "$script.new"
mv "$script.new" "$script"
rm -rf "$(dirname "$bin")"
git status --short
