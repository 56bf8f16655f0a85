package cmd

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hindsight-sre/hindsight/internal/redact"
	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/logs"
)

type logsPatternsOptions struct {
	from, to string
	format   string
	output   string
	file     string
	perLine  bool
	timezone string
	limit    int
}

func newLogsCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "logs",
		Short: "Look at log files the way hindsight reads them",
		Args:  cobra.NoArgs,
	}
	c.AddCommand(newLogsPatternsCmd())
	return c
}

func newLogsPatternsCmd() *cobra.Command {
	o := &logsPatternsOptions{}
	c := &cobra.Command{
		Use:     "patterns FILE...",
		Aliases: []string{"templates"},
		Short:   "Mine the templates of log files",
		Long: `patterns reads log files (plain or .gz, "-" for standard input), finds the
message of each line and groups the messages into templates, variables
written <*>: "Failed password for <*> from <*> port <*> ssh2". It prints each
template with its count, level, first time seen and one example line.

The format is detected per file: nginx/apache access logs (templated by
method, route and status class), syslog (RFC 3164 and 5424), JSON lines and
journald's JSON export, logfmt, Java/Spring/Logback (stack traces joined to
their event), and lines that start with a timestamp. --format sets it: a
name (nginx, syslog, json, logfmt, java, generic), an nginx log_format or
Apache LogFormat string, a regular expression with named groups, or a
header pattern in the notation of the logparser/Loghub tools, where <Field>
names a field, a space matches one or more blanks and the rest is a regular
expression; <Content> is the message:

  --format '<Date> <Time> <Pid> <Level> <Component>: <Content>'
  --format '\[<Time>\] \[<Level>\] <Content>'

--per-line writes CSV LineId,EventTemplate instead, one row per line read
(LineId from 1, across the files; a stack trace's lines get their event's
template), the template covering the message only: the format a Loghub
scorer reads. Lines the format does not understand are mined whole and
counted in a note on standard error.`,
		Example: `  hindsight logs patterns /var/log/syslog /var/log/syslog.1
  hindsight logs patterns --from "2025-11-20 02:00" --to "2025-11-20 04:00" access.log*
  hindsight logs patterns --format '\[<Time>\] \[<Level>\] <Content>' --per-line Apache_2k.log`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return runLogsPatterns(c, args, o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.from, "from", "", "only lines from this time (RFC 3339, \"2006-01-02 15:04\", -6h)")
	f.StringVar(&o.to, "to", "", "only lines before this time (default: now, when --from is given)")
	f.StringVar(&o.format, "format", "", "a format name, an nginx/Apache log format, or a header pattern; empty detects per file")
	f.StringVarP(&o.output, "output-format", "o", "table", "table, json or csv")
	f.StringVar(&o.file, "output", "", "write to this file instead of stdout")
	f.BoolVar(&o.perLine, "per-line", false, "write CSV LineId,EventTemplate, one row per line")
	f.StringVar(&o.timezone, "timezone", "", "time zone of timestamps that carry none, of --from/--to and of the output (default: the config's timezone, else UTC)")
	f.IntVar(&o.limit, "limit", 0, "print at most this many templates (0: all)")
	return c
}

func runLogsPatterns(c *cobra.Command, paths []string, o *logsPatternsOptions) error {
	switch o.output {
	case "table", "json", "csv":
	default:
		return usageErrorf("-o: unknown format %q\nhint: use table, json or csv", o.output)
	}
	tz := o.timezone
	if tz == "" {
		tz = configZone(c.ErrOrStderr())
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return usageErrorf("--timezone: %v\nhint: use an IANA name such as Europe/Berlin, or UTC", err)
	}
	if err := logs.CheckFormat(o.format); err != nil {
		return usageErrorf("--format: %v", err)
	}
	var w sources.Window
	if o.from != "" || o.to != "" {
		now, err := clockNow()
		if err != nil {
			return err
		}
		if o.from == "" {
			return usageErrorf("--to without --from\nhint: give both, or --from alone (to now)")
		}
		if w, err = (windowOptions{from: o.from, to: o.to}).window(now, loc); err != nil {
			return err
		}
	}
	m, err := logs.Mine(c.Context(), paths, logs.MineOptions{
		Format: o.format, Window: w, Location: loc, PerLine: o.perLine, Stdin: c.InOrStdin(),
	})
	if err != nil {
		return fmt.Errorf("logs patterns: %w", err)
	}
	for _, g := range m.Gaps {
		fmt.Fprintf(c.ErrOrStderr(), "hindsight: note: %s: %s\n", g.What, redact.Text(g.Reason))
	}
	return writeOutput(o.file, func(out io.Writer) error {
		switch {
		case o.perLine:
			return m.WritePerLine(out)
		case o.output == "json":
			e := json.NewEncoder(out)
			e.SetIndent("", "  ")
			e.SetEscapeHTML(false) // templates are full of <*>
			return e.Encode(m)
		case o.output == "csv":
			return m.WriteCSV(out, o.limit)
		}
		return writePatternsTable(out, m, o.limit, loc)
	}, c.OutOrStdout())
}

// configZone is the zone of the config's default profile, where analyze
// reads log stamps without a zone and writes its reports, so that logs
// patterns places and prints times as a report does; UTC without a
// config. A config it cannot read is said on w, not an error: the
// command needs none.
func configZone(w io.Writer) string {
	cfg, _, err := loadConfig("")
	if err != nil {
		if !strings.HasPrefix(err.Error(), "no config file found") {
			fmt.Fprintf(w, "hindsight: note: times in UTC: the config was not read (%s); --timezone sets the zone\n", strings.SplitN(err.Error(), "\n", 2)[0])
		}
		return "UTC"
	}
	p, _, err := cfg.resolve("")
	if err != nil || p.Timezone == "" {
		return "UTC"
	}
	return p.Timezone
}

// writePatternsTable prints one template a row, most frequent first.
func writePatternsTable(out io.Writer, m *logs.Mined, limit int, loc *time.Location) error {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	// The zone in the header: stamps without one were read in it, and
	// every time below is written in it (a user without a config gets
	// UTC, and must not have to guess).
	fmt.Fprintf(tw, "COUNT\tLEVEL\tFIRST SEEN (%s)\tID\tEXAMPLE\tTEMPLATE\n", loc)
	for i, t := range m.Templates {
		if limit > 0 && i >= limit {
			fmt.Fprintf(tw, "...\t\t\t\t\t%d more templates (--limit %d)\n", len(m.Templates)-limit, limit)
			break
		}
		first := "-"
		if !t.FirstSeen.IsZero() {
			first = t.FirstSeen.In(loc).Format("2006-01-02 15:04:05")
		}
		ex := t.Example
		ex.File = filepath.Base(ex.File)
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", t.Count, t.Level, first, t.ID[:8], ex.Ref(), strings.ReplaceAll(t.Template, "\t", " "))
	}
	fmt.Fprintf(tw, "\n%s lines, %d templates", strconv.Itoa(m.Lines), len(m.Templates))
	if m.Malformed > 0 {
		fmt.Fprintf(tw, ", %d lines not in the format", m.Malformed)
	}
	fmt.Fprintln(tw)
	return tw.Flush()
}
