package report

import (
	"regexp"
	"strings"
	"testing"
)

// ourTags are the only tags inlineHTML may write.
var ourTags = regexp.MustCompile(`</?(code|strong)>`)

// Log lines, series labels and probe messages reach the HTML report as
// template.HTML through inlineHTML: whatever they hold, the only markup
// that comes out is ours.
func FuzzInlineHTML(f *testing.F) {
	for _, s := range []string{
		"GET /<script>alert(1)</script> 2xx", "`a` **b** \\*c", "<img src=x onerror=alert(1)>", "``x`y``", "**", "a\\",
		`node_load1{instance="web1:9100"} & <*>`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, md := range []string{text(s), code(s), "**" + text(s) + "** " + code(s), s} {
			out := ourTags.ReplaceAllString(string(inlineHTML(md)), "")
			if strings.ContainsAny(out, "<>") {
				t.Fatalf("inlineHTML(%q) lets markup through: %q", md, inlineHTML(md))
			}
		}
	})
}

func TestInlineHTML(t *testing.T) {
	for md, want := range map[string]string{
		"**deploy: v2** began `syslog:1`":    "<strong>deploy: v2</strong> began <code>syslog:1</code>",
		`GET /x \<b> \*`:                     "GET /x &lt;b&gt; *",
		"`` a`b ``":                          "<code>a`b</code>",
		"unclosed `tick":                     "unclosed `tick",
		"template <*> & \"quotes\"":          "template &lt;*&gt; &amp; &#34;quotes&#34;",
		text("backup <*> started on <host>"): "backup &lt;*&gt; started on &lt;host&gt;",
	} {
		if got := string(inlineHTML(md)); got != want {
			t.Errorf("inlineHTML(%q) = %q, want %q", md, got, want)
		}
	}
}
