package zabbix

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// A history.get answer is a large array of flat objects whose values are
// strings. encoding/json spent about 1.3 s of CPU per 1M values in
// BenchmarkFetch (validating the body twice and allocating four strings a
// row), a quarter of the CPU of a fetch on a 2-core machine shared with
// PHP and PostgreSQL. scanRows reads the same answer in one pass with no
// reflection; FuzzScanRows checks that it accepts exactly what
// decodeHistory (the encoding/json path) accepts, with the same values.

// errNotRows means the input is valid JSON but not the expected shape;
// the caller falls back to encoding/json for a precise message.
var errNotRows = errors.New("not an array of history rows")

type scanner struct {
	b []byte
	i int
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *scanner) eat(c byte) bool {
	if s.peek() == c {
		s.i++
		return true
	}
	return false
}

// str reads a JSON string and returns its contents. Strings without
// escapes are returned as a sub-slice of the input (no copy).
func (s *scanner) str() ([]byte, error) {
	if !s.eat('"') {
		return nil, errNotRows
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			out := s.b[start:s.i]
			s.i++
			return out, nil
		case c == '\\':
			// Rare in Zabbix numbers and ids: let encoding/json unescape.
			end := s.i
			for end < len(s.b) {
				if s.b[end] == '\\' {
					end += 2
					continue
				}
				if s.b[end] == '"' {
					break
				}
				end++
			}
			if end >= len(s.b) {
				return nil, errNotRows
			}
			var v string
			if err := json.Unmarshal(s.b[start-1:end+1], &v); err != nil {
				return nil, err
			}
			s.i = end + 1
			return []byte(v), nil
		case c < 0x20:
			return nil, errNotRows
		}
		s.i++
	}
	return nil, errNotRows
}

// value reads a row field: a string, a number literal or null (nil).
func (s *scanner) value() ([]byte, error) {
	switch c := s.peek(); {
	case c == '"':
		return s.str()
	case c == 'n':
		if len(s.b)-s.i >= 4 && string(s.b[s.i:s.i+4]) == "null" {
			s.i += 4
			return nil, nil
		}
	case c == '-' || c >= '0' && c <= '9':
		start := s.i
		for s.i < len(s.b) && (s.b[s.i] == '-' || s.b[s.i] == '+' || s.b[s.i] == '.' || s.b[s.i] == 'e' ||
			s.b[s.i] == 'E' || s.b[s.i] >= '0' && s.b[s.i] <= '9') {
			s.i++
		}
		lit := s.b[start:s.i]
		if !validNumber(lit) {
			return nil, errNotRows
		}
		return lit, nil
	}
	return nil, errNotRows
}

// validNumber is JSON's number grammar.
func validNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i == len(b) {
		return false
	}
	if b[i] == '0' {
		i++
	} else if b[i] >= '1' && b[i] <= '9' {
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	} else {
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	return i == len(b)
}

// scanRows decodes a history.get (trend false) or trend.get (trend true)
// result array. Item ids are interned in ids so a million rows share a
// hundred strings. On errNotRows the caller should use decodeHistory.
func scanRows(b []byte, trend bool, ids map[string]string) ([]sample, error) {
	s := &scanner{b: b}
	if !s.eat('[') {
		return nil, errNotRows
	}
	out := make([]sample, 0, len(b)/56) // a history row is about 56 bytes
	if s.eat(']') {
		return out, s.end()
	}
	for row := 0; ; row++ {
		if !s.eat('{') {
			return nil, errNotRows
		}
		var id, clock, ns, val []byte
		var hasID, hasClock, hasNS, hasVal bool
		if !s.eat('}') {
			for {
				k, err := s.str()
				if err != nil {
					return nil, err
				}
				if !s.eat(':') {
					return nil, errNotRows
				}
				v, err := s.value()
				if err != nil {
					return nil, err
				}
				// encoding/json matches keys case-insensitively and lets the
				// last duplicate win; so do we.
				switch {
				case v == nil:
					// null leaves a field as it was, as in encoding/json
				case eqFold(k, "itemid"):
					id, hasID = v, true
				case eqFold(k, "clock"):
					clock, hasClock = v, true
				case eqFold(k, "ns"):
					ns, hasNS = v, true
				case !trend && eqFold(k, "value"), trend && eqFold(k, "value_avg"):
					val, hasVal = v, true
				case eqFold(k, "num"), eqFold(k, "value"), eqFold(k, "value_avg"):
					if !validNumber(v) {
						return nil, errNotRows // encoding/json would reject it as a json.Number
					}
				}
				if s.eat(',') {
					continue
				}
				if s.eat('}') {
					break
				}
				return nil, errNotRows
			}
		}
		if hasID && !validNumber(id) || hasClock && !validNumber(clock) || hasNS && !validNumber(ns) || hasVal && !validNumber(val) {
			return nil, errNotRows
		}
		if !hasID {
			return nil, fmt.Errorf("row %d: no itemid", row)
		}
		c, err := strconv.ParseInt(string(clock), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("row %d: clock %q: %w", row, clock, err)
		}
		if c < 0 || c > math.MaxInt64/int64(time.Second)-1 {
			return nil, fmt.Errorf("row %d: clock %d out of range", row, c)
		}
		var n int64
		if hasNS {
			n, err = strconv.ParseInt(string(ns), 10, 64)
			if err != nil || n < 0 || n >= int64(time.Second) {
				return nil, fmt.Errorf("row %d: ns %q is not 0..999999999", row, ns)
			}
		}
		v, err := strconv.ParseFloat(string(val), 64)
		if err != nil {
			return nil, fmt.Errorf("row %d: value %q: %w", row, val, err)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("row %d: value %q is not finite", row, val)
		}
		item, ok := ids[string(id)]
		if !ok {
			item = string(id)
			ids[item] = item
		}
		out = append(out, sample{ItemID: item, T: c*int64(time.Second) + n, V: v})
		if s.eat(',') {
			continue
		}
		if s.eat(']') {
			return out, s.end()
		}
		return nil, errNotRows
	}
}

func (s *scanner) end() error {
	s.ws()
	if s.i != len(s.b) {
		return errNotRows
	}
	return nil
}

// eqFold is ASCII case folding, enough for the few keys we match; keys with
// other letters never equal them under encoding/json's folding either, except
// the Kelvin sign and long s, which no key here contains.
func eqFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}

// decodeRowsFast tries scanRows and falls back to decodeHistory, whose
// errors are the precise ones.
func decodeRowsFast(b []byte, trend bool, ids map[string]string) ([]sample, error) {
	out, err := scanRows(b, trend, ids)
	if err == nil {
		return out, nil
	}
	return decodeHistory(b, trend)
}
