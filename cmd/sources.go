package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hindsight-sre/hindsight/internal/redact"
	"github.com/hindsight-sre/hindsight/sources"
)

type sourcesCheckOptions struct {
	config  string
	profile string
}

func newSourcesCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "sources",
		Short: "Inspect the configured sources",
	}
	o := &sourcesCheckOptions{}
	check := &cobra.Command{
		Use:   "check",
		Short: "Can every configured source be reached?",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runSourcesCheck(c.Context(), o, c.OutOrStdout())
		},
	}
	check.Flags().StringVar(&o.config, "config", "", "config file")
	check.Flags().StringVar(&o.profile, "profile", "", "profile (customer)")
	c.AddCommand(check)
	return c
}

// runSourcesCheck asks each source that can tell whether its backend
// answers. It fails (exit 1) when any source is unreachable.
func runSourcesCheck(ctx context.Context, o *sourcesCheckOptions, stdout io.Writer) error {
	cfg, dir, err := loadConfig(o.config)
	if err != nil {
		return err
	}
	prof, _, err := cfg.resolve(o.profile)
	if err != nil {
		return err
	}
	st, err := prof.Validate()
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tTYPE\tSTATUS\tDETAIL")
	bad := 0
	var hints []string
	for _, sc := range prof.Sources {
		s, err := buildSource(sc, dir, st)
		status, detail := "ok", ""
		switch {
		case err != nil:
			status, detail = "error", firstLine(err.Error())
		default:
			ch, ok := s.(sources.Checker)
			if !ok {
				status, detail = "ok", "configured (no check available)"
				break
			}
			cctx, cancel := context.WithTimeout(ctx, st.sourceTimeout)
			detail, err = ch.Check(cctx)
			cancel()
			if err != nil {
				status, detail = "error", firstLine(err.Error())
				if errors.Is(err, sources.ErrNoData) {
					status = "no data"
				}
			}
		}
		if err != nil {
			// The table holds one line a source; its hint goes below.
			for _, l := range strings.Split(err.Error(), "\n") {
				if h, ok := strings.CutPrefix(l, "hint: "); ok {
					hints = append(hints, fmt.Sprintf("hint (%s): %s", sc.Name, h))
				}
			}
		}
		if status != "ok" {
			bad++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", sc.Name, sc.Type, status, redact.Text(detail))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, h := range hints {
		fmt.Fprintln(stdout, h)
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d sources failed the check\nhint: the DETAIL column says what each one answered", bad, len(prof.Sources))
	}
	return nil
}
