package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	_ "time/tzdata" // the golden files must not depend on the machine's zoneinfo

	"github.com/hindsight-sre/hindsight/analyze"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

var fixtures = []struct {
	name string
	f    func() *analyze.Findings
}{
	{"incident", incident},
	{"nightly", nightly},
	{"quiet", quiet},
	{"empty", empty},
}

var goldenExt = map[string]string{"markdown": "md", "json": "json", "table": "txt"}

func TestGolden(t *testing.T) {
	for _, fx := range fixtures {
		for _, format := range Formats {
			name := fx.name + "." + goldenExt[format] + ".golden"
			t.Run(name, func(t *testing.T) {
				var buf bytes.Buffer
				if err := Write(&buf, format, fx.f()); err != nil {
					t.Fatal(err)
				}
				path := filepath.Join("testdata", name)
				if *update {
					if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./report -update to create it)", err)
				}
				if !bytes.Equal(buf.Bytes(), want) {
					t.Errorf("output differs from %s (go test ./report -update rewrites it):\n%s", path, buf.String())
				}
			})
		}
	}
}
