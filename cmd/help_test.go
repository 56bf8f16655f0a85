package cmd

import (
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/spf13/cobra"
)

// The prose of every --help (the description, and the list of commands)
// fits an 80-column terminal: a newcomer reads it there first. Usage
// lines, examples and flags are commands to copy and may be longer.
func TestHelpProseFits80Columns(t *testing.T) {
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() {
				walk(sub)
			}
		}
		args := append(strings.Fields(strings.TrimPrefix(c.CommandPath(), "hindsight")), "--help")
		out, _, code := mustRun(t, args...)
		if code != exitOK {
			t.Fatalf("%s: exit %d", strings.Join(args, " "), code)
		}
		prose := true
		for _, l := range strings.Split(out, "\n") {
			switch {
			case strings.HasSuffix(l, ":") && !strings.HasPrefix(l, " "):
				// A section: prose again only for the list of commands.
				prose = l == "Available Commands:"
			case prose && utf8.RuneCountInString(l) > 80:
				t.Errorf("%s: a line of %d columns:\n%s", strings.Join(args, " "), utf8.RuneCountInString(l), l)
			}
		}
	}
	walk(newRootCmd(io.Discard, io.Discard))
}
