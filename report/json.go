package report

import (
	"io"

	"github.com/hindsight-sre/hindsight/analyze"
)

// Schema names the JSON document's version. Field names change only with it;
// report/README.md documents every field. v2 replaced v1 (times in UTC,
// durations in nanoseconds): its times are in the profile's zone and its
// durations in seconds, as the report's text has them.
const Schema = "hindsight/report/v2"

type document struct {
	Schema   string            `json:"schema"`
	Findings *analyze.Findings `json:"findings"`
}

// writeJSON writes f as the documented JSON document, times in loc. Lists are [] rather
// than null when empty, and <, > and & are left as they are, since log
// templates are full of them and the output is not meant for HTML.
func writeJSON(w io.Writer, f *analyze.Findings) error {
	v := newView(f)
	c := withEmptyLists(f)
	c.Gaps = orEmpty(v.localGaps(f.Gaps, true))
	c.Notes = make([]string, len(f.Notes))
	for i, n := range f.Notes {
		c.Notes[i] = v.localText(n, true)
	}
	b, err := marshalV2(document{Schema: Schema, Findings: c}, v.loc)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// withEmptyLists returns a copy of f whose documented lists are never nil.
// f itself is not changed.
func withEmptyLists(f *analyze.Findings) *analyze.Findings {
	c := *f
	c.Impact = orEmpty(c.Impact)
	c.Anomalies = orEmpty(c.Anomalies)
	c.Timeline = orEmpty(c.Timeline)
	c.Gaps = orEmpty(c.Gaps)
	c.Notes = orEmpty(c.Notes)
	c.Episodes = orEmpty(c.Episodes)
	c.Patterns = orEmpty(c.Patterns)
	c.Symptoms = make([]analyze.Symptom, len(f.Symptoms))
	for i, s := range f.Symptoms {
		s.Recurrence.Dates = orEmpty(s.Recurrence.Dates)
		s.Suspects = make([]analyze.Suspect, len(s.Suspects))
		for j, sus := range f.Symptoms[i].Suspects {
			sus.Evidence = orEmpty(sus.Evidence)
			s.Suspects[j] = sus
		}
		c.Symptoms[i] = s
	}
	return &c
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
