package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/analyze"
)

// The browser tests render the HTML report and the Markdown's Mermaid
// charts in a real headless Chromium (Debian's chromium package) and check
// that every chart came out: no Mermaid error, an SVG with marks in it,
// and pixels on the screenshot where it stands.
//
// Chromium is driven through its command line (--dump-dom and
// --screenshot) rather than chromedp: two flags do all this test needs,
// and the project keeps a dependency and a protocol client out of its
// module graph. The page itself measures its charts (a small script
// writes their boxes into the DOM), so the screenshot can be cut up
// without a DevTools connection.
//
// Mermaid is the npm package, installed at test time into .cache/mermaid
// at the repository root (ignored by git), or read from
// $HINDSIGHT_MERMAID_JS. Set HINDSIGHT_SCREENSHOTS=DIR to keep the PNGs.

const mermaidVersion = "11.17.2"

func needBrowser(t *testing.T) string {
	t.Helper()
	if os.Getenv("HINDSIGHT_SKIP_INTEGRATION") == "1" {
		t.Skip("HINDSIGHT_SKIP_INTEGRATION=1: skipping the headless Chromium test of the HTML and Mermaid charts")
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium found\nhint: run ./scripts/test.sh, which installs Debian's chromium, or set HINDSIGHT_SKIP_INTEGRATION=1 to skip on purpose")
	return ""
}

func mermaidJS(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("HINDSIGHT_MERMAID_JS"); p != "" {
		return p
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, ".cache", "mermaid-"+mermaidVersion)
	js := filepath.Join(dir, "node_modules", "mermaid", "dist", "mermaid.min.js")
	if _, err := os.Stat(js); err == nil {
		return js
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Fatal("npm not found, and Mermaid is not installed\nhint: install Node.js and npm, or set HINDSIGHT_MERMAID_JS to mermaid.min.js")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "install", "--prefix", dir, "--no-audit", "--no-fund", "--no-save", "mermaid@"+mermaidVersion)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm install mermaid@%s: %v\n%s", mermaidVersion, err, out)
	}
	return js
}

// chartBox is what the probe script reports about one chart.
type chartBox struct {
	X, Y, W, H float64
	Marks      int    // path, polyline, rect, line and circle elements
	Error      string // Mermaid's error, or "" when it rendered
	Text       string
}

type pageResult struct {
	Charts []chartBox
	Height float64
	Error  string
}

// probe runs in the page: for Mermaid pages it renders each block on its
// own (so that an error names its chart), then it measures every chart.
const probe = `<script>
(async () => {
  const out = {charts: [], height: 0, error: ""};
  try {
    let sel = "svg.chart";
    if (window.mermaid) {
      sel = ".mermaid-box > svg";
      mermaid.initialize({startOnLoad: false, theme: "default", securityLevel: "strict"});
      const pres = Array.from(document.querySelectorAll("pre.mermaid"));
      for (let i = 0; i < pres.length; i++) {
        const box = document.createElement("div");
        box.className = "mermaid-box";
        box.dataset.index = i;
        try {
          const r = await mermaid.render("chart" + i, pres[i].textContent);
          box.innerHTML = r.svg;
        } catch (e) {
          box.dataset.error = String((e && e.message) || e) || "unknown error";
        }
        pres[i].replaceWith(box);
      }
      document.querySelectorAll(".mermaid-box").forEach(b => {
        if (b.dataset.error) { out.charts.push({error: b.dataset.error}); return; }
        const s = b.querySelector("svg");
        if (!s) { out.charts.push({error: "no svg"}); return; }
        const r = s.getBoundingClientRect();
        const txt = s.textContent || "";
        out.charts.push({x: r.x + scrollX, y: r.y + scrollY, w: r.width, h: r.height,
          marks: s.querySelectorAll("path, polyline, rect, line, circle").length,
          error: /syntax error/i.test(txt) ? "syntax error drawn in the chart" : "", text: txt.slice(0, 120)});
      });
    } else {
      document.querySelectorAll(sel).forEach(s => {
        const r = s.getBoundingClientRect();
        out.charts.push({x: r.x + scrollX, y: r.y + scrollY, w: r.width, h: r.height,
          marks: s.querySelectorAll("path, polyline, rect, line, circle").length, error: "", text: (s.textContent || "").slice(0, 120)});
      });
    }
  } catch (e) { out.error = String(e); }
  out.height = Math.ceil(document.documentElement.scrollHeight);
  const pre = document.createElement("pre");
  pre.id = "hindsight-probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>`

const pageWidth = 1200

// render loads page in Chromium twice: once for the DOM (the probe's
// result), once for a screenshot as tall as the page.
func render(t *testing.T, chromium, page string) (pageResult, image.Image) {
	t.Helper()
	dir := t.TempDir()
	run := func(args ...string) []byte {
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync",
			"--hide-scrollbars", "--force-device-scale-factor=1", "--allow-file-access-from-files",
			"--user-data-dir=" + filepath.Join(dir, fmt.Sprintf("profile-%d", time.Now().UnixNano())),
			"--virtual-time-budget=20000"}
		cmd := exec.CommandContext(ctx, chromium, append(base, args...)...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
		}
		return stdout.Bytes()
	}
	url := "file://" + page
	dom := run(fmt.Sprintf("--window-size=%d,1000", pageWidth), "--dump-dom", url)
	m := regexp.MustCompile(`(?s)<pre id="hindsight-probe">(.*?)</pre>`).FindSubmatch(dom)
	if m == nil {
		t.Fatalf("%s: the probe did not run; DOM:\n%.2000s", page, dom)
	}
	var res pageResult
	if err := json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &res); err != nil {
		t.Fatalf("probe result: %v\n%s", err, m[1])
	}
	if res.Error != "" {
		t.Fatalf("%s: the probe failed: %s", page, res.Error)
	}
	shot := filepath.Join(dir, "shot.png")
	run(fmt.Sprintf("--window-size=%d,%d", pageWidth, int(res.Height)+20), "--screenshot="+shot, url)
	if keep := os.Getenv("HINDSIGHT_SCREENSHOTS"); keep != "" {
		b, _ := os.ReadFile(shot)
		name := strings.TrimSuffix(filepath.Base(page), ".html") + ".png"
		if err := os.WriteFile(filepath.Join(keep, name), b, 0o644); err != nil {
			t.Log(err)
		}
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	return res, img
}

// ink counts the pixels in box that are not near-white, and those of them
// that are coloured (not grey): a drawn series is both.
func ink(img image.Image, c chartBox) (dark, coloured, total int) {
	r := image.Rect(int(c.X), int(c.Y), int(c.X+c.W), int(c.Y+c.H)).Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			R, G, B := int(cr>>8), int(cg>>8), int(cb>>8)
			total++
			if R < 225 || G < 225 || B < 225 {
				dark++
				if max(R, G, B)-min(R, G, B) > 60 {
					coloured++
				}
			}
		}
	}
	return dark, coloured, total
}

func checkCharts(t *testing.T, name string, res pageResult, img image.Image, want int) {
	t.Helper()
	if len(res.Charts) != want {
		t.Fatalf("%s: %d charts on the page, want %d", name, len(res.Charts), want)
	}
	for i, c := range res.Charts {
		if c.Error != "" {
			t.Errorf("%s chart %d: %s", name, i+1, c.Error)
			continue
		}
		if c.W < 300 || c.H < 100 || c.Marks < 5 {
			t.Errorf("%s chart %d: %.0f×%.0f px with %d marks; want a drawn chart", name, i+1, c.W, c.H, c.Marks)
			continue
		}
		dark, coloured, total := ink(img, c)
		if total == 0 || float64(dark)/float64(total) < 0.01 || coloured < 50 {
			t.Errorf("%s chart %d: %d of %d pixels inked, %d coloured; looks blank", name, i+1, dark, total, coloured)
		}
		t.Logf("%s chart %d: %.0f×%.0f px, %d marks, %.1f%% inked, %d coloured pixels", name, i+1, c.W, c.H, c.Marks,
			100*float64(dark)/float64(total), coloured)
	}
}

// browserCases are the fixtures with charts and the demo's two stories as
// analyze wrote them (testdata/demo-*.json, regenerated with
// go run . analyze --config testdata/demo/hindsight.yaml --around "2025-11-21 14:05" -o json > report/testdata/demo-outage.json
// and --around "2025-11-20 03:10" for demo-nightly.json).
var browserCases = []struct {
	name   string
	charts int
}{{"incident", 2}, {"nightly", 1}, {"demo-nightly", 1}, {"demo-outage", 1}}

func TestBrowserHTMLCharts(t *testing.T) {
	chromium := needBrowser(t)
	dir := t.TempDir()
	for _, fx := range browserCases {
		doc := mustWrite(t, "html", fixtureByName(t, fx.name))
		// Self-contained: nothing is fetched (no script, no src or href, no
		// link, no CSS url() or @import). URLs in the text are only text.
		for _, bad := range []string{"<script", " src=", " href=", "<link", "url(", "@import", "<iframe", "<object", "<embed"} {
			if strings.Contains(doc, bad) {
				t.Errorf("%s: the HTML report is not self-contained: it has %q", fx.name, bad)
			}
		}
		page := filepath.Join(dir, fx.name+"-report.html")
		if err := os.WriteFile(page, []byte(strings.Replace(doc, "</body>", probe+"\n</body>", 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		res, img := render(t, chromium, page)
		checkCharts(t, fx.name+" html", res, img, fx.charts)
	}
}

var mermaidBlock = regexp.MustCompile("(?s)```mermaid\n(.*?)```")

func mermaidPage(t *testing.T, dir, name, js string, blocks []string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + name + "</title>\n")
	b.WriteString(`<script src="file://` + html.EscapeString(js) + `"></script>` + "\n")
	b.WriteString("<style>body{font-family:sans-serif;margin:1rem;width:1100px} .mermaid-box{margin:1rem 0}</style></head><body>\n")
	for _, blk := range blocks {
		b.WriteString(`<pre class="mermaid">` + html.EscapeString(blk) + "</pre>\n")
	}
	b.WriteString(probe + "\n</body></html>\n")
	page := filepath.Join(dir, name+".html")
	if err := os.WriteFile(page, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return page
}

func TestBrowserMermaidCharts(t *testing.T) {
	chromium := needBrowser(t)
	js := mermaidJS(t)
	dir := t.TempDir()
	for _, fx := range browserCases {
		md := mustWrite(t, "markdown", fixtureByName(t, fx.name))
		var blocks []string
		for _, m := range mermaidBlock.FindAllStringSubmatch(md, -1) {
			blocks = append(blocks, m[1])
		}
		page := mermaidPage(t, dir, fx.name+"-mermaid", js, blocks)
		res, img := render(t, chromium, page)
		checkCharts(t, fx.name+" mermaid", res, img, fx.charts)
	}

	// The check itself must see a broken chart.
	page := mermaidPage(t, dir, "broken-mermaid", js, []string{"xychart-beta\n    x-axis [\"a\", \"b\"\n    line [1, 2]\n"})
	res, _ := render(t, chromium, page)
	if len(res.Charts) != 1 || res.Charts[0].Error == "" {
		t.Errorf("a chart with a syntax error was not reported: %+v", res.Charts)
	}
}

func fixtureByName(t *testing.T, name string) *analyze.Findings {
	t.Helper()
	if strings.HasPrefix(name, "demo-") {
		b, err := os.ReadFile(filepath.Join("testdata", name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var doc struct{ Findings *analyze.Findings }
		if err := ReadJSON(b, &doc); err != nil || doc.Findings == nil {
			t.Fatalf("%s.json: %v", name, err)
		}
		return doc.Findings
	}
	for _, fx := range fixtures {
		if fx.name == name {
			return fx.f()
		}
	}
	t.Fatalf("no fixture %q", name)
	return nil
}
