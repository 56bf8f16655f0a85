package cmd

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hindsight-sre/hindsight/analyze"
	"github.com/hindsight-sre/hindsight/internal/lines"
	"github.com/hindsight-sre/hindsight/report"
	"github.com/hindsight-sre/hindsight/sources"
)

type summaryOptions struct {
	config     string
	profile    string
	last       string
	at         string
	format     string
	output     string
	state      string
	noState    bool
	failOn     string
	webhook    string // "", or one of webhookKinds
	webhookEnv string
	mailTo     []string
	mail       *mailer // set by check when mailTo is given
}

// webhookKinds are the payloads --webhook posts.
var webhookKinds = []string{"slack", "teams", "discord", "json"}

func newSummaryCmd() *cobra.Command {
	o := &summaryOptions{}
	c := &cobra.Command{
		Use:   "summary [--last 24h]",
		Short: "Summarise last night's anomalies, compared with the night before",
		Long: `summary looks at the previous night (from the end of business hours on the
last working day to their start today, or to now when that is earlier; on a
Monday that includes the weekend), or at the --last DURATION, groups what
was abnormal into episodes, and marks each as new, known (seen in the
previous summary, or recurring at this time of day) or changed (longer,
stronger, another cause, or with new company). Episodes outside business
hours come first. It adds each monitor's availability so far this month
and what went away since the previous summary.

The previous summary is remembered in a state directory: --state DIR, or
$XDG_STATE_HOME/hindsight (~/.local/state/hindsight). The state is saved
only after the summary was written and delivered.

Finding anomalies is a result, not a failure: the exit status is 0. Use
--fail-on new (or changed, or any) for a status of 1 when there is such an
episode, after the summary was written and delivered. When no source
returned any data for the window (every one down or empty) the status is 3,
so that under cron a dead monitoring stack does not pass for a quiet night;
--fail-on nodata names that alone. The state is then left as it was.

--at TIME writes the summary as it would have been written at TIME: the
night before it, compared with the state if that is older. With the bundled
demo, which is in the past:

  hindsight summary --config testdata/demo/hindsight.yaml --at "2025-11-21 07:00"

The state is kept per config file and profile; a state from a later window
is neither compared with nor replaced, and the summary says so.

The webhook URL is a secret and is read from the environment
($HINDSIGHT_WEBHOOK_URL, or the variable --webhook-env names); it is never
printed. --webhook slack, teams (a Teams Workflows webhook: an Adaptive
Card), discord or json.

--mail-to sends the summary as a plain-text e-mail through
$HINDSIGHT_SMTP_ADDR (host:port), with STARTTLS ($HINDSIGHT_SMTP_TLS=tls for
port 465, none for a local relay without login), logging in with
$HINDSIGHT_SMTP_USER and $HINDSIGHT_SMTP_PASSWORD when set, from
$HINDSIGHT_SMTP_FROM (default hindsight@HOST); $HINDSIGHT_SMTP_CA_FILE adds
the CA of a server with a private certificate.`,
		Example: `  hindsight summary --config /etc/hindsight/config.yaml
  hindsight summary --config testdata/demo/hindsight.yaml --at "2025-11-21 07:00"
  hindsight summary --last 24h -o table
  hindsight summary --output 'reports/{{.Date}}-summary.md'
  HINDSIGHT_WEBHOOK_URL=https://hooks.slack.com/services/... hindsight summary --webhook slack
  hindsight summary --fail-on new`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			var err error
			if o.format, err = outputFormat(c, o.format, o.output, report.SummaryFormats); err != nil {
				return err
			}
			return runSummary(c.Context(), o, c.OutOrStdout(), c.ErrOrStderr())
		},
	}
	f := c.Flags()
	f.StringVar(&o.config, "config", "", "config file (default: ./hindsight.yaml, $XDG_CONFIG_HOME/hindsight/config.yaml, /etc/hindsight/config.yaml)")
	f.StringVar(&o.profile, "profile", "", "profile (customer) from the config's profiles")
	f.StringVar(&o.last, "last", "", "summarise the last DURATION (24h, 7d) instead of the previous night")
	f.StringVar(&o.at, "at", "", "write the summary as it would have been written at TIME (default now), e.g. \"2025-11-20 07:00\"")
	f.StringVarP(&o.format, "output-format", "o", "markdown", "summary format: "+strings.Join(report.SummaryFormats, ", "))
	f.StringVar(&o.output, "output", "", "write to this file; a template may use {{.Date}}, {{.Time}}, {{.Profile}}; without -o its extension picks the format (.md, .json, .txt)")
	f.StringVar(&o.state, "state", "", "state directory (default $XDG_STATE_HOME/hindsight)")
	f.BoolVar(&o.noState, "no-state", false, "neither read nor save the previous summary")
	f.StringVar(&o.failOn, "fail-on", "", "exit 1 when there is a new, changed or any episode; nodata: only when no source returned data (exit 3, as always)")
	f.StringVar(&o.webhook, "webhook", "", "also POST the summary: slack (incoming webhook), teams (Workflows webhook, an Adaptive Card), discord, or json (the -o json document)")
	f.StringVar(&o.webhookEnv, "webhook-env", webhookEnvDefault, "environment variable that holds the webhook URL")
	f.StringSliceVar(&o.mailTo, "mail-to", nil, "also e-mail the summary to these addresses, through $HINDSIGHT_SMTP_ADDR (STARTTLS; login from $HINDSIGHT_SMTP_USER and $HINDSIGHT_SMTP_PASSWORD)")
	return c
}

func (o *summaryOptions) check() error {
	if err := report.WriteSummary(io.Discard, o.format, &analyze.Summary{}, report.Options{}); err != nil {
		return usageErrorf("-o: %v\nhint: use one of %s", err, strings.Join(report.SummaryFormats, ", "))
	}
	switch o.failOn {
	case "", "new", "changed", "any", "nodata":
	default:
		return usageErrorf("--fail-on: %q is not new, changed, any or nodata\nhint: --fail-on new exits %d when an episode was not seen on earlier nights, changed also when a known one changed, any on every episode; no data at all always exits %d (nodata fails on nothing else)", o.failOn, exitError, exitNoData)
	}
	if o.webhook != "" && !slices.Contains(webhookKinds, o.webhook) {
		return usageErrorf("--webhook: %q is not %s\nhint: slack posts Slack's incoming-webhook payload, teams an Adaptive Card for a Teams Workflows webhook, discord a Discord message, json the summary document", o.webhook, strings.Join(webhookKinds, ", "))
	}
	if len(o.mailTo) > 0 {
		m, err := newMailer(o.mailTo)
		if err != nil {
			return err
		}
		o.mail = m
	}
	return nil
}

func runSummary(ctx context.Context, o *summaryOptions, stdout, stderr io.Writer) error {
	if err := o.check(); err != nil {
		return err
	}
	var hook *webhook
	if o.webhook != "" {
		var err error
		if hook, err = newWebhook(o.webhookEnv); err != nil {
			return err
		}
	}
	run, err := summarize(ctx, o, stderr)
	if err != nil {
		return err
	}
	return deliverSummary(ctx, o, run, hook, stdout)
}

// summaryRun is one summary and where its state goes.
type summaryRun struct {
	s         *analyze.Summary
	profile   string
	loc       *time.Location
	statePath string // "" with --no-state
	config    string // the config file, recorded in the state
	keepState bool   // the state on disk is not this summary's to replace
}

// notComparable says why the previous state cannot be compared with a
// summary of window w from config, or "" when it can.
func notComparable(prev *analyze.SummaryState, config string, w sources.Window, loc *time.Location) string {
	switch {
	case prev.Config != "" && prev.Config != config:
		return fmt.Sprintf("the previous summary there was made with another config file (%s), so this one is not compared with it", prev.Config)
	case prev.Window.To.After(w.To):
		return fmt.Sprintf("the previous summary there covers a later window (to %s), so this one is not compared with it and does not replace it",
			prev.Window.To.In(loc).Format("2006-01-02 15:04 MST"))
	}
	return ""
}

// summarize fetches and analyses the window of o and compares it with the
// previous state. It writes nothing.
func summarize(ctx context.Context, o *summaryOptions, stderr io.Writer) (*summaryRun, error) {
	r, err := loadProfile(o.config, o.profile)
	if err != nil {
		return nil, err
	}
	st, name, srcs := r.st, r.name, r.srcs
	now, err := clockNow()
	if err != nil {
		return nil, err
	}
	if o.at != "" {
		if now, err = parseTime(o.at, now, st.loc); err != nil {
			return nil, timeError("--at", err)
		}
	}
	w := analyze.PreviousNight(st.cal, now)
	if o.last != "" {
		d, err := parseDuration(o.last)
		if errors.Is(err, errTooLong) {
			return nil, usageErrorf("--last: %q is %v\n%s", o.last, err, windowHint)
		}
		if err != nil || d <= 0 {
			return nil, usageErrorf("--last: %q is not a positive duration\n%s", o.last, durationHint(o.last))
		}
		w = sources.Window{From: now.Add(-d), To: now}
	}
	// One fetch covers the baseline and the month so far, for the SLA.
	from := w.From.Add(-st.baseline)
	lt := w.To.Add(-time.Nanosecond).In(st.loc)
	if month := time.Date(lt.Year(), lt.Month(), 1, 0, 0, 0, 0, st.loc); month.Before(from) {
		from = month
	}
	step, note, err := fitWindow(sources.Window{From: from, To: w.To}, st.step)
	if err != nil {
		return nil, err
	}
	st.step, r.st.step = step, step
	p := newProgress(stderr, len(srcs))
	p.printf("summary %s: reading %d sources from %s", orDefault(name), len(srcs), from.In(st.loc).Format("2006-01-02 15:04"))
	ds, err := fetchAll(ctx, p.wrap(srcs), sources.Window{From: from.Truncate(st.step), To: w.To}, st.step, st.sourceTimeout)
	if err != nil {
		return nil, err
	}
	if note != "" {
		ds.Notes = append(ds.Notes, note)
	}
	// The analysis sees what `hindsight analyze` would have fetched for
	// this window, so that both judge alike; the month is for the SLA.
	f := analyze.Run(since(ds, w.From.Add(-st.baseline).Truncate(st.step)), r.options(w, ""))
	run := &summaryRun{profile: name, config: r.config, loc: st.loc}
	var prev *analyze.SummaryState
	var skipped string
	corrupt := false
	if !o.noState {
		if run.statePath, err = statePath(o.state, r.config, name); err != nil {
			return nil, err
		}
		var bad *badStateError
		if prev, err = loadState(run.statePath); errors.As(err, &bad) {
			// A corrupt state (a disk filled mid-write, a hand edit) must
			// not stop every later summary: this one is written without
			// a comparison, says so, and starts a new state; the bad file
			// is kept aside for whoever wants to look.
			aside := run.statePath + ".bad"
			reason := "the previous summary's state was unreadable (" + bad.why + "); this summary compares with nothing and starts a new state"
			if rerr := os.Rename(run.statePath, aside); rerr == nil {
				reason += "; the unreadable file is kept as " + filepath.Base(aside)
			}
			skipped, prev, err, corrupt = reason, nil, nil, true
		}
		if err != nil {
			return nil, err
		}
		if prev != nil {
			skipped = notComparable(prev, r.config, w, st.loc)
		}
		if skipped != "" {
			prev = nil
		}
	}
	run.s = analyze.Summarize(f, prev, analyze.MonthSLA(ds, st.cal, w.To))
	if skipped != "" {
		run.s.Gaps = append(run.s.Gaps, sources.Gap{Source: "summary state", What: run.statePath, Reason: skipped})
		// A state from a later night is kept: a summary --at an earlier
		// time must not make tomorrow's compare with the past.
		run.keepState = !corrupt
	}
	return run, nil
}

// deliverSummary writes the summary, posts it, saves the state, and then
// applies --fail-on.
func deliverSummary(ctx context.Context, o *summaryOptions, run *summaryRun, hook *webhook, stdout io.Writer) error {
	path, err := outputPath(o.output, run.s.Window.To.In(run.loc), run.profile)
	if err != nil {
		return err
	}
	opts := stdoutOptions(path, stdout)
	err = writeReport(path, true, opts, func(out io.Writer) error {
		return report.WriteSummary(out, o.format, run.s, opts)
	}, stdout)
	if err != nil {
		return err
	}
	if hook != nil {
		var body bytes.Buffer
		if err := report.WriteSummary(&body, o.webhook, run.s, report.Options{}); err != nil {
			return err
		}
		if err := hook.post(ctx, safeBytes(body.Bytes())); err != nil {
			return err
		}
	}
	if o.mail != nil {
		var body bytes.Buffer
		if err := report.WriteSummary(&body, "markdown", run.s, report.Options{}); err != nil {
			return err
		}
		subject, _, _ := strings.Cut(strings.TrimPrefix(body.String(), "# "), "\n")
		if err := o.mail.send(ctx, subject, safeBytes(body.Bytes())); err != nil {
			return err
		}
	}
	// No data is not a night to compare the next one with: the state is
	// kept as it was.
	if run.s.Inputs.Empty() {
		return &noDataErr{gaps: len(run.s.Gaps), at: true}
	}
	if run.statePath != "" && !run.keepState {
		st := run.s.State()
		st.Config = run.config
		if err := saveState(run.statePath, st); err != nil {
			return err
		}
	}
	n := 0
	switch o.failOn {
	case "new":
		n = run.s.New
	case "changed":
		n = run.s.New + run.s.Change
	case "any":
		n = len(run.s.Episodes)
	}
	if n > 0 {
		return &failOnErr{fmt.Sprintf("the summary was written and has %s: exit %d, as --fail-on %s asks\nhint: this is the summary's verdict, not a failure of hindsight; read the summary, or drop --fail-on to exit 0 on anomalies", failOnCount(n, o.failOn), exitError, o.failOn)}
	}
	return nil
}

// failOnErr is the exit status --fail-on asks for: not an error of
// hindsight, so it is not printed as one.
type failOnErr struct{ msg string }

func (e *failOnErr) Error() string { return e.msg }

func failOnCount(n int, failOn string) string {
	word := map[string]string{"new": "new episode", "changed": "new or changed episode", "any": "episode"}[failOn]
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func orDefault(profile string) string {
	if profile == "" {
		return "default"
	}
	return profile
}

// statePath is the state file of a config file's profile:
// DIR/summary-PROFILE-HASH.json, HASH the start of the SHA-256 of the
// config's absolute path, so that the demo and a real config, or two
// configs with a profile of the same name, never share one.
func statePath(dir, config, profile string) (string, error) {
	if dir == "" {
		if x := os.Getenv("XDG_STATE_HOME"); x != "" {
			dir = filepath.Join(x, "hindsight")
		} else if h, err := os.UserHomeDir(); err == nil {
			dir = filepath.Join(h, ".local", "state", "hindsight")
		} else {
			return "", usageErrorf("no state directory: $XDG_STATE_HOME and $HOME are unset\nhint: pass --state DIR, or --no-state")
		}
	}
	sum := sha256.Sum256([]byte(config))
	return filepath.Join(dir, "summary-"+orDefault(profile)+"-"+hex.EncodeToString(sum[:4])+".json"), nil
}

// loadState reads the previous summary's state; a missing file is the
// first run, not an error.
func loadState(path string) (*analyze.SummaryState, error) {
	b, err := lines.ReadFile(path, 1<<30) // a FIFO would block, a device never end
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read summary state: %w\nhint: check the permissions of --state, or pass --no-state", err)
	}
	var st analyze.SummaryState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, &badStateError{path, "not JSON: " + err.Error()}
	}
	if st.Schema != analyze.StateSchema {
		return nil, &badStateError{path, fmt.Sprintf("not a %s file", analyze.StateSchema)}
	}
	return &st, nil
}

// badStateError is a state file that exists and cannot be used.
type badStateError struct{ path, why string }

func (e *badStateError) Error() string {
	return fmt.Sprintf("summary state %s: %s\nhint: remove it; the next summary starts afresh", e.path, e.why)
}

func saveState(path string, st analyze.SummaryState) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("save summary state: %w\nhint: pass a writable --state DIR", err)
	}
	return writeFile("summary state", path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}, nil)
}

// since is the part of ds from t on, as if it had been fetched from t: a
// log pattern's first sighting is its first count from t on, and a
// pattern not seen from t on is left out.
func since(ds *sources.Dataset, t time.Time) *sources.Dataset {
	out := *ds
	out.Window.From = t
	out.Probes = make([]sources.Probe, 0, len(ds.Probes))
	for _, p := range ds.Probes {
		i, _ := slices.BinarySearchFunc(p.Beats, t, func(b sources.Beat, t time.Time) int { return b.T.Compare(t) })
		p.Beats = p.Beats[i:]
		out.Probes = append(out.Probes, p)
	}
	out.Series = make([]sources.Series, 0, len(ds.Series))
	for _, s := range ds.Series {
		i, _ := slices.BinarySearchFunc(s.Points, t, func(p sources.Point, t time.Time) int { return p.T.Compare(t) })
		s.Points = s.Points[i:]
		out.Series = append(out.Series, s)
	}
	out.Events = nil
	for _, e := range ds.Events {
		if !e.T.Before(t) {
			out.Events = append(out.Events, e)
		}
	}
	out.Patterns = nil
	for _, p := range ds.Patterns {
		var counts []sources.Bucket
		first := time.Time{}
		for _, b := range p.Counts {
			if b.T.Before(t) {
				continue
			}
			counts = append(counts, b)
			if b.N > 0 && first.IsZero() {
				first = b.T
			}
		}
		if first.IsZero() {
			continue
		}
		if p.FirstSeen.Before(first) {
			p.FirstSeen = first
		}
		p.Counts = counts
		p.Examples = slices.DeleteFunc(slices.Clone(p.Examples), func(l sources.LogLine) bool { return l.T.Before(t) })
		out.Patterns = append(out.Patterns, p)
	}
	return &out
}
