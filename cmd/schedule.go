package cmd

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/spf13/cobra"

	"github.com/hindsight-sre/hindsight/internal/redact"
)

type scheduleOptions struct {
	summaryOptions
	cron     string
	profiles []string
	now      bool   // run once at start too
	logFmt   string // text or json
	// job replaces the summaries in tests.
	job func(ctx context.Context, profile string) error
}

func newScheduleCmd() *cobra.Command {
	o := &scheduleOptions{}
	c := &cobra.Command{
		Use:   "schedule --cron EXPR",
		Short: "Run the summary on a schedule, for every profile, and deliver it",
		Long: `schedule stays running and, at every time EXPR names, runs the summary for
each profile in turn (all the config's profiles, or those named with
--profile), writing and posting it as 'hindsight summary' would with the same
flags. Runs never overlap: when one is still going at the next time, that
time is skipped and logged. It logs to stderr and stops cleanly on SIGTERM or
Ctrl-C, cancelling a summary in progress (its state is then not saved).

EXPR is a cron expression in the config's top-level time zone, with an
optional leading seconds field ("*/10 * * * * *"), a descriptor (@daily,
@every 1h), or a CRON_TZ=Zone prefix.`,
		Example: `  hindsight schedule --cron "0 7 * * *" --output '/var/lib/hindsight/{{.Profile}}/{{.Date}}-summary.md'
  HINDSIGHT_WEBHOOK_URL=https://hooks.slack.com/services/... hindsight schedule --cron "0 7 * * 1-5" --webhook slack`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runSchedule(c.Context(), o, c.OutOrStdout(), c.ErrOrStderr())
		},
	}
	f := c.Flags()
	f.StringVar(&o.cron, "cron", "", "when to run: a cron expression (required)")
	f.StringSliceVar(&o.profiles, "profile", nil, "profiles to summarise (default: every profile in the config)")
	f.BoolVar(&o.now, "now", false, "also run once at start")
	f.StringVar(&o.config, "config", "", "config file")
	f.StringVar(&o.last, "last", "", "summarise the last DURATION instead of the previous night")
	f.StringVarP(&o.format, "output-format", "o", "markdown", "summary format")
	f.StringVar(&o.output, "output", "", "file template, e.g. 'reports/{{.Profile}}/{{.Date}}-summary.md' (default stdout)")
	f.StringVar(&o.state, "state", "", "state directory (default $XDG_STATE_HOME/hindsight)")
	f.StringVar(&o.webhook, "webhook", "", "also POST each summary: slack, teams, discord or json")
	f.StringSliceVar(&o.mailTo, "mail-to", nil, "also e-mail each summary to these addresses (see summary --help)")
	f.StringVar(&o.logFmt, "log-format", "text", "log lines on stderr: text (key=value) or json (one object per line)")
	f.StringVar(&o.webhookEnv, "webhook-env", webhookEnvDefault, "environment variable that holds the webhook URL")
	return c
}

// cronParser accepts five fields, six with seconds, and descriptors.
var cronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

func runSchedule(ctx context.Context, o *scheduleOptions, stdout, stderr io.Writer) error {
	if o.cron == "" {
		return usageErrorf("--cron is required\nhint: --cron \"0 7 * * *\" runs at 07:00 every day")
	}
	if err := o.summaryOptions.check(); err != nil {
		return err
	}
	if o.logFmt != "" && o.logFmt != "text" && o.logFmt != "json" {
		return usageErrorf("--log-format: %q is not text or json\nhint: json writes one JSON object per line, for journald, Loki or a log shipper", o.logFmt)
	}
	cfg, _, err := loadConfig(o.config)
	if err != nil {
		return err
	}
	// The top level may have no sources of its own when every customer is
	// a profile; only its time zone matters here.
	loc, err := time.LoadLocation(cfg.Timezone)
	if err != nil || cfg.Timezone == "" {
		return configErrorf("timezone: unknown time zone %q\nhint: use an IANA name such as Asia/Seoul, Europe/Berlin or UTC", cfg.Timezone)
	}
	sched, err := cronParser.Parse(o.cron)
	if err != nil {
		return usageErrorf("--cron %q: %v\nhint: five fields (minute hour day month weekday), e.g. \"0 7 * * *\"", o.cron, err)
	}
	profiles := o.profiles
	if len(profiles) == 0 {
		for name := range cfg.Profiles {
			profiles = append(profiles, name)
		}
		slices.Sort(profiles)
		if len(profiles) == 0 {
			profiles = []string{""} // the top level is the only profile
		}
	}
	for _, p := range profiles {
		if _, _, err := cfg.resolve(p); err != nil {
			return err
		}
	}
	if len(profiles) > 1 && o.output != "" && !strings.Contains(o.output, "{{.Profile}}") {
		return usageErrorf("--output %q: %d profiles would write to the same file\nhint: put {{.Profile}} in the template", o.output, len(profiles))
	}
	var hook *webhook
	if o.webhook != "" {
		if hook, err = newWebhook(o.webhookEnv); err != nil {
			return err
		}
	}
	job := o.job
	if job == nil {
		job = func(ctx context.Context, profile string) error {
			so := o.summaryOptions
			so.profile = profile
			so.failOn = ""
			run, err := summarize(ctx, &so, stderr)
			if err != nil {
				return err
			}
			return deliverSummary(ctx, &so, run, hook, stdout)
		}
	}

	var handler slog.Handler = slog.NewTextHandler(stderr, &slog.HandlerOptions{})
	if o.logFmt == "json" {
		handler = slog.NewJSONHandler(stderr, &slog.HandlerOptions{})
	}
	log := slog.New(handler)
	// A run has until the next scheduled time, and at least minRunBudget:
	// its context ends then. A run still going at a later time within
	// its budget makes that time skipped; one still going past its
	// budget (a read stuck in a system call no context reaches) is
	// abandoned, logged, and the new run goes ahead, so that one hung
	// read cannot silence every later night.
	var (
		mu       sync.Mutex // never two live runs at once, whatever calls runAll
		running  bool
		deadline time.Time     // of the run going on
		ended    chan struct{} // closed when the run going on ends
		gen      int           // which run is the live one
		wg       sync.WaitGroup
	)
	runAll := func() {
		now := time.Now()
		mu.Lock()
		if running && now.Before(deadline) {
			mu.Unlock()
			log.Warn("previous run still going; this one is skipped")
			return
		}
		if running {
			old := ended
			mu.Unlock()
			select {
			case <-old:
			case <-time.After(signalGrace):
				log.Error("previous run did not end by its deadline (a read is stuck); it is abandoned and this run goes ahead", "deadline", deadline.Format(time.RFC3339))
			}
			mu.Lock()
		}
		gen++
		my := gen
		running, deadline, ended = true, sched.Next(now), make(chan struct{})
		if d := now.Add(minRunBudget); deadline.Before(d) {
			deadline = d
		}
		done := ended
		rctx, cancel := context.WithDeadline(ctx, deadline)
		wg.Add(1)
		mu.Unlock()
		defer func() {
			cancel()
			close(done)
			mu.Lock()
			if gen == my {
				running = false
			}
			mu.Unlock()
			wg.Done()
		}()
		for _, p := range profiles {
			if rctx.Err() != nil {
				if ctx.Err() == nil {
					log.Error("run deadline passed; profile skipped", "profile", orDefault(p))
					continue
				}
				return
			}
			start := time.Now()
			log.Info("summary started", "profile", orDefault(p))
			if err := job(rctx, p); err != nil {
				if ctx.Err() != nil {
					log.Warn("summary cancelled", "profile", orDefault(p))
					return
				}
				log.Error("summary failed", "profile", orDefault(p), "err", strings.ReplaceAll(redact.Text(err.Error()), "\n", "; "))
				continue
			}
			log.Info("summary done", "profile", orDefault(p), "took", time.Since(start).Round(time.Millisecond).String())
		}
	}
	c := cron.New(cron.WithLocation(loc), cron.WithParser(cronParser))
	c.Schedule(sched, cron.FuncJob(runAll))
	log.Info("scheduled", "cron", o.cron, "zone", loc.String(), "profiles", strings.Join(profileNames(profiles), ","),
		"next", sched.Next(time.Now().In(loc)).Format(time.RFC3339))
	c.Start()
	if o.now {
		go runAll()
	}
	<-ctx.Done()
	log.Info("stopping", "reason", fmt.Sprint(context.Cause(ctx)))
	stopped := c.Stop() // done when cron's jobs have returned
	done := make(chan struct{})
	go func() { <-stopped.Done(); wg.Wait(); close(done) }()
	select {
	case <-done:
		log.Info("stopped")
	case <-time.After(signalGrace):
		log.Warn("stopped; a run did not end (a read is stuck)")
	}
	return nil
}

// minRunBudget is the least time a scheduled run has before it may be
// abandoned, however frequent the schedule (a variable for tests).
var minRunBudget = 10 * time.Minute

func profileNames(ps []string) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = orDefault(p)
	}
	return out
}
