// Command gendemo writes the bundled demo data: go run ./internal/demo/gendemo testdata/demo
package main

import (
	"fmt"
	"os"

	"github.com/hindsight-sre/hindsight/internal/demo"
)

func main() {
	dir := "testdata/demo"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	if err := demo.Generate(dir); err != nil {
		fmt.Fprintln(os.Stderr, "gendemo:", err)
		os.Exit(1)
	}
}
