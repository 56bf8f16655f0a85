package cmd

import (
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
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
