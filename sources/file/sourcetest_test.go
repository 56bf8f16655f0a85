package file

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/internal/demo"
	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/sourcetest"
)

func TestSourceContract(t *testing.T) {
	src, err := New(Config{Name: "metrics", Path: filepath.Join("..", "..", "testdata", "demo", "metrics.om.gz")})
	if err != nil {
		t.Fatal(err)
	}
	sourcetest.Run(t, src, sources.Window{From: demo.Start.AddDate(0, 0, 2), To: demo.End.Add(-time.Hour)}, time.Minute)
}
