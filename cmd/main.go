// Package cmd wires hindsight together: flags and config, which sources to
// build, which window, which renderer. No analysis and no formatting lives
// here. Nothing imports cmd.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/hindsight-sre/hindsight/internal/redact"
	"github.com/hindsight-sre/hindsight/report"
)

// Exit codes.
const (
	exitOK          = 0
	exitError       = 1
	exitUsage       = 2
	exitNoData      = 3 // the report was written, but no source returned any data
	exitInterrupted = 130
)

// usageError is a mistake in how hindsight was called: exit code 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usageErrorf(format string, a ...any) error { return &usageError{fmt.Errorf(format, a...)} }

// Main runs the command line and returns the process exit code.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go exitAfterSignal(ctx, signalGrace, os.Stderr)
	return run(ctx, os.Args[1:], os.Stdout, os.Stderr)
}

// signalGrace is how long after SIGTERM or SIGINT the process may take to
// stop on its own. Every read checks its context, but a system call that
// does not return (a hung NFS mount, a device) cannot be cancelled; the
// process then ends anyway, so that a signal always ends it within a
// second.
const signalGrace = 800 * time.Millisecond

func exitAfterSignal(ctx context.Context, grace time.Duration, stderr io.Writer) {
	<-ctx.Done()
	time.Sleep(grace)
	fmt.Fprintln(stderr, "hindsight: interrupted (a read did not stop in time)")
	os.Exit(exitInterrupted)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	return exitCode(ctx, err, stderr)
}

// exitCode is the one place that turns an error into output and a code.
func exitCode(ctx context.Context, err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	if ctx.Err() != nil && errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled) {
		fmt.Fprintln(stderr, "hindsight: interrupted")
		return exitInterrupted
	}
	msg := hintLines(report.EscapeControlsString(redact.Text(err.Error())))
	if isCobraUsage(err) && !strings.Contains(msg, "hint:") {
		// cobra's argument errors ("accepts 1 arg(s), received 0") say
		// what is wrong but not what to write.
		msg += "\nhint: see 'hindsight help' and the --help of the command for its arguments"
	}
	var fo *failOnErr
	if errors.As(err, &fo) {
		fmt.Fprintf(stderr, "hindsight: %s\n", msg)
		return exitError
	}
	fmt.Fprintf(stderr, "hindsight: error: %s\n", msg)
	var nd *noDataErr
	if errors.As(err, &nd) {
		return exitNoData
	}
	var ue *usageError
	var ce *configError
	if errors.As(err, &ue) || errors.As(err, &ce) || isCobraUsage(err) {
		return exitUsage
	}
	return exitError
}

// hintLines puts each "; hint: " that a source wrote inline (its errors
// also stand on one line in a report's data gaps) on a line of its own, as
// the README promises: every error ends with a "hint:" line.
func hintLines(msg string) string {
	lines := strings.Split(msg, "\n")
	for i, l := range lines {
		if j := strings.LastIndex(l, "; hint: "); j >= 0 {
			lines[i] = l[:j] + "\nhint: " + l[j+len("; hint: "):]
		}
	}
	return strings.Join(lines, "\n")
}

// isCobraUsage recognises cobra's own flag and argument errors.
func isCobraUsage(err error) bool {
	var fe *flagError
	if errors.As(err, &fe) {
		return true
	}
	msg := err.Error()
	for _, p := range []string{"unknown command", "accepts ", "requires at least", "unknown flag", "invalid argument"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// noDataErr: the report or summary was written and says "no data"; no
// source returned anything for the window. Exit code 3, so that cron and
// CI tell a dead monitoring stack from a quiet night.
type noDataErr struct {
	gaps int
	at   bool // the command has --at: a window in the past is one flag away
}

func (e *noDataErr) Error() string {
	msg := "no source returned any data for the window; the report was written and says so"
	if e.gaps > 0 {
		msg += fmt.Sprintf(" (%s listed under data gaps)", map[bool]string{true: "1 gap", false: fmt.Sprint(e.gaps, " gaps")}[e.gaps == 1])
	}
	window := "check the window"
	if e.at {
		// The data may all be older than the night asked for (the demo
		// is): the gaps say what the files cover, --at asks for that time.
		window = "check the window (for a night in the past: --at TIME, e.g. --at \"2025-11-21 07:00\")"
	}
	return msg + fmt.Sprintf("\nhint: run 'hindsight sources check', and %s; this exit status (%d) means no data", window, exitNoData)
}

func noDataError(gaps int) error { return &noDataErr{gaps: gaps} }

type flagError struct{ err error }

func (e *flagError) Error() string { return e.err.Error() }

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "hindsight",
		Short: "What happened, and what most likely caused it",
		Long: `hindsight reads probe history (Uptime Kuma, blackbox_exporter), metrics
(Prometheus, Zabbix, recorded files) and logs around an outage, finds the
outages and latency spikes, ranks the likely causes with evidence, and writes
a post-incident report.`,
		Example: `  hindsight analyze --config hindsight.yaml --around "2025-11-20 03:10"
  hindsight analyze --from -6h --to now -o json --output report.json
  hindsight sources check`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.Version = currentVersion().String()
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &flagError{fmt.Errorf("%w\nhint: see '%s --help'", err, c.CommandPath())}
	})
	root.AddCommand(newAnalyzeCmd(), newSLACmd(), newDetectCmd(), newLogsCmd(), newSummaryCmd(), newScheduleCmd(), newSourcesCmd(), newVersionCmd())
	registerCompletions(root)
	return root
}

// clockNow is the wall clock, or HINDSIGHT_NOW (RFC 3339) when set, so that
// relative windows ("-6h") can be replayed in tests and reproduced later.
func clockNow() (time.Time, error) {
	if s := os.Getenv("HINDSIGHT_NOW"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return t, usageErrorf("HINDSIGHT_NOW: %q is not an RFC 3339 time", s)
		}
		return t, nil
	}
	return time.Now(), nil
}
