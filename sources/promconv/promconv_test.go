package promconv

import (
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

func TestSelectorEscapes(t *testing.T) {
	got := Selector("x", map[string]string{"path": `C:\dir "quoted"`, "msg": "a\nb"})
	want := `x{msg="a\nb",path="C:\\dir \"quoted\""}`
	if got != want {
		t.Errorf("Selector = %s, want %s", got, want)
	}
}

func TestRateUnits(t *testing.T) {
	t0 := time.Unix(1763564400, 0)
	pts := []sources.Point{{T: t0, V: 0}, {T: t0.Add(time.Minute), V: 600}}
	for name, want := range map[string]string{
		"node_network_receive_bytes_total": "B/s",
		"node_cpu_seconds_total":           "s/s",
		"http_requests_total":              "1/s",
	} {
		_, series := Convert("p", []Raw{{Name: name, Type: "counter", Points: pts}}, Options{RateCounters: true})
		if len(series) != 1 || series[0].Unit != want || series[0].Points[0].V != 10 {
			t.Errorf("%s: %+v, want unit %s and rate 10", name, series, want)
		}
	}
}

// A request counter split by status counts errors in its 5xx series, and
// traffic in the others.
func TestRoleOfStatusLabels(t *testing.T) {
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   sources.Role
	}{
		{"http_requests_total", map[string]string{"code": "500"}, sources.Errors},
		{"istio_requests_total", map[string]string{"response_code": "503"}, sources.Errors},
		{"http_requests_total", map[string]string{"status": "5xx"}, sources.Errors},
		{"http_requests_total", map[string]string{"code": "200"}, sources.Traffic},
		{"http_requests_total", nil, sources.Traffic},
		{"node_cpu_seconds_total", map[string]string{"code": "500"}, sources.Saturation},
	} {
		if got := RoleOf(c.name, c.labels); got != c.want {
			t.Errorf("RoleOf(%s, %v) = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
}
