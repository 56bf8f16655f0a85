package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/analyze"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// mustSchema compiles schema/report-v2.json. Strict, every object schema
// that lists properties also gets additionalProperties: false, so that a
// field the JSON has and the schema does not is an error: the published
// schema lets consumers skip fields added within v2, the test makes sure
// the schema lists them all.
func mustSchema(tb testing.TB, strict bool) *jsonschema.Schema {
	tb.Helper()
	return mustSchemaFile(tb, "report-v2.json", strict)
}

func mustSchemaFile(tb testing.TB, name string, strict bool) *jsonschema.Schema {
	tb.Helper()
	raw, err := os.ReadFile(filepath.Join("schema", name))
	if err != nil {
		tb.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		tb.Fatalf("schema/%s: %v", name, err)
	}
	if strict {
		closeObjects(doc)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(name, doc); err != nil {
		tb.Fatal(err)
	}
	s, err := c.Compile(name)
	if err != nil {
		tb.Fatalf("compile schema/%s: %v", name, err)
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
				t.Errorf("%s (strict %v): the JSON does not match schema/report-v2.json (update the schema and report/README.md together):\n%v", fx.name, strict, err)
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
		"wrong version":   strings.Replace(good, `"hindsight/report/v2"`, `"hindsight/report/v1"`, 1),
		"unknown kind":    strings.Replace(good, `"kind": "outage"`, `"kind": "brownout"`, 1),
		"time not a time": strings.Replace(good, `"start": "2025-11-20T14:05:10+09:00"`, `"start": "yesterday"`, 1),
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

// v1 is kept, documented as replaced: it still compiles, and says so.
func TestSchemaV1Replaced(t *testing.T) {
	mustSchemaFile(t, "report-v1.json", false)
	raw, err := os.ReadFile(filepath.Join("schema", "report-v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "REPLACED by report-v2.json") {
		t.Error("schema/report-v1.json does not say it is replaced by v2")
	}
}

// Every time in the JSON is in the profile's zone (not UTC, as v1 had
// them), every duration a number of seconds named *_s.
func TestJSONTimesInZoneDurationsInSeconds(t *testing.T) {
	seoul, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Fatal(err)
	}
	out := mustWrite(t, "json", incident())
	var doc any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	times, durations := 0, 0
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(k, e)
			}
		case []any:
			for _, e := range x {
				walk(key, e)
			}
		case string:
			tm, err := time.Parse(time.RFC3339Nano, x)
			if err != nil {
				return
			}
			times++
			if want := tm.In(seoul).Format(time.RFC3339Nano); x != want {
				t.Errorf("%s: %s, want %s (the profile's zone)", key, x, want)
			}
		}
		if strings.HasSuffix(key, "_ns") {
			t.Errorf("%s: a v1 name", key)
		}
	}
	walk("", doc)
	if times < 20 {
		t.Errorf("only %d times found: the walk is not looking at the document", times)
	}
	for _, want := range []string{`"duration_s": 420,`, `"lead_s": 68,`, `"step_s": 3600,`, `"window": {
      "from": "2025-11-20T00:00:00+09:00",`} {
		if !strings.Contains(out, want) {
			t.Errorf("the JSON lacks %s", want)
		}
		durations++
	}
}

// marshalV2 writes what encoding/json writes for types without times or
// durations: the same names, omitempty and omitzero, order and escaping.
func TestMarshalV2MatchesEncodingJSON(t *testing.T) {
	type inner struct {
		A int `json:"a,omitempty"`
		B string
	}
	type Embedded struct {
		E float64 `json:"e"`
	}
	type sample struct {
		Embedded
		Name   string            `json:"name"`
		Skip   string            `json:"-"`
		Empty  []int             `json:"empty,omitempty"`
		Nil    []int             `json:"nil"`
		Zero   inner             `json:"zero,omitzero"`
		Ptr    *inner            `json:"ptr"`
		NilPtr *inner            `json:"nil_ptr,omitempty"`
		Map    map[string]inner  `json:"map"`
		HTML   string            `json:"html"`
		Any    any               `json:"any"`
		Labels map[string]string `json:"labels,omitempty"`
		hidden int
	}
	v := sample{Embedded{1.5}, "x", "no", nil, nil, inner{}, &inner{0, "b"}, nil,
		map[string]inner{"z": {1, ""}, "a": {2, "<&>"}}, "<a href=\"x\">&</a>", []any{1, "two", nil}, nil, 3}
	got, err := marshalV2(v, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	if string(got) != want.String() {
		t.Errorf("marshalV2:\n%s\nencoding/json:\n%s", got, want.String())
	}
	d, err := marshalV2(struct {
		T    time.Time     `json:"t"`
		Lead time.Duration `json:"lead_ns"`
		Step time.Duration `json:"step"`
	}{time.Date(2025, 11, 20, 5, 5, 10, 500e6, time.UTC), -1500 * time.Millisecond, time.Minute}, time.FixedZone("KST", 9*3600))
	if err != nil {
		t.Fatal(err)
	}
	if w := "{\n  \"t\": \"2025-11-20T14:05:10.5+09:00\",\n  \"lead_s\": -1.5,\n  \"step_s\": 60\n}\n"; string(d) != w {
		t.Errorf("times and durations: %s, want %s", d, w)
	}
}

// ReadJSON reads what marshalV2 wrote back into the Go types, durations
// from seconds, also into a struct without tags (as encoding/json matches
// names regardless of case): the demo's snapshots are read that way.
func TestReadJSONDurations(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "demo-outage.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Findings *analyze.Findings }
	if err := ReadJSON(b, &doc); err != nil {
		t.Fatal(err)
	}
	s := doc.Findings.Symptoms[0]
	if s.Chart == nil || s.Chart.Step != time.Minute || s.Duration < time.Minute || doc.Findings.Impact[0].P50 <= 0 {
		t.Errorf("durations not read back: step %v, duration %v, impact %+v", s.Chart.Step, s.Duration, doc.Findings.Impact[0])
	}
}
