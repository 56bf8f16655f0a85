package loki

import (
	"encoding/json"
	"testing"
)

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// FuzzFlatten: any streams answer gives entries or an error, never a panic.
func FuzzFlatten(f *testing.F) {
	f.Add(`[{"stream":{"job":"a"},"values":[["1568234281726420425","foo"],["1568234269716526880","bar"]]}]`)
	f.Add(`[{"stream":{},"values":[["x","y"]]}]`)
	f.Add(`[{"stream":{"a":"b"},"values":[["1"]]}]`)
	f.Add(`[{"stream":{"a":"b"},"values":[[1,2,3]]}]`)
	f.Fuzz(func(t *testing.T, s string) {
		var ss []stream
		if json.Unmarshal([]byte(s), &ss) != nil {
			return
		}
		es, err := flatten(ss)
		for i := 1; err == nil && i < len(es); i++ {
			if es[i].t < es[i-1].t {
				t.Fatal("entries out of order")
			}
		}
	})
}
