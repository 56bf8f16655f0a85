package scenarios

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestCheckedInScenariosAreGenerated: testdata/scenarios is exactly what
// the generator makes. Regenerate with go run ./internal/scenarios/genscenarios
func TestCheckedInScenariosAreGenerated(t *testing.T) {
	dir := t.TempDir()
	if err := Generate(dir); err != nil {
		t.Fatal(err)
	}
	n := 0
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		rel, _ := filepath.Rel(dir, path)
		want, _ := os.ReadFile(path)
		got, err := os.ReadFile(filepath.Join("..", "..", "testdata", "scenarios", rel))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("testdata/scenarios/%s differs from the generator's output (hint: go run ./internal/scenarios/genscenarios)", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 12*2 {
		t.Errorf("only %d files generated", n)
	}
}
