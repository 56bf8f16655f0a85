// Package cmd wires hindsight together: flags and config, which sources to
// build, which window, which renderer. No analysis and no formatting lives
// here. Nothing imports cmd.
package cmd

// Main runs the command line and returns the process exit code.
func Main() int { return 0 }
