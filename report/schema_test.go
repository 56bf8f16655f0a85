package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// mustSchema compiles schema/report-v1.json. Strict, every object schema
// that lists properties also gets additionalProperties: false, so that a
// field the JSON has and the schema does not is an error: the published
// schema lets consumers skip fields added within v1, the test makes sure
// the schema lists them all.
func mustSchema(tb testing.TB, strict bool) *jsonschema.Schema {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join("schema", "report-v1.json"))
	if err != nil {
		tb.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		tb.Fatalf("schema/report-v1.json: %v", err)
	}
	if strict {
		closeObjects(doc)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("report-v1.json", doc); err != nil {
		tb.Fatal(err)
	}
	s, err := c.Compile("report-v1.json")
	if err != nil {
		tb.Fatalf("compile schema/report-v1.json: %v", err)
	}
	return s
}

func closeObjects(v any) {
	switch x := v.(type) {
	case map[string]any:
		if _, ok := x["properties"]; ok {
			x["additionalProperties"] = false
		}
		for _, e := range x {
			closeObjects(e)
		}
	case []any:
		for _, e := range x {
			closeObjects(e)
		}
	}
}

func TestJSONMatchesSchema(t *testing.T) {
	for _, strict := range []bool{false, true} {
		s := mustSchema(t, strict)
		for _, fx := range fixtures {
			out := mustWrite(t, "json", fx.f())
			doc, err := jsonschema.UnmarshalJSON(strings.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Validate(doc); err != nil {
				t.Errorf("%s (strict %v): the JSON does not match schema/report-v1.json (update the schema and report/README.md together):\n%v", fx.name, strict, err)
			}
		}
		// Real output: the demo's two stories as hindsight analyze -o json
		// wrote them (see browserCases for how to regenerate them).
		for _, name := range []string{"demo-nightly", "demo-outage"} {
			raw, err := os.ReadFile(filepath.Join("testdata", name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Validate(doc); err != nil {
				t.Errorf("%s.json (strict %v): %v", name, strict, err)
			}
		}
	}
}

// The schema must reject what it is there to catch.
func TestSchemaRejects(t *testing.T) {
	s := mustSchema(t, false)
	good := mustWrite(t, "json", incident())
	for name, bad := range map[string]string{
		"wrong version":   strings.Replace(good, `"hindsight/report/v1"`, `"hindsight/report/v0"`, 1),
		"unknown kind":    strings.Replace(good, `"kind": "outage"`, `"kind": "brownout"`, 1),
		"time not a time": strings.Replace(good, `"start": "2025-11-20T05:05:10Z"`, `"start": "yesterday"`, 1),
		"missing list":    strings.Replace(good, `"symptoms": [`, `"symptomz": [`, 1),
	} {
		if bad == good {
			t.Fatalf("%s: the replacement did not apply", name)
		}
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Validate(doc); err == nil {
			t.Errorf("%s: the schema accepts it", name)
		}
	}
}
