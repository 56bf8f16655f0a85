package cmd

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

func TestMain(m *testing.M) {
	// The test binary is hindsight itself when a test runs it as a
	// process of its own (to send it signals).
	if os.Getenv("HINDSIGHT_TEST_AS_MAIN") == "1" {
		os.Exit(Main())
	}
	testscript.Main(m, map[string]func(){
		"hindsight": func() { os.Exit(Main()) },
	})
}

// TestScripts runs the CLI scripts in testdata/script. $DEMO is the bundled
// demo directory.
func TestScripts(t *testing.T) {
	demo, err := filepath.Abs(filepath.Join("..", "testdata", "demo"))
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(e *testscript.Env) error {
			e.Setenv("DEMO", demo)
			e.Setenv("XDG_CONFIG_HOME", filepath.Join(e.WorkDir, ".config"))
			e.Setenv("NO_COLOR", "1")
			return nil
		},
		UpdateScripts: os.Getenv("HINDSIGHT_UPDATE_SCRIPTS") == "1",
	})
}
