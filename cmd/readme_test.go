package cmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The README's demo output is what the demo prints: the excerpt after
// each command (a > quote: each paragraph, its lines rewrapped, appears in
// the output; a text block: each line is a line of it). A change to the
// wording or the analysis that the README does not follow fails here.
func TestREADMEShowsRealOutput(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	config := filepath.Join("..", "testdata", "demo", "hindsight.yaml")
	state := t.TempDir()
	// In the order the README runs them: the second summary compares
	// with the state the first saved.
	for _, c := range []struct {
		command string
		extra   []string
	}{
		{`go run . analyze --config testdata/demo/hindsight.yaml --around "2025-11-20 03:10"`, nil},
		{`hindsight summary --config testdata/demo/hindsight.yaml --at "2025-11-20 07:00"`, []string{"--state", state}},
		{`hindsight summary --config testdata/demo/hindsight.yaml --at "2025-11-21 07:00"`, []string{"--state", state}},
		{`hindsight sla --config testdata/demo/hindsight.yaml --period month --at 2025-11-20 -o table`, nil},
	} {
		quote, text, err := readmeExcerpt(readme, c.command)
		if err != nil {
			t.Errorf("README: %v", err)
			continue
		}
		args := append(shellWords(strings.TrimPrefix(strings.TrimPrefix(c.command, "go run . "), "hindsight ")), c.extra...)
		for i, a := range args {
			if a == "testdata/demo/hindsight.yaml" {
				args[i] = config
			}
		}
		var out, errb strings.Builder
		if code := run(context.Background(), args, &out, &errb); code != exitOK {
			t.Errorf("%s: exit %d\n%s", c.command, code, errb.String())
			continue
		}
		flat := strings.Join(strings.Fields(out.String()), " ")
		for _, p := range quote {
			if !strings.Contains(flat, p) {
				t.Errorf("the README shows after %s:\n  %s\nwhich the output does not say:\n%s", c.command, p, out.String())
			}
		}
		lines := map[string]bool{}
		for _, l := range strings.Split(out.String(), "\n") {
			lines[strings.TrimRight(l, " ")] = true
		}
		for _, l := range text {
			if !lines[l] {
				t.Errorf("the README shows after %s the line\n  %s\nwhich the output does not have:\n%s", c.command, l, out.String())
			}
		}
	}
}

// readmeExcerpt is the output the README shows after command, before the
// next command block: the paragraphs of a > quote (lines joined, spaces
// collapsed) and the lines of a text block.
func readmeExcerpt(readme, command string) (quote, text []string, err error) {
	i := strings.Index(readme, command)
	if i < 0 {
		return nil, nil, fmt.Errorf("no command %s", command)
	}
	rest := strings.Split(readme[i+len(command):], "\n")
	var para []string
	flush := func() {
		if len(para) > 0 {
			quote = append(quote, strings.Join(strings.Fields(strings.Join(para, " ")), " "))
			para = nil
		}
	}
	inText, closed := false, false
	for _, l := range rest {
		switch {
		case !closed:
			closed = strings.HasPrefix(l, "```") // the end of the command's block
		case inText && l == "```":
			inText = false
		case inText:
			text = append(text, strings.TrimRight(l, " "))
		case l == "```text":
			inText = true
		case strings.HasPrefix(l, "```"):
			flush()
			return quote, text, excerptErr(command, quote, text)
		case strings.HasPrefix(l, ">"):
			if p := strings.TrimSpace(strings.TrimPrefix(l, ">")); p != "" {
				para = append(para, p)
			} else {
				flush()
			}
		default:
			flush()
		}
	}
	flush()
	return quote, text, excerptErr(command, quote, text)
}

func excerptErr(command string, quote, text []string) error {
	if len(quote) == 0 && len(text) == 0 {
		return fmt.Errorf("no output shown after %s", command)
	}
	return nil
}

// shellWords splits a command line at blanks, "double quotes" grouping.
func shellWords(s string) []string {
	var words []string
	var w strings.Builder
	quoted, in := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, in = !quoted, true
		case r == ' ' && !quoted:
			if in {
				words = append(words, w.String())
				w.Reset()
			}
			in = false
		default:
			w.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, w.String())
	}
	return words
}
