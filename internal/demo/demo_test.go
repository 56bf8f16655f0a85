package demo

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestCheckedInDemoIsGenerated proves testdata/demo is exactly what the
// generator makes, so nobody edits the demo by hand and the generator
// stays the source of truth. Regenerate with: go run ./internal/demo/gendemo
func TestCheckedInDemoIsGenerated(t *testing.T) {
	dir := t.TempDir()
	if err := Generate(dir); err != nil {
		t.Fatal(err)
	}
	made, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(made) < 5 {
		t.Fatalf("generator made only %d files", len(made))
	}
	for _, e := range made {
		want, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join("..", "..", "testdata", "demo", e.Name()))
		if err != nil {
			t.Errorf("%s: %v (hint: go run ./internal/demo/gendemo)", e.Name(), err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("testdata/demo/%s differs from the generator's output (hint: go run ./internal/demo/gendemo)", e.Name())
		}
	}
}
