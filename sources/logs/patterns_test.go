package logs

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestMineChunks: a large plain file mined in chunks on two cores gives
// the templates and counts of one core, and every example names the line
// it is on (the chunks' line numbers continue from the chunks before).
func TestMineChunks(t *testing.T) {
	var b strings.Builder
	for i := range 3000 {
		switch {
		case i > 2500 && i%50 == 0: // only in the second chunk
			fmt.Fprintf(&b, "10.0.0.%d - - [20/Nov/2025:03:%02d:%02d +0900] \"DELETE /api/items/%d HTTP/1.1\" 204 0 \"-\" \"curl/8\" 0.0\n", i%200, i/60%60, i%60, i)
		case i%3 == 0:
			fmt.Fprintf(&b, "10.0.0.%d - - [20/Nov/2025:03:%02d:%02d +0900] \"GET /api/items/%d HTTP/1.1\" %d 512 \"-\" \"curl/8\" 0.0%d\n", i%200, i/60%60, i%60, i, 200+i%7/6*300, i%10)
		case i%3 == 1:
			fmt.Fprintf(&b, "10.0.0.%d - - [20/Nov/2025:03:%02d:%02d +0900] \"POST /login HTTP/1.1\" 302 0 \"-\" \"curl/8\" 0.1\n", i%200, i/60%60, i%60)
		default:
			fmt.Fprintf(&b, "10.0.0.%d - - [20/Nov/2025:03:%02d:%02d +0900] \"GET /static/app.js?v=%d HTTP/1.1\" 304 0 \"-\" \"curl/8\" 0.0\n", i%200, i/60%60, i%60, i)
		}
	}
	p := mustWrite(t, t.TempDir(), "access.log", b.String())
	fileLines := strings.Split(b.String(), "\n")

	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	old := parallelMin
	defer func() { parallelMin = old }()

	parallelMin = 1 << 40
	one, err := Mine(context.Background(), []string{p}, MineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	parallelMin = 1 << 10
	two, err := Mine(context.Background(), []string{p}, MineOptions{})
	if err != nil {
		t.Fatal(err)
	}
	summary := func(m *Mined) []string {
		var out []string
		for _, t := range m.Templates {
			out = append(out, fmt.Sprintf("%d %s", t.Count, t.Template))
		}
		slices.Sort(out)
		return out
	}
	if a, b := summary(one), summary(two); !slices.Equal(a, b) || one.Lines != two.Lines || two.Lines != 3000 {
		t.Fatalf("one core %v (%d lines)\nchunks %v (%d lines)", a, one.Lines, b, two.Lines)
	}
	chunked := false
	for _, tm := range two.Templates {
		ex := tm.Example
		if ex.Line <= 0 || ex.Line > len(fileLines) || fileLines[ex.Line-1] != ex.Text {
			t.Errorf("%s: example %s does not name its line (%q)", tm.Template, ex.Ref(), ex.Text)
		}
		if ex.Line > 1000 {
			chunked = true
		}
	}
	if !chunked {
		t.Error("no example from the second chunk: the test does not test what it says")
	}
}
