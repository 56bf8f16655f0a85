// Command genscenarios writes the evaluation scenarios:
// go run ./internal/scenarios/genscenarios testdata/scenarios
package main

import (
	"fmt"
	"os"

	"github.com/hindsight-sre/hindsight/internal/scenarios"
)

func main() {
	dir := "testdata/scenarios"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	if err := scenarios.Generate(dir); err != nil {
		fmt.Fprintln(os.Stderr, "genscenarios:", err)
		os.Exit(1)
	}
}
