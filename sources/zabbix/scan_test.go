package zabbix

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestScanRows(t *testing.T) {
	for _, in := range []string{
		`[]`,
		` [ ] `,
		`[{"itemid":"7","clock":"1763661300","value":"0.129","ns":"5"}]`,
		`[{"itemid":7,"clock":1763661300,"value":-3e2},{"ITEMID":"8","Clock":"2","value":"1"}]`,
		`[{"itemid":"7","clock":"1","value":"1","clock":"2"}]`,
		`[{"itemid":"7","clock":"1","value":"1","clock":null}]`,
		`[{"itemid":"7","clock":"1","value":"1","extra":"x\"y"}]`,
		`[{"itemid":"7","clock":"1","value":"\u0031"}]`,
	} {
		got, err := scanRows([]byte(in), false, map[string]string{})
		want, werr := decodeHistory([]byte(in), false)
		if err != nil || werr != nil || !slices.Equal(got, want) {
			t.Errorf("%s:\nscanRows %v, %v\nencoding/json %v, %v", in, got, err, want, werr)
		}
	}
	for _, in := range []string{
		``, `[`, `[{}`, `[{"itemid":"7","clock":"1","value":"x"}]`, `[{"itemid":"7","clock":"01","value":"1"}]`,
		`[{"itemid":"7","clock":"1","value":"1"}] x`, `[{"itemid":"7","clock":"1","value":"1","num":"a"}]`,
		`[{"itemid":"7","clock":"1","value":true}]`,
	} {
		if got, err := scanRows([]byte(in), false, map[string]string{}); err == nil {
			t.Errorf("scanRows(%s) = %v, want an error", in, got)
		}
	}
}

func TestSplitResult(t *testing.T) {
	for in, want := range map[string]string{
		`{"jsonrpc":"2.0","result":[1,2],"id":12}`:              `[1,2]`,
		`{"jsonrpc":"2.0","result":"a,\"id\":1","id":3}` + "\n": `"a,\"id\":1"`,
		`{"jsonrpc":"2.0","error":{"code":1},"id":3}`:           "",
		`{"jsonrpc":"2.0","result":[],"id":"x"}`:                "",
		`{"id":1,"jsonrpc":"2.0","result":[]}`:                  "",
	} {
		got, ok := splitResult([]byte(in))
		if string(got) != want || ok != (want != "") {
			t.Errorf("splitResult(%s) = %s, %v; want %s", in, got, ok, want)
		}
	}
}

// FuzzScanRows checks the fast decoder against encoding/json: whatever
// scanRows accepts, decodeHistory accepts with the same samples.
func FuzzScanRows(f *testing.F) {
	f.Add([]byte(`[{"itemid":"7","clock":"1763661300","value":"0.129","ns":"5"}]`), false)
	f.Add([]byte(`[{"itemid":7,"clock":1763661300,"value":3},{"itemid":"8","clock":"1","value":"-1e-3","ns":"999999999"}]`), false)
	f.Add([]byte(`[{"itemid":"7","clock":"1763661600","num":"60","value_min":"1","value_avg":"1.5","value_max":"2"}]`), true)
	f.Add([]byte(`[{"itemid":"7","clock":"1","value":"1","clock":null,"x":"\u00e9"}]`), false)
	f.Fuzz(func(t *testing.T, b []byte, trend bool) {
		got, err := scanRows(b, trend, map[string]string{})
		if err != nil {
			return
		}
		want, werr := decodeHistory(b, trend)
		if werr != nil {
			t.Fatalf("scanRows accepted %q (%v), encoding/json: %v", b, got, werr)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%q: scanRows %v, encoding/json %v", b, got, want)
		}
	})
}

// FuzzSplitResult checks the envelope shortcut against encoding/json.
func FuzzSplitResult(f *testing.F) {
	f.Add([]byte(`{"jsonrpc":"2.0","result":[{"itemid":"7","clock":"1","value":"2"}],"id":12}`))
	f.Add([]byte(`{"jsonrpc":"2.0","result":"x\",\"id\":1","id":3}`))
	f.Add([]byte(`{"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params.","data":"x"},"id":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		res, ok := splitResult(b)
		if !ok {
			return
		}
		if _, err := scanRows(res, false, map[string]string{}); err != nil {
			return // the caller falls back to encoding/json
		}
		var r rpcResponse
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("split %q from %q, which encoding/json rejects: %v", res, b, err)
		}
		if r.Error != nil || string(r.Result) != string(res) {
			t.Fatalf("split %q, encoding/json result %q error %v", res, r.Result, r.Error)
		}
	})
}

func benchRows(n int) []byte {
	var b strings.Builder
	b.WriteString("[")
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"itemid":"%d","clock":"%d","ns":"%d","value":"%d.%03d"}`, 44525+i%100, 1763564400+i/100*60, i*7919%1000000000, i%7, i%1000)
	}
	b.WriteString("]")
	return []byte(b.String())
}

// BenchmarkDecodeRows compares the two decoders of a history.get answer.
func BenchmarkDecodeRows(b *testing.B) {
	data := benchRows(50_000)
	for _, d := range []struct {
		name string
		fn   func([]byte) ([]sample, error)
	}{
		{"decoder=scan", func(b []byte) ([]sample, error) { return scanRows(b, false, map[string]string{}) }},
		{"decoder=encoding-json", func(b []byte) ([]sample, error) { return decodeHistory(b, false) }},
	} {
		b.Run(d.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := d.fn(data); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(50_000*b.N)/b.Elapsed().Seconds(), "values/s")
		})
	}
}
