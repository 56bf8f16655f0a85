package kuma

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/internal/demo"
	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/sourcetest"
)

// The contract every source keeps, on the demo's Kuma 1 database and on
// the same beats as Kuma 2 holds them a day later (raw + aggregates).
func TestContract(t *testing.T) {
	w := sources.Window{From: demo.Start.AddDate(0, 0, 1), To: demo.End}
	v2 := filepath.Join(t.TempDir(), "kuma2.db")
	if err := demo.KumaV2(v2, demo.End.Add(15*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{"v1": filepath.Join("..", "..", "testdata", "demo", "kuma.db"), "v2": v2} {
		t.Run(name, func(t *testing.T) {
			src, err := New(Config{Name: "kuma", Path: path})
			if err != nil {
				t.Fatal(err)
			}
			sourcetest.Run(t, src, w, time.Minute)
		})
	}
}
