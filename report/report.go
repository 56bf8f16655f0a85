// Package report renders analyze.Findings for people and for programs:
// Markdown for the postmortem, JSON for tools, a report for the terminal (-o table,
// fitted to its width, whole when piped), and a self-contained HTML page.
//
// It sits at the end of the pipeline (sources → analyze → report) and only
// formats: every number it prints is a field of Findings, rounded, converted
// to local time or given a unit, never computed anew. It performs no I/O
// beyond writing to the io.Writer it is given and reads no clock; the one
// look outside is Detect, which asks whether that writer is a terminal and
// whether NO_COLOR is set.
package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mattn/go-isatty"
	"golang.org/x/term"

	"github.com/hindsight-sre/hindsight/analyze"
)

// Formats are the names Write accepts, in the order a help text lists them.
// "md" is also accepted for "markdown".
var Formats = []string{"markdown", "json", "table", "html"}

// Options say how a report meets its reader. Only the table uses them.
type Options struct {
	// Terminal: a person reads the table on a terminal, so it is fitted
	// to Width (the summary's tables aligned without borders); otherwise the
	// summary's tables are tab-separated, for cut, awk and
	// spreadsheets.
	Terminal bool
	// Color adds ANSI colour to a terminal table.
	Color bool
	// Width is the terminal's width in columns: the table report fits its
	// lines to it. 0 is no limit (piped: nothing is wrapped or cut).
	Width int
}

// Detect returns the Options for writing to w: Terminal and its Width when
// w is a terminal, Color as well unless NO_COLOR is set (https://no-color.org)
// or TERM is "dumb". It is the one place report looks outside its
// arguments, so that every command gets the same behaviour.
func Detect(w io.Writer) Options {
	f, ok := w.(interface{ Fd() uintptr })
	if !ok || !(isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())) {
		return Options{}
	}
	width := 80 // what a terminal that does not say is most likely to be
	if c, _, err := term.GetSize(int(f.Fd())); err == nil && c > 0 {
		width = c
	}
	return Options{Terminal: true, Color: os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb", Width: width}
}

// Write renders f to w as format, with the Options Detect gives for w.
func Write(w io.Writer, format string, f *analyze.Findings) error {
	return WriteOptions(w, format, f, Detect(w))
}

// WriteOptions renders f to w as format: "markdown" (or "md"), "json",
// "table" or "html", case-insensitively. An unknown format is an error that
// names the valid ones. The whole report is rendered before the first byte
// is written, so a failed render writes nothing; f is not modified.
func WriteOptions(w io.Writer, format string, f *analyze.Findings, o Options) error {
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
		err = writeTable(&buf, newView(f), o)
	case "html":
		err = writeHTML(&buf, newView(f))
	default:
		return fmt.Errorf("unknown report format %q (want %s)", format, strings.Join(Formats, ", "))
	}
	if err != nil {
		return fmt.Errorf("report %s: %w", format, err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}
