package logs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// genNginx writes a day of a busy nginx log: n lines spread evenly over 24
// hours from t0, with realistic routes, statuses and request times.
func genNginx(n int) string {
	var b strings.Builder
	routes := []string{"/", "/api/items/%d", "/api/cart", "/static/app.%x.js", "/login", "/api/search?q=%d"}
	kst := time.FixedZone("KST", 9*3600)
	for i := range n {
		t := t0.Add(time.Duration(i) * (24 * time.Hour / time.Duration(n))).In(kst)
		route := routes[i%len(routes)]
		if strings.Contains(route, "%") {
			route = fmt.Sprintf(route, i%997)
		}
		status := 200
		switch {
		case i%97 == 0:
			status = 502
		case i%13 == 0:
			status = 404
		}
		fmt.Fprintf(&b, `10.%d.%d.%d - - [%s] "GET %s HTTP/1.1" %d %d "https://shop.example/" "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0" %d.%03d`+"\n",
			i%256, i/256%256, i%7, t.Format("02/Jan/2006:15:04:05 -0700"), route, status, 500+i%3000, i%3/2, i%1000)
	}
	return b.String()
}

// BenchmarkFetchNginx reads a generated day of nginx log (300k lines,
// ~60 MB). window=day parses every line; window=hour parses the timestamps
// of all and the rest of 1/24 of them.
func BenchmarkFetchNginx(b *testing.B) {
	const lines = 300_000
	data := genNginx(lines)
	dir := b.TempDir()
	for _, compressed := range []bool{false, true} {
		name := "access.log"
		if compressed {
			name = "access.log.1.gz"
		}
		p := filepath.Join(dir, name)
		content := []byte(data)
		if compressed {
			content = gz(b, content)
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			b.Fatal(err)
		}
		for _, win := range []struct {
			name string
			w    sources.Window
		}{
			{"day", sources.Window{From: t0, To: t0.Add(24 * time.Hour)}},
			{"hour", sources.Window{From: t0.Add(12 * time.Hour), To: t0.Add(13 * time.Hour)}},
		} {
			b.Run(fmt.Sprintf("gzip=%v/window=%s", compressed, win.name), func(b *testing.B) {
				s, err := New(Config{Paths: []string{p}, Format: FormatNginx})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					ds, err := s.Fetch(context.Background(), win.w, time.Minute)
					if err != nil || len(ds.Series) != 5 || len(ds.Gaps) != 0 {
						b.Fatalf("err %v, %d series, gaps %v", err, len(ds.Series), ds.Gaps)
					}
				}
				sec := b.Elapsed().Seconds()
				b.ReportMetric(float64(len(data))*float64(b.N)/1e6/sec, "MB/s")
				b.ReportMetric(float64(lines)*float64(b.N)/sec, "lines/s")
			})
		}
	}
}
