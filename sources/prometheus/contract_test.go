package prometheus

import (
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/sourcetest"
)

// The contract every source keeps, against both real servers.
func TestContract(t *testing.T) {
	w := sources.Window{From: time.Date(2025, 11, 20, 15, 0, 0, 0, time.UTC), To: time.Date(2025, 11, 21, 15, 0, 0, 0, time.UTC)}
	for _, b := range mustBackends(t) {
		t.Run(b.name, func(t *testing.T) {
			c := DefaultConfig()
			c.Name, c.URL = "prom", b.url
			src, err := New(c)
			if err != nil {
				t.Fatal(err)
			}
			sourcetest.Run(t, src, w, time.Minute)
		})
	}
}
