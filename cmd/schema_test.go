package cmd

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hindsight-sre/hindsight/report"
)

// Real output, the demo's two stories through the whole pipeline, must
// match the JSON Schema published in report/schema (the report package's
// own test checks its fixtures, and that the schema lists every field).
func TestDemoJSONMatchesSchema(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "report", "schema", "report-v2.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("report-v2.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("report-v2.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, around := range []string{"2025-11-20 03:10", "2025-11-21 14:05"} {
		var out bytes.Buffer
		if err := report.Write(&out, "json", demoFindings(t, around)); err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(&out)
		if err != nil {
			t.Fatal(err)
		}
		if err := schema.Validate(inst); err != nil {
			t.Errorf("--around %q: -o json does not match report/schema/report-v2.json:\n%v", around, err)
		}
	}
}
