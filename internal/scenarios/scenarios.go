// Package scenarios generates the evaluation suite in testdata/scenarios:
// one directory per kind of incident, each with its data in the formats
// hindsight reads (OpenMetrics, syslog, Uptime Kuma databases), a config,
// and expect.json naming the window and the cause a careful engineer would
// name first. cmd's TestScenarios runs the whole pipeline over each and
// reports rank-1 accuracy.
//
// Every scenario covers four days (three of baseline) at one-minute
// resolution in Asia/Seoul; the incident is on the last day, Thursday
// 2025-11-20.
package scenarios

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/hindsight-sre/hindsight/sources/kuma/kumadb"
)

var seoul = func() *time.Location {
	l, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		panic(err)
	}
	return l
}()

var (
	start = time.Date(2025, 11, 17, 0, 0, 0, 0, seoul)
	end   = time.Date(2025, 11, 21, 0, 0, 0, 0, seoul)
	// Day is the incident day.
	Day = time.Date(2025, 11, 20, 0, 0, 0, 0, seoul)
)

// Expect is what a scenario's test asserts.
type Expect struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Around      string   `json:"around"`  // local time in the incident
	Symptom     string   `json:"symptom"` // kind of the first symptom
	Subject     string   `json:"subject"`
	Top         string   `json:"top"`            // regexp the top suspect's title matches; "" = no suspect at all
	Also        []string `json:"also,omitempty"` // regexps other suspects must match
	Recurring   bool     `json:"recurring"`
	Episode     int      `json:"episode,omitempty"` // probes in one episode, when one is expected
}

// at is a local time on day d (0..3) of the scenario.
func at(d, hh, mm int) time.Time {
	return start.AddDate(0, 0, d).Add(time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute)
}

// within reports whether t's local time of day is in [hh:m0, hh:m1) on
// any day.
func within(t time.Time, hh, m0, m1 int) bool {
	lt := t.In(seoul)
	return lt.Hour() == hh && lt.Minute() >= m0 && lt.Minute() < m1
}

func between(t, a, b time.Time) bool { return !t.Before(a) && t.Before(b) }

type family struct {
	typ, help string
	lines     []byte
}

type kumaMon struct {
	name, url string
	f         func(t time.Time) (status, ping int, msg string)
}

type sysline struct {
	t   time.Time
	msg string
}

// builder collects a scenario's data.
type builder struct {
	rng    *rand.Rand
	fams   map[string]*family
	order  []string
	syslog []sysline
	kuma   []kumaMon
	expect Expect
}

func newBuilder(seed uint64) *builder {
	return &builder{rng: rand.New(rand.NewPCG(seed, 2025)), fams: map[string]*family{}}
}

func (b *builder) noise(lo, hi float64) float64 { return lo + b.rng.Float64()*(hi-lo) }

func (b *builder) fam(name, typ, help string) *family {
	f := b.fams[name]
	if f == nil {
		f = &family{typ: typ, help: help}
		b.fams[name] = f
		b.order = append(b.order, name)
	}
	return f
}

// gauge adds a gauge series sampled every minute.
func (b *builder) gauge(name, labels string, v func(t time.Time) float64) {
	f := b.fam(name, "gauge", name)
	for t := start; t.Before(end); t = t.Add(time.Minute) {
		f.lines = fmt.Appendf(f.lines, "%s{%s} %.4g %d\n", name, labels, v(t), t.Unix())
	}
}

// counter adds a counter whose per-second rate at t is rate(t).
func (b *builder) counter(name, labels string, rate func(t time.Time) float64) {
	f := b.fam(name, "counter", name)
	total := 1000.0
	for t := start; t.Before(end); t = t.Add(time.Minute) {
		total += rate(t) * 60
		f.lines = fmt.Appendf(f.lines, "%s_total{%s} %.2f %d\n", name, labels, total, t.Unix())
	}
}

// probe adds a blackbox_exporter probe: up and latency (seconds) at t.
func (b *builder) probe(target string, f func(t time.Time) (bool, float64)) {
	s := b.fam("probe_success", "gauge", "Whether the probe succeeded.")
	d := b.fam("probe_duration_seconds", "gauge", "How long the probe took.")
	for t := start; t.Before(end); t = t.Add(time.Minute) {
		up, lat := f(t)
		v := 0
		if up {
			v = 1
		}
		ts := t.Add(15 * time.Second).Unix()
		s.lines = fmt.Appendf(s.lines, "probe_success{instance=%q,job=\"blackbox\"} %d %d\n", target, v, ts)
		d.lines = fmt.Appendf(d.lines, "probe_duration_seconds{instance=%q,job=\"blackbox\"} %.3f %d\n", target, lat, ts)
	}
}

func (b *builder) log(t time.Time, msg string) { b.syslog = append(b.syslog, sysline{t, msg}) }

// daily logs msg at hh:mm:ss every day.
func (b *builder) daily(hh, mm, ss int, msg func(d int) string) {
	for d := range 4 {
		b.log(at(d, hh, mm).Add(time.Duration(ss)*time.Second), msg(d))
	}
}

func (b *builder) pid() int { return 1000 + b.rng.IntN(30000) }

// background is the noise every host has: sysstat every ten minutes and
// cron.hourly at :17, so that no scenario is won by silence.
func (b *builder) background() {
	for t := start; t.Before(end); t = t.Add(10 * time.Minute) {
		b.log(t.Add(time.Second), fmt.Sprintf("CRON[%d]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)", b.pid()))
	}
	for t := start; t.Before(end); t = t.Add(time.Hour) {
		b.log(t.Add(17*time.Minute+time.Second), fmt.Sprintf("CRON[%d]: (root) CMD (cd / && run-parts --report /etc/cron.hourly)", b.pid()))
	}
}

func (b *builder) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var cfg strings.Builder
	cfg.WriteString("# Generated by go run ./internal/scenarios/genscenarios; see expect.json.\n")
	cfg.WriteString("timezone: Asia/Seoul\nbaseline: 3d\nlag: 30m\nsources:\n")
	if len(b.fams) > 0 {
		var buf bytes.Buffer
		for _, name := range b.order {
			f := b.fams[name]
			fmt.Fprintf(&buf, "# HELP %s %s\n# TYPE %s %s\n", name, f.help, name, f.typ)
			buf.Write(f.lines)
		}
		buf.WriteString("# EOF\n")
		if err := writeGzip(filepath.Join(dir, "metrics.om.gz"), buf.Bytes()); err != nil {
			return err
		}
		cfg.WriteString("  - {name: metrics, type: file, path: metrics.om.gz}\n")
	}
	if len(b.syslog) > 0 {
		sort.SliceStable(b.syslog, func(i, j int) bool { return b.syslog[i].t.Before(b.syslog[j].t) })
		var buf bytes.Buffer
		for _, l := range b.syslog {
			fmt.Fprintf(&buf, "%s app1 %s\n", l.t.In(seoul).Format(time.Stamp), l.msg)
		}
		if err := os.WriteFile(filepath.Join(dir, "syslog"), buf.Bytes(), 0o644); err != nil {
			return err
		}
		cfg.WriteString("  - {name: syslog, type: logs, paths: [syslog]}\n")
	}
	if len(b.kuma) > 0 {
		if err := b.writeKuma(filepath.Join(dir, "kuma.db")); err != nil {
			return err
		}
		cfg.WriteString("  - {name: kuma, type: kuma, path: kuma.db}\n")
	}
	if err := os.WriteFile(filepath.Join(dir, "hindsight.yaml"), []byte(cfg.String()), 0o644); err != nil {
		return err
	}
	js, err := json.MarshalIndent(b.expect, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "expect.json"), append(js, '\n'), 0o644)
}

func (b *builder) writeKuma(path string) error {
	_ = os.Remove(path)
	var mons []kumadb.Monitor
	var beats []kumadb.Beat
	for i, m := range b.kuma {
		mons = append(mons, kumadb.Monitor{ID: i + 1, Name: m.name, Type: "http", URL: m.url, Interval: 60, Active: true})
		for t := start; t.Before(end); t = t.Add(time.Minute) {
			st, ping, msg := m.f(t)
			beats = append(beats, kumadb.Beat{MonitorID: i + 1, T: t.Add(7 * time.Second), Status: st, PingMS: ping, Msg: msg})
		}
	}
	sort.SliceStable(beats, func(i, j int) bool { return beats[i].T.Before(beats[j].T) })
	kumadb.MarkImportant(beats)
	return kumadb.Create(path, kumadb.Options{Version: 1}, mons, beats)
}

func writeGzip(path string, data []byte) error {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(data)
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// Generate writes every scenario under dir.
func Generate(dir string) error {
	for i, s := range All {
		b := newBuilder(uint64(i + 1))
		s(b)
		if err := b.write(filepath.Join(dir, b.expect.Name)); err != nil {
			return fmt.Errorf("scenario %s: %w", b.expect.Name, err)
		}
	}
	return nil
}

// okLatency is a steady web check: 110-160 ms with a small daily swing.
func (b *builder) okLatency(t time.Time) float64 {
	h := float64(t.In(seoul).Hour())
	return 0.11 + 0.03*math.Max(0, math.Sin((h-7)/16*math.Pi)) + b.noise(0, 0.02)
}
