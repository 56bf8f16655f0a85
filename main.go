// Command hindsight reads probe history, metrics and logs around an outage
// and writes a post-incident report. See README.md.
package main

import (
	"os"
	_ "time/tzdata" // time zones work in minimal containers too

	"github.com/hindsight-sre/hindsight/cmd"
)

func main() { os.Exit(cmd.Main()) }
