package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hindsight-sre/hindsight/internal/redact"
	"github.com/hindsight-sre/hindsight/sources"
)

type sourcesCheckOptions struct {
	config  string
	profile string
	format  string
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
		Long: `check asks each configured source whether its backend answers, one row a
source: a source that cannot be built (an unknown type, a bad option) or
reached fails its own row, and the others are still checked. The exit
status is 1 when any row failed. -o json writes the rows as a JSON document.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runSourcesCheck(c.Context(), o, c.OutOrStdout())
		},
	}
	check.Flags().StringVar(&o.config, "config", "", "config file")
	check.Flags().StringVar(&o.profile, "profile", "", "profile (customer)")
	check.Flags().StringVarP(&o.format, "output-format", "o", "table", "table or json")
	c.AddCommand(check)
	return c
}

// checkRow is one source's answer.
type checkRow struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Status string `json:"status"` // ok, error, no data
	Detail string `json:"detail"`
	Hint   string `json:"hint,omitempty"`
}

// runSourcesCheck asks each source that can tell whether its backend
// answers. It fails (exit 1) when any source is unreachable.
func runSourcesCheck(ctx context.Context, o *sourcesCheckOptions, stdout io.Writer) error {
	if o.format != "table" && o.format != "json" {
		return usageErrorf("-o: %q is not table or json\nhint: use -o json for a document a script can read", o.format)
	}
	cfg, dir, err := loadConfig(o.config)
	if err != nil {
		return err
	}
	prof, _, err := cfg.resolve(o.profile)
	if err != nil {
		return err
	}
	// An entry of an unknown type fails its own row; the rest are
	// validated and checked as usual.
	known := prof
	known.Sources = slices.DeleteFunc(slices.Clone(prof.Sources), func(sc SourceConfig) bool { return !slices.Contains(sourceTypes, sc.Type) })
	var st settings
	if len(known.Sources) > 0 {
		if st, err = known.Validate(); err != nil {
			return err
		}
	} else if len(prof.Sources) == 0 {
		_, err := prof.Validate()
		return err
	}
	var rows []checkRow
	for _, sc := range prof.Sources {
		row := checkRow{Name: sc.Name, Type: sc.Type, Status: "ok"}
		var err error
		if !slices.Contains(sourceTypes, sc.Type) {
			err = configErrorf("unknown type %q\nhint: use one of %s", sc.Type, strings.Join(sourceTypes, ", "))
		} else if s, berr := buildSource(sc, dir, st); berr != nil {
			err = berr
		} else if ch, ok := s.(sources.Checker); !ok {
			row.Detail = "configured (no check available)"
		} else {
			cctx, cancel := context.WithTimeout(ctx, st.sourceTimeout)
			row.Detail, err = ch.Check(cctx)
			cancel()
			if err == nil && ctx.Err() != nil {
				return ctx.Err()
			}
		}
		if err != nil {
			row.Status = "error"
			if errors.Is(err, sources.ErrNoData) {
				row.Status = "no data"
			}
			msg := hintLines(err.Error())
			row.Detail = firstLine(msg)
			// The table holds one line a source; its hint goes below.
			for _, l := range strings.Split(msg, "\n") {
				if h, ok := strings.CutPrefix(l, "hint: "); ok {
					row.Hint = h
				}
			}
		}
		row.Detail, row.Hint = redact.Text(row.Detail), redact.Text(row.Hint)
		rows = append(rows, row)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	bad := 0
	for _, r := range rows {
		if r.Status != "ok" {
			bad++
		}
	}
	if o.format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(struct {
			Schema  string     `json:"schema"`
			Sources []checkRow `json:"sources"`
			Failed  int        `json:"failed"`
		}{"hindsight/sources-check/v1", rows, bad}); err != nil {
			return err
		}
	} else {
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SOURCE\tTYPE\tSTATUS\tDETAIL")
		for _, r := range rows {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Name, r.Type, r.Status, r.Detail)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, r := range rows {
			if r.Hint != "" {
				fmt.Fprintf(stdout, "hint (%s): %s\n", r.Name, r.Hint)
			}
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d sources failed the check\nhint: the DETAIL column says what each one answered", bad, len(prof.Sources))
	}
	return nil
}
