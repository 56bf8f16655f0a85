// Command longlogs writes N plain log files covering DAYS days, one line
// every STEP, for measuring memory over long windows (BENCHMARKS.md):
//
//	go run ./scripts/longlogs -dir /tmp/longlogs -files 10 -days 300 -step 5m
//
// It also writes hindsight.yaml there, one logs source per file. With
// -format nginx the files are access logs (request time, a 5xx now and
// then), which the logs source turns into request, error and latency
// series as well as patterns.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"
)

func main() {
	dir := flag.String("dir", "longlogs", "output directory")
	files := flag.Int("files", 10, "how many files")
	days := flag.Int("days", 300, "days each file covers")
	step := flag.Duration("step", 5*time.Minute, "time between lines")
	format := flag.String("format", "app", "app (syslog-like application lines) or nginx (access logs)")
	flag.Parse()
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		log.Fatal(err)
	}
	end := time.Date(2025, 11, 21, 0, 0, 0, 0, time.UTC)
	start := end.Add(-time.Duration(*days) * 24 * time.Hour)
	cfg := "timezone: UTC\nsources:\n"
	for f := range *files {
		name := fmt.Sprintf("app%02d.log", f)
		out, err := os.Create(filepath.Join(*dir, name))
		if err != nil {
			log.Fatal(err)
		}
		w := bufio.NewWriterSize(out, 1<<20)
		i := 0
		for t := start; t.Before(end); t = t.Add(*step) {
			level, msg := "INFO", fmt.Sprintf("request %d served in %d ms", i, 20+i%37)
			if i%97 == 0 {
				level, msg = "ERROR", fmt.Sprintf("upstream %d timed out after %d ms", i%5, 1000+i%300)
			}
			if *format == "nginx" {
				status := 200
				if i%97 == 0 {
					status = 502
				}
				fmt.Fprintf(w, "192.0.2.%d - - [%s] \"GET /api/items/%d HTTP/1.1\" %d %d \"-\" \"probe/1.0\" %.3f\n",
					1+i%200, t.Format("02/Jan/2006:15:04:05 -0700"), i%5000, status, 500+i%700, 0.02+float64(i%37)/1000)
			} else {
				fmt.Fprintf(w, "%s web%d app[%d]: %s %s\n", t.Format(time.RFC3339), f, 100+f, level, msg)
			}
			i++
		}
		if err := w.Flush(); err != nil {
			log.Fatal(err)
		}
		out.Close()
		cfg += fmt.Sprintf("  - {name: app%02d, type: logs, paths: [%s]}\n", f, name)
	}
	if err := os.WriteFile(filepath.Join(*dir, "hindsight.yaml"), []byte(cfg), 0o644); err != nil {
		log.Fatal(err)
	}
}
