// Package awsdemo generates the AWS customer's demo: a shop behind an
// Application Load Balancer with its database on RDS, monitored only by
// CloudWatch, its load balancer's access logs delivered to S3.
//
// The story (UTC, times relative to the incident at Incident(end)):
//   - every night at 02:30 a batch job on the database writes its export;
//     RDS CPU rises to ~60 % and free storage falls a little, then is
//     freed at 02:55 when the export is shipped;
//   - on the incident night the export is twice as large: free storage
//     falls to zero at 03:10, the database stops accepting writes, the
//     shop's requests time out: the ALB answers 504 and its target
//     response time reaches ~3 s until 03:24, when storage autoscaling
//     adds space;
//   - decoys that must not be blamed: the EC2 web instances' CPU (steady),
//     and the request count's daily rhythm.
//
// The data is made deterministically from a seed: CloudWatch's raw
// one-minute samples (for internal/awsfake), the same series as CSV files
// as a person would export them, and which minutes' requests fail (for the
// ALB access logs).
package awsdemo

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// LoadBalancer and DB name the demo's resources as CloudWatch does.
const (
	LoadBalancer = "app/shop/50dc6c495c0c9188"
	DB           = "shop-db"
	Account      = "111122223333"
	Region       = "eu-west-1"
)

// Instances are the web servers.
var Instances = []string{"i-0a1b2c3d4e5f60001", "i-0a1b2c3d4e5f60002"}

// Sample is one raw value.
type Sample struct {
	T time.Time
	V float64
}

// Metric is one CloudWatch metric of the demo, with what the cloudwatch
// source's preset calls its series (Name, Stat, Role, Unit), so that the
// same series can be written as a local file.
type Metric struct {
	Namespace, Metric string
	Dims              map[string]string
	Samples           []Sample
	From, To          time.Time // the minutes the data covers
}

// Incident is the moment free storage runs out, for data ending at end:
// 03:10 UTC on end's day, or the day before when end is earlier than that.
func Incident(end time.Time) time.Time {
	d := time.Date(end.Year(), end.Month(), end.Day(), 3, 10, 0, 0, time.UTC)
	if !d.Before(end.Add(-time.Hour)) {
		d = d.AddDate(0, 0, -1)
	}
	return d
}

// Bad says whether a request at t fails (the database is full).
func Bad(incident time.Time) func(time.Time) bool {
	return func(t time.Time) bool { return !t.Before(incident) && t.Before(incident.Add(14*time.Minute)) }
}

// Metrics makes the demo's raw one-minute samples over [from, to).
func Metrics(from, to time.Time, seed uint64) []Metric {
	from, to = from.Truncate(time.Minute), to.Truncate(time.Minute)
	inc := Incident(to)
	bad := Bad(inc)
	r := rand.New(rand.NewPCG(seed, 31))
	lb := map[string]string{"LoadBalancer": LoadBalancer}
	db := map[string]string{"DBInstanceIdentifier": DB}
	mk := func(ns, name string, dims map[string]string, f func(t time.Time) (float64, bool)) Metric {
		m := Metric{Namespace: ns, Metric: name, Dims: dims, From: from, To: to}
		for t := from; t.Before(to); t = t.Add(time.Minute) {
			if v, ok := f(t); ok {
				m.Samples = append(m.Samples, Sample{t, v})
			}
		}
		return m
	}
	// traffic: a daily rhythm, quiet at night (UTC+1 customers).
	traffic := func(t time.Time) float64 {
		h := float64(t.Hour()) + float64(t.Minute())/60
		return 400 + 300*math.Sin((h-9)/24*2*math.Pi)
	}
	batch := func(t time.Time) bool {
		m := t.Hour()*60 + t.Minute()
		return m >= 2*60+30 && m < 2*60+55
	}
	var out []Metric
	out = append(out,
		mk("AWS/ApplicationELB", "TargetResponseTime", lb, func(t time.Time) (float64, bool) {
			if bad(t) {
				return 2.8 + r.Float64()*0.4, true
			}
			return 0.05 + r.Float64()*0.04, true
		}),
		mk("AWS/ApplicationELB", "RequestCount", lb, func(t time.Time) (float64, bool) {
			return math.Round(traffic(t) * (0.95 + r.Float64()*0.1)), true
		}),
		mk("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", lb, func(t time.Time) (float64, bool) {
			// CloudWatch reports a count only for minutes that had one.
			if bad(t) {
				return math.Round(traffic(t) * 0.6), true
			}
			if r.IntN(3000) == 0 {
				return 1, true
			}
			return 0, false
		}),
		mk("AWS/RDS", "CPUUtilization", db, func(t time.Time) (float64, bool) {
			if batch(t) || !t.Before(inc.Add(-40*time.Minute)) && t.Before(inc) {
				return 55 + r.Float64()*10, true
			}
			return 15 + r.Float64()*8, true
		}),
		mk("AWS/RDS", "FreeStorageSpace", db, func(t time.Time) (float64, bool) {
			const gb = 1 << 30
			base := 6.0 * gb
			m := t.Hour()*60 + t.Minute()
			day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
			if day.Equal(time.Date(inc.Year(), inc.Month(), inc.Day(), 0, 0, 0, 0, time.UTC)) {
				// The night it ran out: the export fills the disk from 02:30
				// to 03:10; autoscaling adds 10 GB at 03:24.
				start := inc.Add(-40 * time.Minute)
				switch {
				case t.Before(start):
				case t.Before(inc):
					return base * (1 - t.Sub(start).Minutes()/40), true
				case t.Before(inc.Add(14 * time.Minute)):
					return 0, true
				default:
					return base + 10*gb - 0.2*gb, true
				}
			} else if batch(t) {
				return base - float64(m-150)*0.1*gb, true
			}
			return base + r.Float64()*0.01*gb, true
		}),
	)
	for i, id := range Instances {
		out = append(out, mk("AWS/EC2", "CPUUtilization", map[string]string{"InstanceId": id}, func(t time.Time) (float64, bool) {
			return 20 + float64(i)*5 + r.Float64()*6, true
		}))
	}
	return out
}

// Series is how the cloudwatch source presents one metric: the preset's
// name, statistic, role and unit.
type Series struct {
	Name, Stat, Role, Unit string
	// Zero: CloudWatch reports the count only when it is not zero, and
	// the source fills the minutes between with zeros.
	Zero bool
}

// Presented maps a demo metric to the series the cloudwatch source's
// presets make of it (one metric may give two: p50 and p99).
var Presented = map[string][]Series{
	"AWS/ApplicationELB/TargetResponseTime":        {{"ALB target response time p50", "p50", "latency", "s", false}, {"ALB target response time p99", "p99", "latency", "s", false}},
	"AWS/ApplicationELB/RequestCount":              {{"ALB requests", "Sum", "traffic", "", false}},
	"AWS/ApplicationELB/HTTPCode_Target_5XX_Count": {{"ALB target 5xx", "Sum", "errors", "", true}},
	"AWS/RDS/CPUUtilization":                       {{"RDS CPU", "Average", "saturation", "%", false}},
	"AWS/RDS/FreeStorageSpace":                     {{"RDS free storage", "Minimum", "saturation", "bytes", false}},
	"AWS/EC2/CPUUtilization":                       {{"EC2 CPU", "Average", "saturation", "%", false}},
}

// CSVFile is one series written as the `file` source reads CSV.
type CSVFile struct {
	Path   string // relative to the directory written
	Series Series
	Labels map[string]string
}

// WriteCSV writes each metric's samples, as the series the presets make of
// them at one-minute periods (one sample a period: every statistic is the
// sample), to dir as CSV with the dimensions as label columns,
// and returns what it wrote, sorted by path.
func WriteCSV(dir string, ms []Metric) ([]CSVFile, error) {
	var out []CSVFile
	for _, m := range ms {
		for _, s := range Presented[m.Namespace+"/"+m.Metric] {
			labels := map[string]string{}
			for k, v := range m.Dims {
				labels[k] = v
			}
			if s.Name == "RDS free storage" {
				labels["exhaustion"] = "falling"
			}
			keys := make([]string, 0, len(labels))
			for k := range labels {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			var b bytes.Buffer
			b.WriteString("timestamp,value")
			for _, k := range keys {
				b.WriteString("," + k)
			}
			b.WriteString("\n")
			row := func(t time.Time, v float64) {
				fmt.Fprintf(&b, "%s,%s", t.UTC().Format(time.RFC3339), formatFloat(v))
				for _, k := range keys {
					b.WriteString("," + labels[k])
				}
				b.WriteString("\n")
			}
			i := 0
			for t := m.From; t.Before(m.To); t = t.Add(time.Minute) {
				switch {
				case i < len(m.Samples) && m.Samples[i].T.Equal(t):
					row(t, m.Samples[i].V)
					i++
				case s.Zero:
					row(t, 0)
				}
			}
			name := strings.NewReplacer(" ", "-", "%", "pct").Replace(strings.ToLower(s.Name))
			for _, v := range m.Dims {
				name += "_" + strings.NewReplacer("/", "-").Replace(v)
			}
			path := name + ".csv"
			if err := os.WriteFile(filepath.Join(dir, path), b.Bytes(), 0o644); err != nil {
				return nil, err
			}
			out = append(out, CSVFile{Path: path, Series: s, Labels: labels})
		}
	}
	slices.SortFunc(out, func(a, b CSVFile) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

func formatFloat(v float64) string {
	return strconv.FormatFloat(v, 'g', -1, 64)
}
