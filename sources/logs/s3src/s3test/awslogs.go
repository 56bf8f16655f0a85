package s3test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math/rand/v2"
	"time"
)

// ALB makes Application Load Balancer access logs as AWS delivers them:
// a gzip object per load balancer node every five minutes, under
// AWSLogs/<account>/elasticloadbalancing/<region>/yyyy/mm/dd/, named by
// the end of its period. Lines are in the documented field order (the
// ELB user guide, "Access log entries"), deterministic for a seed.
type ALB struct {
	Prefix          string // before AWSLogs/, "" or ending in "/"
	Account, Region string
	Name            string // the load balancer, "shop"
	Nodes           int    // node addresses 10.0.1.5, 10.0.1.6, ...
	PerObject       int    // lines in each object
	Seed            uint64
	// Bad, when set, says whether a request at t fails: the target
	// times out and the load balancer answers 504 (times -1).
	Bad func(t time.Time) bool
}

// Line is what an object holds of one request.
type Line struct {
	T       time.Time
	Status  int
	Latency float64 // seconds, -1 when not known
}

// Object is a generated object.
type Object struct {
	Key   string
	Body  []byte // gzip
	Stamp time.Time
	Lines []Line
}

var routes = []string{"/", "/api/items/%d", "/api/cart", "/static/app.%d.js", "/api/orders/%d/status", "/healthz"}

// Objects makes the objects whose periods end in (from, to], five
// minutes apart, for every node.
func (a ALB) Objects(from, to time.Time) []Object {
	r := rand.New(rand.NewPCG(a.Seed, 16))
	var out []Object
	lbID := "50dc6c495c0c9188"
	for end := from.Truncate(5 * time.Minute).Add(5 * time.Minute); !end.After(to); end = end.Add(5 * time.Minute) {
		for n := range max(a.Nodes, 1) {
			node := fmt.Sprintf("10.0.1.%d", 5+n)
			var raw bytes.Buffer
			o := Object{Stamp: end, Key: fmt.Sprintf("%sAWSLogs/%s/elasticloadbalancing/%s/%s/%s_elasticloadbalancing_%s_app.%s.%s_%s_%s_%08x.log.gz",
				a.Prefix, a.Account, a.Region, end.Format("2006/01/02"), a.Account, a.Region, a.Name, lbID, end.Format("20060102T1504Z"), node, r.Uint32())}
			start := end.Add(-5 * time.Minute)
			for i := range a.PerObject {
				t := start.Add(time.Duration(i+1) * 5 * time.Minute / time.Duration(a.PerObject+1)).Add(time.Duration(r.IntN(1000)) * time.Microsecond)
				path := routes[r.IntN(len(routes))]
				if bytes.Contains([]byte(path), []byte("%d")) {
					path = fmt.Sprintf(path, r.IntN(5000))
				}
				method := "GET"
				if path == "/api/cart" && r.IntN(3) == 0 {
					method = "POST"
				}
				l := Line{T: t, Status: 200}
				reqT, tgtT, respT := 0.001, 0.010+float64(r.IntN(80))/1000, 0.000
				tgtStatus := "200"
				target := "10.0.2.11:8080"
				switch {
				case a.Bad != nil && a.Bad(t):
					l.Status, reqT, tgtT, respT, tgtStatus, target = 504, -1, -1, -1, "-", "-"
				case r.IntN(50) == 0:
					l.Status, tgtStatus = 404, "404"
				}
				if reqT >= 0 {
					l.Latency = reqT + tgtT + respT
				} else {
					l.Latency = -1
				}
				times := fmt.Sprintf("%.3f %.3f %.3f", reqT, tgtT, respT)
				if reqT < 0 {
					times = "-1 -1 -1"
				}
				fmt.Fprintf(&raw, "https %s app/%s/%s 203.0.113.%d:%d %s %s %d %s %d %d \"%s https://shop.example.com:443%s HTTP/1.1\" \"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36\" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:%s:%s:targetgroup/%s/6d0ecf831eec9f09 \"Root=1-%08x-%024x\" \"shop.example.com\" \"arn:aws:acm:%s:%s:certificate/12345678-1234-1234-1234-123456789012\" 0 %s \"forward\" \"-\" \"-\" \"%s\" \"%s\" \"-\" \"-\" TID_%016x\n",
					t.UTC().Format("2006-01-02T15:04:05.000000Z"), a.Name, lbID, r.IntN(250), 1024+r.IntN(60000), target,
					times, l.Status, tgtStatus, 200+r.IntN(400), 500+r.IntN(20000), method, path,
					a.Region, a.Account, a.Name, t.Unix(), r.Uint64(), a.Region, a.Account,
					t.Add(-40*time.Millisecond).UTC().Format("2006-01-02T15:04:05.000000Z"), target, tgtStatus, r.Uint64())
				o.Lines = append(o.Lines, l)
			}
			o.Body = Gzip(raw.Bytes())
			out = append(out, o)
		}
	}
	return out
}

// Gzip compresses b.
func Gzip(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}
