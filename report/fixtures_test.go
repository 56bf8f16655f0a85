package report

import (
	"strings"
	"time"

	"github.com/hindsight-sre/hindsight/analyze"
	"github.com/hindsight-sre/hindsight/sources"
)

// The fixtures are Findings as analyze would return them for the demo shop
// (Asia/Seoul): times in UTC, lists sorted, every number filled in by hand
// so that the golden files can be checked with a calculator.

var seoul = mustLoad("Asia/Seoul")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// kst parses a local Seoul time and returns it in UTC, as analyze would.
func kst(s string) time.Time {
	t, err := time.ParseInLocation(time.DateTime, s, seoul)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func window(from, to string) sources.Window { return sources.Window{From: kst(from), To: kst(to)} }

func line(file string, n int, t, text string) sources.LogLine {
	return sources.LogLine{File: file, Line: n, T: kst(t), Text: text}
}

// incident is a day with two symptoms on the shop: a daytime outage caused
// by a deploy (worst, so S1) and the nightly 03:00 latency spike caused by
// the backup, which recurs every night.
func incident() *analyze.Findings {
	f := incidentNoCharts()
	f.Symptoms[0].Chart = shopChart(f.Window, time.Hour, f.Symptoms[0])
	f.Symptoms[1].Chart = shopChart(f.Window, time.Hour, f.Symptoms[1])
	return f
}

func incidentNoCharts() *analyze.Findings {
	return &analyze.Findings{
		Window:   window("2025-11-20 00:00:00", "2025-11-21 00:00:00"),
		Baseline: window("2025-11-13 00:00:00", "2025-11-20 00:00:00"),
		Zone:     "Asia/Seoul",
		Profile:  "acme-shop",
		Command:  `hindsight analyze --profile acme-shop --from "2025-11-20 00:00" --to "2025-11-21 00:00"`,
		Symptoms: []analyze.Symptom{{
			ID: "S1", Kind: analyze.Outage, Subject: "Shop", Source: "kuma", Target: "https://shop.example",
			Start: kst("2025-11-20 14:05:10"), Peak: kst("2025-11-20 14:05:10"), End: kst("2025-11-20 14:12:10"),
			Duration: 7 * time.Minute, Class: analyze.BusinessHours,
			PeakValue: 14, BaselineValue: 0, Unit: "checks", FailedChecks: 14,
			Explanation: `Shop failed 14 checks from 14:05:10 until it answered again at 14:12:10 (7m down); last error: "502 Bad Gateway".`,
			Query:       `SELECT time, status, ping, msg FROM heartbeat WHERE monitor_id = 1 AND time BETWEEN '2025-11-20 05:00:00' AND '2025-11-20 05:20:00'`,
			Suspects: []analyze.Suspect{{
				Rank: 1, Kind: analyze.SuspectEvent, Title: "deploy: shop v2.14.0 (a1b2c3d)", Source: "syslog",
				Start: kst("2025-11-20 14:04:02"), End: kst("2025-11-20 14:12:31"), Lead: 68 * time.Second,
				Score: 0.80, Confidence: "high",
				Components: analyze.ScoreComponents{Timing: 1, Strength: 1, Cooccurence: 0.5, Specificity: 0.33},
				Reason:     "deploy: shop v2.14.0 (a1b2c3d) started at 14:04, with the outage; a saturation anomaly (node_load1) followed within 15 minutes; it happened 3 times in the data, 1 of them with the outage.",
				Evidence: []analyze.Evidence{{
					Text: "deploy and restarts in syslog", Ref: "logs/syslog:48211",
					Lines: []sources.LogLine{
						line("logs/syslog", 48211, "2025-11-20 14:04:02", "Nov 20 14:04:02 web1 deploy[88121]: rolling out shop v2.14.0 (a1b2c3d) to web1"),
						line("logs/syslog", 48219, "2025-11-20 14:04:09", "Nov 20 14:04:09 web1 systemd[1]: Stopping shop.service - Shop web application..."),
						line("logs/syslog", 48230, "2025-11-20 14:04:41", "Nov 20 14:04:41 web1 systemd[1]: shop.service: Main process exited, code=exited, status=1/FAILURE"),
						line("logs/syslog", 48231, "2025-11-20 14:04:46", "Nov 20 14:04:46 web1 systemd[1]: shop.service: Scheduled restart job, restart counter is at 1."),
						line("logs/syslog", 48262, "2025-11-20 14:07:12", "Nov 20 14:07:12 web1 systemd[1]: shop.service: Scheduled restart job, restart counter is at 2."),
						line("logs/syslog", 48301, "2025-11-20 14:10:20", "Nov 20 14:10:20 web1 systemd[1]: shop.service: Scheduled restart job, restart counter is at 3."),
					},
				}, {
					Text: "nginx answered 502 for upstream shop", Ref: "logs/nginx/access.log:901144",
					Lines: []sources.LogLine{
						line("logs/nginx/access.log", 901144, "2025-11-20 14:05:10", `10.0.3.7 - - [20/Nov/2025:14:05:10 +0900] "GET / HTTP/1.1" 502 157 "-" "Uptime-Kuma/1.23.16" 0.001`),
					},
				}},
			}, {
				Rank: 2, Kind: analyze.SuspectLogBurst, Title: "nginx 502 Bad Gateway responses", Source: "nginx",
				Start: kst("2025-11-20 14:05:00"), End: kst("2025-11-20 14:12:00"), Lead: 10 * time.Second,
				Score: 0.67, Confidence: "medium",
				Components: analyze.ScoreComponents{Timing: 1, Strength: 0.6, Cooccurence: 0.5, Specificity: 0.25},
				Reason:     "nginx 502 Bad Gateway responses started at 14:05, with the outage; 1484 lines against 0.4 expected; it happened 4 times in the data, 1 of them with the outage.",
				Evidence: []analyze.Evidence{{
					Text: "access log lines with status 502", Query: "logs/nginx/access.log* status=502",
					Lines: []sources.LogLine{
						line("logs/nginx/access.log", 901150, "2025-11-20 14:05:11", `203.0.113.41 - - [20/Nov/2025:14:05:11 +0900] "POST /cart/add HTTP/2.0" 502 157 "https://shop.example/p/1192" "Mozilla/5.0" 0.002`),
					},
				}},
			}, {
				Rank: 3, Kind: analyze.SuspectAnomaly, Title: "node_load1 on web1", Source: "metrics",
				Start: kst("2025-11-20 14:08:00"), End: kst("2025-11-20 14:13:00"), Lead: -170 * time.Second,
				Score: 0.51, Confidence: "low",
				Components: analyze.ScoreComponents{Timing: 0.3, Strength: 0.9, Cooccurence: 0.5, Specificity: 0.25},
				Reason:     "node_load1 on web1 started at 14:08, 2m 50s after the outage began (possibly an effect); peaked at 6.2 against a median of 1.1; it happened 4 times in the data, 1 of them with the outage.",
				Evidence:   []analyze.Evidence{{Text: "1-minute load average", Query: `node_load1{instance="web1:9100"}`, Ref: "metrics/web1.om"}},
			}},
			Recurrence: analyze.Recurrence{DaysChecked: 7},
		}, {
			ID: "S2", Kind: analyze.LatencySpike, Subject: "Shop", Source: "kuma", Target: "https://shop.example",
			Start: kst("2025-11-20 03:00:40"), Peak: kst("2025-11-20 03:12:40"), End: kst("2025-11-20 03:41:40"),
			Duration: 41 * time.Minute, Class: analyze.OffHours,
			PeakValue: 4.21, BaselineValue: 0.182, Unit: "s", Ratio: 23.1, Score: 38.5,
			Explanation: "Shop response time peaked at 4.21 s at 03:12, 23.1× its usual 182 ms (median of the 7 days before; robust z 38); abnormal from 03:00 to 03:41.",
			Query:       `SELECT time, ping FROM heartbeat WHERE monitor_id = 1 AND status = 1 AND time BETWEEN '2025-11-19 17:50:00' AND '2025-11-19 18:50:00'`,
			Suspects: []analyze.Suspect{{
				Rank: 1, Kind: analyze.SuspectEvent, Title: "cron: /usr/local/bin/backup.sh --full", Source: "syslog",
				Start: kst("2025-11-20 03:00:01"), End: kst("2025-11-20 03:41:12"), Lead: 39 * time.Second,
				Score: 0.97, Confidence: "high",
				Components: analyze.ScoreComponents{Timing: 1, Strength: 0.9, Cooccurence: 1, Specificity: 1},
				Reason:     "cron: /usr/local/bin/backup.sh --full started at 03:00, with the spike; it was there on all 7 earlier days the spike recurred; all 8 times it happened in the data came with the spike.",
				Known:      "nightly backup (expected: disk IO and latency up for ~20 min)",
				Evidence: []analyze.Evidence{{
					Text: "cron started the backup", Ref: "logs/syslog:31877",
					Lines: []sources.LogLine{line("logs/syslog", 31877, "2025-11-20 03:00:01", "Nov 20 03:00:01 web1 CRON[41022]: (root) CMD (/usr/local/bin/backup.sh --full)")},
				}, {
					Text: "the backup finished", Ref: "logs/syslog:32410",
					Lines: []sources.LogLine{line("logs/syslog", 32410, "2025-11-20 03:41:12", "Nov 20 03:41:12 web1 backup.sh[41023]: backup finished: 38.2 GiB in 41m11s")},
				}},
			}, {
				Rank: 2, Kind: analyze.SuspectAnomaly, Title: `node_disk_written_bytes_total{device="sda",instance="web1:9100"}`, Source: "metrics",
				Start: kst("2025-11-20 03:00:30"), End: kst("2025-11-20 03:41:00"), Lead: 10 * time.Second,
				Score: 0.94, Confidence: "high",
				Components: analyze.ScoreComponents{Timing: 1, Strength: 0.8, Cooccurence: 1, Specificity: 1},
				Reason:     "node_disk_written_bytes_total{device=\"sda\",instance=\"web1:9100\"} started at 03:00, with the spike; peaked at 182000000 B/s against a median of 3100000 B/s; it starts with cron: /usr/local/bin/backup.sh --full, which likely drives it; it was there on all 7 earlier days the spike recurred; all 8 times it happened in the data came with the spike.",
				Evidence: []analyze.Evidence{{
					Text: "node_exporter disk writes, 1m rate", Ref: "metrics/web1.om",
					Query: `rate(node_disk_written_bytes_total{instance="web1:9100",device="sda"}[1m])`,
				}},
			}, {
				Rank: 3, Kind: analyze.SuspectAnomaly, Title: `iowait{instance="web1:9100"}`, Source: "metrics",
				Start: kst("2025-11-20 03:01:00"), End: kst("2025-11-20 03:40:00"), Lead: -20 * time.Second,
				Score: 0.88, Confidence: "high",
				Components: analyze.ScoreComponents{Timing: 1, Strength: 0.8, Cooccurence: 1, Specificity: 0.62},
				Reason:     "iowait{instance=\"web1:9100\"} started at 03:01, with the spike; peaked at 38 % against a median of 1.2 %; it starts with cron: /usr/local/bin/backup.sh --full, which likely drives it; it was there on all 7 earlier days the spike recurred; it happened 13 times in the data, 8 of them with the spike.",
				Evidence: []analyze.Evidence{{
					Text: "share of CPU time waiting for IO", Ref: "metrics/web1.om",
					Query: `avg by (instance) (rate(node_cpu_seconds_total{instance="web1:9100",mode="iowait"}[1m])) * 100`,
				}},
			}},
			Recurrence: analyze.Recurrence{
				DaysChecked: 7, DaysSeen: 7, Recurring: true,
				Dates:    []string{"2025-11-13", "2025-11-14", "2025-11-15", "2025-11-16", "2025-11-17", "2025-11-18", "2025-11-19"},
				Sentence: "Each of the 7 previous nights had a latency spike starting between 03:00 and 03:02 KST.",
			},
		}},
		Impact: []analyze.Impact{{
			Probe: "API", Source: "kuma", Target: "https://api.shop.example/healthz",
			Checks: 1440, Failed: 0, Availability: 1,
			P50: 41 * time.Millisecond, P95: 77 * time.Millisecond, Max: 1210 * time.Millisecond,
			BaseP50: 40 * time.Millisecond, BaseP95: 73 * time.Millisecond, BaseMax: 1120 * time.Millisecond,
			Sparkline: []float64{0.041, 0.040, 0.040, 0.290, 0.041, 0.040, 0.040, 0.041, 0.043, 0.044, 0.045, 0.044, 0.046, 0.045, 0.047, 0.044, 0.043, 0.044, 0.045, 0.044, 0.043, 0.042, 0.041, 0.041},
		}, {
			Probe: "Shop", Source: "kuma", Target: "https://shop.example",
			Checks: 2880, Failed: 14, Availability: 1 - 14.0/2880, Downtime: 7 * time.Minute, Outages: 1, MTTR: 7 * time.Minute,
			P50: 188 * time.Millisecond, P95: 412 * time.Millisecond, Max: 4870 * time.Millisecond,
			BaseP50: 181 * time.Millisecond, BaseP95: 398 * time.Millisecond, BaseMax: 4660 * time.Millisecond,
			Sparkline: []float64{0.19, 0.18, 0.18, 2.84, 0.19, 0.18, 0.18, 0.19, 0.21, 0.22, 0.23, 0.22, 0.24, 0.23, 0.31, 0.22, 0.21, 0.22, 0.23, 0.22, 0.21, 0.20, 0.19, 0.19},
		}},
		Anomalies: []analyze.Anomaly{{
			Kind: analyze.SeriesAnomaly, Subject: `node_disk_written_bytes_total{device="sda",instance="web1:9100"}`, Source: "metrics",
			Role: sources.Saturation, RoleName: "saturation",
			Start: kst("2025-11-20 03:00:30"), Peak: kst("2025-11-20 03:14:00"), End: kst("2025-11-20 03:41:00"), Class: analyze.OffHours,
			PeakValue: 182e6, BaselineValue: 3.1e6, Unit: "B/s", Ratio: 58.7, Score: 52.3,
			Explanation: "Disk writes on sda peaked at 182 MB/s against a median of 3.1 MB/s at this time of day.",
			Query:       `rate(node_disk_written_bytes_total{instance="web1:9100",device="sda"}[1m])`,
		}, {
			Kind: analyze.LogBurst, Subject: `<*> - - [<*>] "<*> <*> <*>" 502 <*>`, Source: "nginx",
			RoleName: "other",
			Start:    kst("2025-11-20 14:05:00"), Peak: kst("2025-11-20 14:06:00"), End: kst("2025-11-20 14:12:00"), Class: analyze.BusinessHours,
			PeakValue: 1484, BaselineValue: 0.4, Unit: "lines", Ratio: 3710, Score: 31,
			Explanation: "1484 lines in 7 minutes against 0.4 expected from the same minutes of the previous day.",
			Query:       "logs/nginx/access.log* status=502",
		}, {
			Kind: analyze.SeriesAnomaly, Subject: `iowait{instance="web1:9100"}`, Source: "metrics",
			Role: sources.Saturation, RoleName: "saturation",
			Start: kst("2025-11-20 03:01:00"), Peak: kst("2025-11-20 03:15:00"), End: kst("2025-11-20 03:40:00"), Class: analyze.OffHours,
			PeakValue: 38, BaselineValue: 1.2, Unit: "%", Ratio: 31.7, Score: 24.8,
			Explanation: "iowait peaked at 38% against a median of 1.2% at this time of day.",
			Query:       `avg by (instance) (rate(node_cpu_seconds_total{instance="web1:9100",mode="iowait"}[1m])) * 100`,
		}, {
			Kind: analyze.NewPattern, Subject: "ERROR cart: IllegalStateException: cart cache not warmed for tenant <*>", Source: "app",
			RoleName: "other",
			Start:    kst("2025-11-20 14:06:12"), Peak: kst("2025-11-20 14:08:00"), End: kst("2025-11-20 14:11:40"), Class: analyze.BusinessHours,
			PeakValue: 96, BaselineValue: 0, Unit: "lines", Score: 12,
			Explanation: "New in the window: never seen in the 1-day log baseline.",
			Query:       "logs/shop/app.log",
			Examples: []sources.LogLine{
				line("logs/shop/app.log", 220417, "2025-11-20 14:06:12", "2025-11-20T14:06:12.114+09:00 ERROR [http-nio-8080-exec-4] cart: IllegalStateException: cart cache not warmed for tenant 17"),
				line("logs/shop/app.log", 220433, "2025-11-20 14:06:13", "2025-11-20T14:06:13.020+09:00 ERROR [http-nio-8080-exec-9] cart: IllegalStateException: cart cache not warmed for tenant 4"),
			},
		}, {
			Kind: analyze.SeriesAnomaly, Subject: `redis_connected_clients{instance="cache1:9121"}`, Source: "metrics",
			Role: sources.Traffic, RoleName: "traffic",
			Start: kst("2025-11-20 11:20:00"), Peak: kst("2025-11-20 11:21:00"), End: kst("2025-11-20 11:24:00"), Class: analyze.BusinessHours,
			PeakValue: 412, BaselineValue: 38, Ratio: 10.8, Score: 7.4,
			Explanation: "Clients rose to 412 from a median of 38 at this time of day, with no symptom within 2h.",
			Query:       `redis_connected_clients{instance="cache1:9121"}`,
		}, {
			Kind: analyze.SeriesAnomaly, Subject: `node_load1{instance="web1:9100"}`, Source: "metrics",
			Role: sources.Saturation, RoleName: "saturation",
			Start: kst("2025-11-20 14:08:00"), Peak: kst("2025-11-20 14:09:00"), End: kst("2025-11-20 14:13:00"), Class: analyze.BusinessHours,
			PeakValue: 6.2, BaselineValue: 1.1, Ratio: 5.6, Score: 6.1,
			Explanation: "Load peaked at 6.2 against a median of 1.1 at this time of day.",
			Query:       `node_load1{instance="web1:9100"}`,
		}},
		Timeline: []analyze.TimelineEntry{
			{T: kst("2025-11-20 03:00:01"), Class: analyze.OffHours, Source: "syslog", Kind: "cron", Text: "(root) CMD (/usr/local/bin/backup.sh --full)", Ref: "logs/syslog:31877", Known: "nightly backup (expected: disk IO and latency up for ~20 min)"},
			{T: kst("2025-11-20 03:00:30"), Class: analyze.OffHours, Source: "metrics", Kind: "anomaly", Text: "disk writes on sda 3.1 MB/s → 182 MB/s"},
			{T: kst("2025-11-20 03:00:40"), Class: analyze.OffHours, Source: "kuma", Kind: "spike start", Text: "S2 Shop response time above baseline"},
			{T: kst("2025-11-20 03:01:00"), Class: analyze.OffHours, Source: "metrics", Kind: "anomaly", Text: "iowait 1.2% → 38%"},
			{T: kst("2025-11-20 03:12:40"), Class: analyze.OffHours, Source: "kuma", Kind: "spike peak", Text: "S2 Shop 4.21 s"},
			{T: kst("2025-11-20 03:41:12"), Class: analyze.OffHours, Source: "syslog", Kind: "backup", Text: "backup finished: 38.2 GiB in 41m11s", Ref: "logs/syslog:32410"},
			{T: kst("2025-11-20 03:41:40"), Class: analyze.OffHours, Source: "kuma", Kind: "spike end", Text: "S2 Shop back to baseline"},
			{T: kst("2025-11-20 06:25:01"), Class: analyze.OffHours, Source: "syslog", Kind: "cron", Text: "(root) CMD (test -x /usr/sbin/anacron || run-parts --report /etc/cron.daily)", Ref: "logs/syslog:35120"},
			{T: kst("2025-11-20 11:20:00"), Class: analyze.BusinessHours, Source: "metrics", Kind: "anomaly", Text: "redis_connected_clients 38 → 412"},
			{T: kst("2025-11-20 14:04:02"), Class: analyze.BusinessHours, Source: "syslog", Kind: "deploy", Text: "rolling out shop v2.14.0 (a1b2c3d) to web1", Ref: "logs/syslog:48211"},
			{T: kst("2025-11-20 14:04:09"), Class: analyze.BusinessHours, Source: "syslog", Kind: "restart", Text: "Stopping shop.service - Shop web application...", Ref: "logs/syslog:48219"},
			{T: kst("2025-11-20 14:05:00"), Class: analyze.BusinessHours, Source: "nginx", Kind: "log burst", Text: "502 responses: 1484 in 7m, 0.4 expected"},
			{T: kst("2025-11-20 14:05:10"), Class: analyze.BusinessHours, Source: "kuma", Kind: "outage start", Text: "S1 Shop down: 502 Bad Gateway"},
			{T: kst("2025-11-20 14:06:12"), Class: analyze.BusinessHours, Source: "app", Kind: "new log pattern", Text: "ERROR cart: IllegalStateException: cart cache not warmed for tenant <*>", Ref: "logs/shop/app.log:220417"},
			{T: kst("2025-11-20 14:08:00"), Class: analyze.BusinessHours, Source: "metrics", Kind: "anomaly", Text: "node_load1 1.1 → 6.2"},
			{T: kst("2025-11-20 14:12:10"), Class: analyze.BusinessHours, Source: "kuma", Kind: "outage end", Text: "S1 Shop up again after 7m"},
		},
		Gaps: []sources.Gap{{Source: "nginx", What: "logs/nginx/access.log.4.gz", Reason: "gzip: invalid header; file skipped"}},
		Notes: []string{
			"Kuma 1.23 database (schema v1): raw heartbeats for Shop and API.",
			"Latency baselines are the median and MAD of the same 30-minute slot on the 7 previous days.",
		},
		Inputs: analyze.Inputs{Probes: 2, Beats: 34560, Series: 5, Points: 57600, Events: 58, Patterns: 31,
			Sources: []string{"kuma", "nginx", "prom", "syslog"}, Zones: map[string]string{"nginx": "UTC", "syslog": "Asia/Seoul"}, ZoneLines: map[string]int{"syslog": 1204}},
	}
}

// quiet is a Saturday night with no symptom, but things that moved.
func quiet() *analyze.Findings {
	return &analyze.Findings{
		Window:   window("2025-11-22 00:00:00", "2025-11-22 08:00:00"),
		Baseline: window("2025-11-15 00:00:00", "2025-11-22 00:00:00"),
		Zone:     "Asia/Seoul",
		Profile:  "acme-shop",
		Command:  `hindsight analyze --profile acme-shop --from "2025-11-22 00:00" --to "2025-11-22 08:00"`,
		Impact: []analyze.Impact{{
			Probe: "API", Source: "kuma", Target: "https://api.shop.example/healthz",
			Checks: 480, Availability: 1,
			P50: 40 * time.Millisecond, P95: 71 * time.Millisecond, Max: 188 * time.Millisecond,
			BaseP50: 40 * time.Millisecond, BaseP95: 73 * time.Millisecond, BaseMax: 1120 * time.Millisecond,
			Sparkline: []float64{0.040, 0.040, 0.041, 0.042, 0.040, 0.040, 0.041, 0.042},
		}, {
			Probe: "Shop", Source: "kuma", Target: "https://shop.example",
			Checks: 960, Availability: 1,
			P50: 183 * time.Millisecond, P95: 231 * time.Millisecond, Max: 402 * time.Millisecond,
			BaseP50: 181 * time.Millisecond, BaseP95: 398 * time.Millisecond, BaseMax: 4660 * time.Millisecond,
			Sparkline: []float64{0.18, 0.18, 0.18, 0.19, 0.18, 0.18, 0.18, 0.19},
		}},
		Anomalies: []analyze.Anomaly{{
			Kind: analyze.NewPattern, Subject: "ERROR payment: webhook signature mismatch for merchant <*>", Source: "app",
			RoleName: "other",
			Start:    kst("2025-11-22 02:14:07"), Peak: kst("2025-11-22 02:20:00"), End: kst("2025-11-22 02:51:30"), Class: analyze.Weekend,
			PeakValue: 37, BaselineValue: 0, Unit: "lines", Score: 14.2,
			Explanation: "New in the window: never seen in the 1-day log baseline.",
			Query:       "logs/shop/app.log",
			Examples: []sources.LogLine{
				line("logs/shop/app.log", 10233, "2025-11-22 02:14:07", "2025-11-22T02:14:07.551+09:00 ERROR [webhook-2] payment: webhook signature mismatch for merchant m_4471"),
				line("logs/shop/app.log", 10260, "2025-11-22 02:15:52", "2025-11-22T02:15:52.003+09:00 ERROR [webhook-1] payment: webhook signature mismatch for merchant m_4471"),
			},
		}, {
			Kind: analyze.SeriesAnomaly, Subject: `redis_connected_clients{instance="cache1:9121"}`, Source: "metrics",
			Role: sources.Traffic, RoleName: "traffic",
			Start: kst("2025-11-22 04:10:00"), Peak: kst("2025-11-22 04:11:00"), End: kst("2025-11-22 04:16:00"), Class: analyze.Weekend,
			PeakValue: 412, BaselineValue: 38, Ratio: 10.8, Score: 7.4,
			Explanation: "Clients rose to 412 from a median of 38 at this time of day.",
			Query:       `redis_connected_clients{instance="cache1:9121"}`,
		}, {
			Kind: analyze.SeriesAnomaly, Subject: `node_filesystem_avail_bytes{instance="web1:9100",mountpoint="/var"}`, Source: "metrics",
			Role: sources.Saturation, RoleName: "saturation",
			Start: kst("2025-11-22 03:05:00"), Peak: kst("2025-11-22 03:40:00"), End: kst("2025-11-22 08:00:00"), Class: analyze.Weekend,
			PeakValue: 2.1e9, BaselineValue: 18.4e9, Unit: "B", Ratio: 0.114, Score: 6.3,
			Explanation: "Free space on /var fell to 2.1 GB from a median of 18.4 GB and had not recovered when the window ended.",
			Query:       `node_filesystem_avail_bytes{instance="web1:9100",mountpoint="/var"}`,
		}},
		Timeline: []analyze.TimelineEntry{
			{T: kst("2025-11-22 02:14:07"), Class: analyze.Weekend, Source: "app", Kind: "new log pattern", Text: "ERROR payment: webhook signature mismatch for merchant <*>", Ref: "logs/shop/app.log:10233"},
			{T: kst("2025-11-22 03:00:01"), Class: analyze.Weekend, Source: "syslog", Kind: "cron", Text: "(root) CMD (/usr/local/bin/backup.sh --incremental)", Ref: "logs/syslog:30112"},
			{T: kst("2025-11-22 03:05:00"), Class: analyze.Weekend, Source: "metrics", Kind: "anomaly", Text: "free space on /var 18.4 GB → 2.1 GB"},
			{T: kst("2025-11-22 04:10:00"), Class: analyze.Weekend, Source: "metrics", Kind: "anomaly", Text: "redis_connected_clients 38 → 412"},
			{T: kst("2025-11-22 06:25:01"), Class: analyze.Weekend, Source: "syslog", Kind: "cron", Text: "(root) CMD (test -x /usr/sbin/anacron || run-parts --report /etc/cron.daily)", Ref: "logs/syslog:31980"},
		},
		Inputs: analyze.Inputs{Probes: 2, Beats: 21600, Series: 5, Points: 52800, Events: 41, Patterns: 28},
	}
}

// empty is a window in which no source had anything: the Kuma database is
// an old copy and the log glob matches nothing.
func empty() *analyze.Findings {
	return &analyze.Findings{
		Window:   window("2025-11-20 01:10:00", "2025-11-20 04:10:00"),
		Baseline: window("2025-11-13 01:10:00", "2025-11-20 01:10:00"),
		Zone:     "Asia/Seoul",
		Profile:  "acme-shop",
		Command:  `hindsight analyze --profile acme-shop --around "2025-11-20 03:10"`,
		Impact:   []analyze.Impact{{Probe: "Shop", Source: "kuma", Target: "https://shop.example", Availability: -1}},
		Gaps: []sources.Gap{
			{Source: "kuma", What: "monitor Shop", Reason: "no heartbeats in the window; the database was last written at 2025-11-18 23:59:58 UTC"},
			{Source: "logs", What: "logs/nginx/access.log*", Reason: "no file matched"},
		},
		Inputs: analyze.Inputs{Probes: 1},
	}
}

// nightly is the report one asks for around the 03:00 spike alone
// (--around 03:10): the backup is the only symptom's first suspect.
func nightly() *analyze.Findings {
	day := incident()
	s := day.Symptoms[1]
	s.ID = "S1"
	s.Chart = shopChart(window("2025-11-20 01:10:00", "2025-11-20 04:10:00"), 10*time.Minute, s)
	return &analyze.Findings{
		Window:   window("2025-11-20 01:10:00", "2025-11-20 04:10:00"),
		Baseline: window("2025-11-13 01:10:00", "2025-11-20 01:10:00"),
		Zone:     "Asia/Seoul",
		Profile:  "acme-shop",
		Command:  `hindsight analyze --profile acme-shop --around "2025-11-20 03:10"`,
		Symptoms: []analyze.Symptom{s},
		Impact: []analyze.Impact{{
			Probe: "API", Source: "kuma", Target: "https://api.shop.example/healthz",
			Checks: 180, Availability: 1,
			P50: 40 * time.Millisecond, P95: 212 * time.Millisecond, Max: 1210 * time.Millisecond,
			BaseP50: 40 * time.Millisecond, BaseP95: 198 * time.Millisecond, BaseMax: 1120 * time.Millisecond,
			Sparkline: []float64{0.040, 0.040, 0.041, 0.040, 0.040, 0.040, 0.041, 0.310, 0.290, 0.240, 0.041, 0.040},
		}, {
			Probe: "Shop", Source: "kuma", Target: "https://shop.example",
			Checks: 360, Availability: 1,
			P50: 190 * time.Millisecond, P95: 3900 * time.Millisecond, Max: 4870 * time.Millisecond,
			BaseP50: 185 * time.Millisecond, BaseP95: 3710 * time.Millisecond, BaseMax: 4660 * time.Millisecond,
			Sparkline: []float64{0.18, 0.18, 0.19, 0.18, 0.18, 0.18, 0.19, 2.91, 4.02, 3.37, 0.19, 0.18},
		}},
		Anomalies: []analyze.Anomaly{day.Anomalies[0], day.Anomalies[2]},
		Timeline:  renumber(day.Timeline[:7]),
		Notes:     day.Notes,
		Inputs:    analyze.Inputs{Probes: 2, Beats: 4320, Series: 5, Points: 7200, Events: 19, Patterns: 22},
	}
}

// renumber makes the timeline of the day's S2 that of the night's S1.
func renumber(tl []analyze.TimelineEntry) []analyze.TimelineEntry {
	out := make([]analyze.TimelineEntry, len(tl))
	for i, e := range tl {
		e.Text = strings.Replace(e.Text, "S2 ", "S1 ", 1)
		out[i] = e
	}
	return out
}

// shopChart is the chart analyze would give s over w: the Shop's response
// time, 0.18 s with a small wobble, 4.21 s at the backup's peak, no
// successful check during the outage; business hours 09:00-18:00.
func shopChart(w sources.Window, step time.Duration, s analyze.Symptom) *analyze.Chart {
	c := &analyze.Chart{Title: "Shop response time", Unit: "s", Step: step, Baseline: 0.182, Threshold: 0.4, Marks: []analyze.ChartMark{}}
	for t, i := w.From, 0; t.Before(w.To); t, i = t.Add(step), i+1 {
		p := analyze.ChartPoint{T: t, V: 0.18 + 0.01*float64(i%3)}
		switch {
		case step < time.Hour && !t.Before(kst("2025-11-20 14:00:00")) && t.Before(kst("2025-11-20 14:10:00")):
			p = analyze.ChartPoint{T: t, NoData: true, Failed: 14}
		case t.Equal(kst("2025-11-20 14:00:00")):
			p.Failed = 14
		case !t.Before(kst("2025-11-20 03:00:00")) && t.Before(kst("2025-11-20 03:45:00")):
			p.V = 4.21 - 0.05*float64(i%4)
		}
		c.Points = append(c.Points, p)
	}
	if s.Kind == analyze.Outage { // as analyze draws outages: failed checks
		c.Title, c.Unit, c.Baseline, c.Threshold = "Shop failed checks", "checks", 0, 0
		for i := range c.Points {
			c.Points[i].V, c.Points[i].NoData = float64(c.Points[i].Failed), false
		}
	}
	for _, sus := range s.Suspects {
		c.Marks = append(c.Marks, analyze.ChartMark{Rank: sus.Rank, T: sus.Start, Title: sus.Title})
	}
	for _, b := range [][2]string{{"00:00", "09:00"}, {"09:00", "18:00"}, {"18:00", "24:00"}} {
		from := kst("2025-11-20 " + b[0] + ":00")
		to := kst("2025-11-21 00:00:00")
		if b[1] != "24:00" {
			to = kst("2025-11-20 " + b[1] + ":00")
		}
		from, to = later(from, w.From), earlier(to, w.To)
		if !from.Before(to) {
			continue
		}
		cl := analyze.OffHours
		if b[0] == "09:00" {
			cl = analyze.BusinessHours
		}
		c.Periods = append(c.Periods, analyze.ChartPeriod{From: from, To: to, Class: cl})
	}
	return c
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
