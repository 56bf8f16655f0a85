package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/hindsight-sre/hindsight/analyze"
	"github.com/hindsight-sre/hindsight/internal/redact"
	"github.com/hindsight-sre/hindsight/report"
	"github.com/hindsight-sre/hindsight/sources"
)

type analyzeOptions struct {
	config  string
	profile string
	window  windowOptions
	format  string
	output  string
}

func newAnalyzeCmd() *cobra.Command {
	o := &analyzeOptions{}
	c := &cobra.Command{
		Use:   "analyze (--around TIME | --from TIME [--to TIME])",
		Short: "Write the post-incident report for a time window",
		Long: `analyze fetches probes, metrics and logs for the window and the baseline
before it, finds outages and latency spikes, ranks their likely causes and
writes a report.

Times are RFC 3339, "2006-01-02 15:04" in the profile's time zone, "now", or
relative to now ("-6h", "now-2d").`,
		Example: `  hindsight analyze --around "2025-11-20 03:10"
  hindsight analyze --around 2025-11-21T14:05:00+09:00 --before 1h --after 30m
  hindsight analyze --from -6h -o json --output incident.json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			var err error
			if o.format, err = outputFormat(c, o.format, o.output, report.Formats); err != nil {
				return err
			}
			return runAnalyze(c.Context(), o, c.OutOrStdout(), c.ErrOrStderr())
		},
	}
	f := c.Flags()
	f.StringVar(&o.config, "config", "", "config file (default: ./hindsight.yaml, $XDG_CONFIG_HOME/hindsight/config.yaml, /etc/hindsight/config.yaml)")
	f.StringVar(&o.profile, "profile", "", "profile (customer) from the config's profiles")
	f.StringVar(&o.window.from, "from", "", "start of the incident window")
	f.StringVar(&o.window.to, "to", "", "end of the incident window (default now)")
	f.StringVar(&o.window.around, "around", "", "a time in the incident; the window is --before it to --after it")
	f.StringVar(&o.window.before, "before", "2h", "with --around: how long before")
	f.StringVar(&o.window.after, "after", "1h", "with --around: how long after")
	f.StringVarP(&o.format, "output-format", "o", "markdown", "report format: "+strings.Join(report.Formats, ", "))
	f.StringVar(&o.output, "output", "", "write the report to this file instead of stdout; without -o its extension picks the format (.md, .json, .html, .txt)")
	return c
}

func runAnalyze(ctx context.Context, o *analyzeOptions, stdout, stderr io.Writer) error {
	// Ask report whether it knows the format (aliases included) before
	// fetching anything: rendering empty findings costs nothing.
	if err := report.Write(io.Discard, o.format, &analyze.Findings{}); err != nil {
		return usageErrorf("-o: %v\nhint: use one of %s", err, strings.Join(report.Formats, ", "))
	}
	f, err := findings(ctx, o, stderr)
	if err != nil {
		return err
	}
	opts := stdoutOptions(o.output, stdout)
	if err := writeReport(o.output, false, opts, func(out io.Writer) error { return report.WriteOptions(out, o.format, f, opts) }, stdout); err != nil {
		return err
	}
	if f.Inputs.Empty() {
		return noDataError(len(f.Gaps))
	}
	return nil
}

// findings loads the config, fetches every source for the window and its
// baseline, and analyses what came back. Progress goes to stderr when it
// is a terminal.
func findings(ctx context.Context, o *analyzeOptions, stderr io.Writer) (*analyze.Findings, error) {
	r, err := loadProfile(o.config, o.profile)
	if err != nil {
		return nil, err
	}
	now, err := clockNow()
	if err != nil {
		return nil, err
	}
	w, err := o.window.window(now, r.st.loc)
	if err != nil {
		return nil, err
	}
	ds, err := r.fetch(ctx, w, newProgress(stderr, len(r.srcs)))
	if err != nil {
		return nil, err
	}
	return analyze.Run(ds, r.options(w, reproduce(o, w, r.st.loc))), nil
}

// reproduce is the command that gives this report again: the same config
// and profile, and the window as absolute times.
func reproduce(o *analyzeOptions, w sources.Window, loc *time.Location) string {
	args := []string{"hindsight", "analyze"}
	if o.config != "" {
		args = append(args, "--config", shellQuote(o.config))
	}
	if o.profile != "" {
		args = append(args, "--profile", shellQuote(o.profile))
	}
	args = append(args, "--from", w.From.In(loc).Format(time.RFC3339), "--to", w.To.In(loc).Format(time.RFC3339))
	if o.format != "markdown" {
		args = append(args, "-o", o.format)
	}
	return strings.Join(args, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// redacted renders through a buffer and masks every registered secret
// and escapes control characters before anything reaches w: the last
// guard for what a report, a state file or a webhook body quotes from a
// server's answer or a log line.
func redacted(write func(io.Writer) error) func(io.Writer) error {
	return func(w io.Writer) error {
		var buf bytes.Buffer
		if err := write(&buf); err != nil {
			return err
		}
		_, err := w.Write(safeBytes(buf.Bytes()))
		return err
	}
}

// safeBytes is what hindsight writes anywhere: secrets masked, control
// characters made visible (see report.EscapeControls).
func safeBytes(b []byte) []byte { return report.EscapeControls(redact.Bytes(b)) }

// writeOutput writes to stdout, or atomically to path: a temporary file in
// the same directory renamed over it, so a reader never sees half a report.
func writeOutput(path string, write func(io.Writer) error, stdout io.Writer) error {
	return writeFile("report", path, write, stdout)
}

// writeFile is writeOutput for what (a report, the summary state).
func writeFile(what, path string, write func(io.Writer) error, stdout io.Writer) error {
	write = redacted(write)
	if path == "" || path == "-" {
		if err := write(stdout); err != nil {
			return writeFailed(what, "", err)
		}
		return nil
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return usageErrorf("--output %s is a directory\nhint: name a file in it, e.g. %s", path, filepath.Join(path, "report.md"))
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".hindsight-*")
	if err != nil {
		if full(err) {
			return writeFailed(what, path, err)
		}
		return fmt.Errorf("write %s: %w\nhint: check that the directory of %s exists and is writable", what, err, path)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return writeFailed(what, path, err)
	}
	if err := tmp.Close(); err != nil {
		return writeFailed(what, path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s %s: %w", what, path, err)
	}
	return nil
}

// full reports whether err is a full disk or an exhausted quota.
func full(err error) bool { return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) }

// writeFailed names what could not be written where, saying plainly when
// the disk is full (the bare "no space left on device" named only the
// temporary file) and that a file written before is left as it was.
func writeFailed(what, path string, err error) error {
	where, kept := "standard output", ""
	if path != "" {
		where = path
		kept = fmt.Sprintf("; %s was left as it was", path)
	}
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return fmt.Errorf("write %s to %s: the disk is full (no space left on device)%s\nhint: free space on the filesystem that holds %s, or write elsewhere (--output, --state)", what, where, kept, where)
	case errors.Is(err, syscall.EDQUOT):
		return fmt.Errorf("write %s to %s: disk quota exceeded%s\nhint: free space within your quota, or write elsewhere (--output, --state)", what, where, kept)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("write %s to %s: %w%s\nhint: check that %s is writable and has room", what, where, pe.Err, kept, where)
	}
	return err // the format's own error: it names itself
}
