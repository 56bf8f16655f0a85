package zabbix

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// The Zabbix API returns every number as a JSON string ("clock":"1763661300",
// "value":"0.129"). The decoders here accept strings and bare numbers alike,
// so recorded answers from other versions or proxies still decode.

// str is a JSON string or number, kept as text. null is "".
type str string

func (s *str) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return fmt.Errorf("empty value")
	case b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = str(v)
	case string(b) == "null":
		*s = ""
	case b[0] == '-' || b[0] >= '0' && b[0] <= '9':
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*s = str(n)
	case string(b) == "true" || string(b) == "false":
		*s = str(b)
	default:
		return fmt.Errorf("want a string or a number, got %.20s", b)
	}
	return nil
}

func (s str) int() (int64, error) { return strconv.ParseInt(strings.TrimSpace(string(s)), 10, 64) }

// histRow is one row of history.get or trend.get. json.Number accepts both
// "123" and 123 (and rejects "abc").
type histRow struct {
	ItemID json.Number `json:"itemid"`
	Clock  json.Number `json:"clock"`
	NS     json.Number `json:"ns"`
	Value  json.Number `json:"value"`
	// trend.get only
	Num      json.Number `json:"num"`
	ValueAvg json.Number `json:"value_avg"`
}

// sample is one decoded history value (or trend average when trend).
type sample struct {
	ItemID string
	T      int64 // unix nanoseconds
	V      float64
}

// decodeRows turns history.get (trend false) or trend.get (trend true) rows
// into samples. It rejects rows without an item id or clock and values
// that are not finite numbers.
func decodeRows(rows []histRow, trend bool) ([]sample, error) {
	out := make([]sample, 0, len(rows))
	for i := range rows {
		r := &rows[i]
		if r.ItemID == "" {
			return nil, fmt.Errorf("row %d: no itemid", i)
		}
		clock, err := strconv.ParseInt(string(r.Clock), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("row %d: clock %q: %w", i, r.Clock, err)
		}
		if clock < 0 || clock > math.MaxInt64/int64(time.Second)-1 {
			return nil, fmt.Errorf("row %d: clock %d out of range", i, clock)
		}
		var ns int64
		if r.NS != "" {
			ns, err = strconv.ParseInt(string(r.NS), 10, 64)
			if err != nil || ns < 0 || ns >= int64(time.Second) {
				return nil, fmt.Errorf("row %d: ns %q is not 0..999999999", i, r.NS)
			}
		}
		raw := r.Value
		if trend {
			raw = r.ValueAvg
		}
		v, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			return nil, fmt.Errorf("row %d: value %q: %w", i, raw, err)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("row %d: value %q is not finite", i, raw)
		}
		out = append(out, sample{ItemID: string(r.ItemID), T: clock*int64(time.Second) + ns, V: v})
	}
	return out, nil
}

// decodeHistory decodes a history.get or trend.get result array.
func decodeHistory(b []byte, trend bool) ([]sample, error) {
	var rows []histRow
	if err := json.Unmarshal(b, &rows); err != nil {
		return nil, err
	}
	return decodeRows(rows, trend)
}

// parsePeriod reads a Zabbix time period as items use for history, trends
// and delay: "3600", "90d", "1w", "30s". Macros ("{$HIST}") and flexible
// intervals ("1m;wd1-5,9-18") are not resolved: ok is false for a macro,
// and only the part before ';' counts.
func parsePeriod(s string) (d time.Duration, ok bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, ';'); i >= 0 {
		s = s[:i]
	}
	if s == "" || strings.Contains(s, "{") {
		return 0, false
	}
	mult := time.Second
	switch s[len(s)-1] {
	case 's':
		s = s[:len(s)-1]
	case 'm':
		mult, s = time.Minute, s[:len(s)-1]
	case 'h':
		mult, s = time.Hour, s[:len(s)-1]
	case 'd':
		mult, s = 24*time.Hour, s[:len(s)-1]
	case 'w':
		mult, s = 7*24*time.Hour, s[:len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > int64(math.MaxInt64/mult) {
		return 0, false
	}
	return time.Duration(n) * mult, true
}

// keyParams splits an item key's parameters: `web.test.time[Shop home,"a,b",resp]`
// gives "web.test.time" and ["Shop home", "a,b", "resp"]. Quoted parameters
// may escape '"' with a backslash. Nested arrays are kept as text.
func keyParams(key string) (name string, params []string) {
	i := strings.IndexByte(key, '[')
	if i < 0 || !strings.HasSuffix(key, "]") {
		return key, nil
	}
	name, rest := key[:i], key[i+1:len(key)-1]
	var cur strings.Builder
	quoted, depth := false, 0
	for j := 0; j < len(rest); j++ {
		c := rest[j]
		switch {
		case quoted && c == '\\' && j+1 < len(rest) && rest[j+1] == '"':
			cur.WriteByte('"')
			j++
		case c == '"' && depth == 0:
			quoted = !quoted
		case !quoted && c == '[':
			depth++
			cur.WriteByte(c)
		case !quoted && c == ']' && depth > 0:
			depth--
			cur.WriteByte(c)
		case !quoted && depth == 0 && c == ',':
			params = append(params, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	params = append(params, strings.TrimSpace(cur.String()))
	return name, params
}

// match reports whether s matches pattern, where '*' matches any run of
// characters and everything else matches itself (item keys are full of
// '[' and ',' that path.Match would treat as syntax). Case-sensitive,
// like Zabbix keys.
func match(pattern, s string) bool {
	if !strings.Contains(pattern, "*") {
		return pattern == s
	}
	parts := strings.Split(pattern, "*")
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, last)
}
