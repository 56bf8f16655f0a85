// Command kumagen writes a large Uptime Kuma 1 database (kuma.db) of
// synthetic heartbeats, for measuring the Kuma source's speed and memory
// (BENCHMARKS.md): MONITORS monitors beating every INTERVAL for DAYS days
// up to 2025-11-21, each with one outage. It also writes hindsight.yaml
// beside it, one kuma source.
//
//	go run ./scripts/kumagen -dir /tmp/kumabig -monitors 300 -days 30
package main

import (
	"flag"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/hindsight-sre/hindsight/sources/kuma/kumadb"
)

func main() {
	dir := flag.String("dir", "kumabig", "output directory")
	monitors := flag.Int("monitors", 300, "how many monitors")
	days := flag.Int("days", 30, "days of heartbeats")
	interval := flag.Duration("interval", time.Minute, "time between a monitor's heartbeats")
	flag.Parse()
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		log.Fatal(err)
	}
	end := time.Date(2025, 11, 21, 0, 0, 0, 0, time.UTC)
	db := filepath.Join(*dir, "kuma.db")
	os.Remove(db)
	err := kumadb.Generate(db, kumadb.Gen{Monitors: *monitors, Days: *days, Interval: *interval,
		From: end.AddDate(0, 0, -*days)})
	if err != nil {
		log.Fatal(err)
	}
	cfg := "timezone: UTC\nsources:\n  - name: kuma\n    type: kuma\n    path: kuma.db\n"
	if err := os.WriteFile(filepath.Join(*dir, "hindsight.yaml"), []byte(cfg), 0o644); err != nil {
		log.Fatal(err)
	}
}
