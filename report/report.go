// Package report renders analyze.Findings for people and for programs:
// Markdown for the postmortem, JSON for tools, a plain table for the
// terminal.
//
// It sits at the end of the pipeline (sources → analyze → report) and only
// formats: every number it prints is a field of Findings, rounded, converted
// to local time or given a unit, never computed anew. It performs no I/O
// beyond writing to the io.Writer it is given and reads no clock.
package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/hindsight-sre/hindsight/analyze"
)

// Formats are the names Write accepts, in the order a help text lists them.
// "md" is also accepted for "markdown".
var Formats = []string{"markdown", "json", "table"}

// Write renders f to w as format: "markdown" (or "md"), "json" or "table",
// case-insensitively. An unknown format is an error that names the valid
// ones. The whole report is rendered before the first byte is written, so a
// failed render writes nothing; f is not modified.
func Write(w io.Writer, format string, f *analyze.Findings) error {
	if f == nil {
		return errors.New("report: no findings to render")
	}
	var (
		buf bytes.Buffer
		err error
	)
	switch strings.ToLower(strings.TrimSpace(format)) {
	case "markdown", "md":
		err = writeMarkdown(&buf, newView(f))
	case "json":
		err = writeJSON(&buf, f)
	case "table":
		err = writeTable(&buf, newView(f))
	default:
		return fmt.Errorf("unknown report format %q (want %s)", format, strings.Join(Formats, ", "))
	}
	if err != nil {
		return fmt.Errorf("report %s: %w", format, err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}
