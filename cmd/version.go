package cmd

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Set by the release build:
//
//	go build -ldflags "-X github.com/hindsight-sre/hindsight/cmd.version=v0.2.0
//	  -X github.com/hindsight-sre/hindsight/cmd.commit=abc1234
//	  -X github.com/hindsight-sre/hindsight/cmd.date=2026-01-02T03:04:05Z"
//
// Left empty, they come from the build info Go records: the module version
// with `go install …@v0.2.0`, the VCS revision and time in a build from a
// clone.
var version, commit, date string

// buildVersion is the version, commit and build date of this binary, each
// "" when unknown.
type buildVersion struct {
	Version, Commit, Date string
	Modified              bool
}

func readVersion(bi *debug.BuildInfo, ok bool) buildVersion {
	v := buildVersion{}
	if ok {
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Commit = s.Value
			case "vcs.time":
				v.Date = s.Value
			case "vcs.modified":
				v.Modified = s.Value == "true"
			}
		}
	}
	if version != "" {
		v.Version = version
	}
	if commit != "" {
		v.Commit, v.Modified = commit, false
	}
	if date != "" {
		v.Date = date
	}
	return v
}

// String is one line: "hindsight v0.2.0 (commit abc1234, built
// 2026-01-02T03:04:05Z, go1.26.0 linux/amd64)".
func (v buildVersion) String() string {
	s := "hindsight "
	if v.Version != "" {
		s += v.Version
	} else {
		s += "devel"
	}
	s += " ("
	if v.Commit != "" {
		c := v.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		s += "commit " + c
		if v.Modified {
			s += "+changes"
		}
		s += ", "
	}
	if v.Date != "" {
		s += "built " + v.Date + ", "
	}
	return s + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + ")"
}

func currentVersion() buildVersion { return readVersion(debug.ReadBuildInfo()) }

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			fmt.Fprintln(c.OutOrStdout(), currentVersion())
			return nil
		},
	}
}
