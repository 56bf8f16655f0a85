package logs

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

// A file rotated (renamed, and a new one created under its name) between
// the listing and the read is a gap that says so, not a silent skip of
// the month it held.
func TestRotatedBetweenListingAndRead(t *testing.T) {
	dir := t.TempDir()
	t0 := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	var b strings.Builder
	for i := range 24 * 60 {
		fmt.Fprintf(&b, "%s web1 app[1]: INFO request %d served\n", t0.Add(time.Duration(i)*time.Minute).Format(time.RFC3339), i)
	}
	path := mustWrite(t, dir, "app.log", b.String())
	afterFind = func() {
		if err := os.Rename(path, path+".1"); err != nil {
			t.Error(err)
		}
		mustWrite(t, dir, "app.log", t0.Add(25*time.Hour).Format(time.RFC3339)+" web1 app[1]: INFO new file\n")
	}
	defer func() { afterFind = nil }()
	w := sources.Window{From: t0, To: t0.Add(24 * time.Hour)}
	ds := mustFetch(t, Config{Name: "app", Paths: []string{filepath.Join(dir, "app.log*")}, Location: time.UTC}, w, time.Minute)
	if !slices.ContainsFunc(ds.Gaps, func(g sources.Gap) bool { return strings.Contains(g.Reason, "rotated") }) {
		t.Errorf("no gap says the file was rotated: %v", ds.Gaps)
	}
}
