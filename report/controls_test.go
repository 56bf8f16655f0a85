package report

import (
	"bytes"
	"strings"
	"testing"
)

func TestEscapeControls(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain\ttext\n", "plain\ttext\n"},
		{"clear \x1b[2J now", "clear ␛[2J now"},
		{"title \x1b]0;pwned\x07 bel", "title ␛]0;pwned␇ bel"},
		{"nul\x00 del\x7f cr\r", "nul␀ del␡ cr␍"},
		{"csi \u009b2J é ü", "csi \uFFFD2J é ü"},
	} {
		if got := string(EscapeControls([]byte(c.in))); got != c.want {
			t.Errorf("EscapeControls(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// On a colour terminal the report's own colour codes stay codes; every
// other control, another SGR or an ESC cut short among them, is escaped.
func TestEscapeControlsKeepColor(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain\n", "plain\n"},
		{ansiBold + "S1" + ansiReset + " " + ansiRed + "NEW" + ansiReset, ansiBold + "S1" + ansiReset + " " + ansiRed + "NEW" + ansiReset},
		{ansiYellow + "x\x1b[2J\x1b]0;pwned\x07" + ansiReset, ansiYellow + "x␛[2J␛]0;pwned␇" + ansiReset},
		{"\x1b[4m under \x1b[31 cut \x1b", "␛[4m under ␛[31 cut ␛"},
		{"nul\x00 csi \u009b2J", "nul␀ csi \uFFFD2J"},
	} {
		if got := string(EscapeControlsKeepColor([]byte(c.in))); got != c.want {
			t.Errorf("EscapeControlsKeepColor(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// A monitor or chart named like an HTML tag stays text in Markdown: the
// Impact table and the Mermaid title escape it.
func TestMarkdownEscapesHTMLInNames(t *testing.T) {
	f := incident()
	evil := `<img src=x onerror=alert(1)>`
	f.Impact[0].Probe = evil
	f.Symptoms[0].Chart.Title = evil
	var b bytes.Buffer
	if err := Write(&b, "markdown", f); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	for i := strings.Index(s, "<img"); i >= 0; i = strings.Index(s, "<img") {
		if i == 0 || s[i-1] != '\\' {
			t.Errorf("raw HTML in the Markdown: %q", s[max(0, i-80):min(len(s), i+80)])
		}
		s = s[i+1:]
	}
}
