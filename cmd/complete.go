package cmd

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hindsight-sre/hindsight/report"
)

// registerCompletions completes the flags whose values are a fixed list
// or come from the config, on every command that has them: shell
// completion then offers formats, profiles and webhook kinds rather than
// file names.
func registerCompletions(root *cobra.Command) {
	fixed := func(vals ...string) cobra.CompletionFunc {
		return cobra.FixedCompletions(vals, cobra.ShellCompDirectiveNoFileComp)
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		f := c.Flags()
		reg := func(name string, fn cobra.CompletionFunc) {
			if f.Lookup(name) != nil {
				_ = c.RegisterFlagCompletionFunc(name, fn)
			}
		}
		switch c.CommandPath() {
		case "hindsight analyze":
			reg("output-format", fixed(report.Formats...))
		case "hindsight summary", "hindsight schedule":
			reg("output-format", fixed(report.SummaryFormats...))
		case "hindsight sla":
			reg("output-format", fixed(report.SLAFormats...))
		case "hindsight sources check":
			reg("output-format", fixed("table", "json"))
		case "hindsight logs patterns":
			reg("output-format", fixed("table", "json", "csv"))
		}
		reg("profile", completeProfiles)
		reg("webhook", fixed(webhookKinds...))
		reg("fail-on", fixed("new", "changed", "any", "nodata"))
		reg("period", fixed("month", "quarter", "year"))
		reg("log-format", fixed("text", "json"))
	}
	walk(root)
}

// completeProfiles lists the profiles of the config the command line
// names (or the one found), those starting with what was typed.
func completeProfiles(c *cobra.Command, _ []string, typed string) ([]string, cobra.ShellCompDirective) {
	config, _ := c.Flags().GetString("config")
	cfg, _, err := loadConfig(config)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveError
	}
	var names []string
	for n := range cfg.Profiles {
		if strings.HasPrefix(n, typed) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names, cobra.ShellCompDirectiveNoFileComp
}
