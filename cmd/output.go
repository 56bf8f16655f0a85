package cmd

import (
	"bytes"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hindsight-sre/hindsight/internal/redact"
	"github.com/hindsight-sre/hindsight/report"
)

// formatByExt is the report format an --output file's extension implies
// when -o is not given.
var formatByExt = map[string]string{
	".md": "markdown", ".markdown": "markdown",
	".json": "json",
	".html": "html", ".htm": "html",
	".txt": "table",
}

// formatNames are words that are a format, not a file name: --output json
// is almost surely a mistake for -o json.
var formatNames = []string{"markdown", "md", "json", "table", "html", "txt", "text", "slack", "csv"}

// outputFormat settles the format of a report written to output: -o when
// it was given, else the one output's extension implies (.md, .json,
// .html, .txt), else def. A bare format name as the file ("--output json")
// is refused with a hint, and so is an extension whose format the command
// cannot write.
func outputFormat(c *cobra.Command, format, output string, formats []string) (string, error) {
	if output == "" || output == "-" {
		return format, nil
	}
	base := filepath.Base(output)
	if base == output && slices.Contains(formatNames, strings.ToLower(base)) {
		want := strings.ToLower(base)
		switch want {
		case "txt", "text":
			want = "table"
		case "md":
			want = "markdown"
		}
		file := "report." + want
		for ext, f := range formatByExt {
			if f == want && len(ext) <= len(filepath.Ext(file)) {
				file = "report" + ext
			}
		}
		return "", usageErrorf("--output %q would write the report into a file named %q\nhint: did you mean -o %s? (-o is the format, --output the file; --output %s picks both)",
			output, output, want, file)
	}
	if c.Flags().Changed("output-format") {
		return format, nil
	}
	ext := strings.ToLower(filepath.Ext(output))
	f, ok := formatByExt[ext]
	if !ok {
		return format, nil
	}
	if !slices.Contains(formats, f) {
		return "", usageErrorf("--output %s: this command does not write %s\nhint: use one of %s, or give -o", output, f, strings.Join(formats, ", "))
	}
	return f, nil
}

// stdoutOptions are the report.Options for a report written to path: the
// terminal's, asked of stdout itself, when path is stdout. (The renderer
// writes into the buffer that redacts it, which is no terminal: asked
// there, the table was never fitted to the terminal's width.)
func stdoutOptions(path string, stdout io.Writer) report.Options {
	if path == "" || path == "-" {
		return report.Detect(stdout)
	}
	return report.Options{}
}

// writeReport writes a report rendered with opts as writeOutput does, or,
// with makeDirs (a summary's date-templated path), as writeFileOutput does;
// on a colour terminal its colour codes stay codes while secrets are
// masked and every other control character is made visible, as always.
func writeReport(path string, makeDirs bool, opts report.Options, write func(io.Writer) error, stdout io.Writer) error {
	if !opts.Color || path != "" && path != "-" {
		if makeDirs {
			return writeFileOutput(path, write, stdout)
		}
		return writeOutput(path, write, stdout)
	}
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return writeFailed("report", "", err)
	}
	if _, err := stdout.Write(report.EscapeControlsKeepColor(redact.Bytes(buf.Bytes()))); err != nil {
		return writeFailed("report", "", err)
	}
	return nil
}
