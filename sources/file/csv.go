package file

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-sre/hindsight/internal/lines"
)

const (
	hintCSVHeader = "the first line must be a header: timestamp,value[,label...]"
	hintCSVTime   = "timestamps are RFC 3339 (2025-11-20T03:00:00+09:00) or unix seconds"
)

// parseCSV streams a CSV file into c. The header names a timestamp column
// ("timestamp", "time" or "ts") and a value column ("value"); every other
// column is a label, and each distinct set of label values is a series
// named name. Timestamps are RFC 3339 or unix seconds (fractional allowed).
// A timestamp without a zone ("2025-11-20 03:00:00", as many exports and
// public data sets write it) is read as UTC, and the Dataset says so in a
// Note. Empty values and NaN are skipped; blank lines and lines starting with '#'
// are ignored. Fields may be quoted ("a,b", "say ""hi"""), but a record
// is one line: metrics exports have no multi-line fields, and line numbers
// stay exact.
func parseCSV(ctx context.Context, br *bufio.Reader, file, name string, c *collector) error {
	lr := lines.New(br, 64<<10)
	var fields [][]byte
	var header []string
	tsCol, valCol := -1, -1
	var labelCols []int
	var labelNames []string
	bySet := map[string]*rawSeries{}
	var key []byte
	for {
		line, err := c.next(ctx, lr, file)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		lineErr := func(msg, hint string) error {
			return &lineError{file: file, line: c.lines, msg: msg, text: string(line), hint: hint}
		}
		if t := bytes.TrimSpace(line); len(t) == 0 || t[0] == '#' {
			continue
		}
		var ok bool
		fields, ok = splitCSV(line, fields[:0])
		if !ok {
			return lineErr("unbalanced quotes", "")
		}
		if header == nil {
			for i, f := range fields {
				h := strings.TrimSpace(string(f))
				header = append(header, h)
				switch strings.ToLower(h) {
				case "timestamp", "time", "ts":
					if tsCol < 0 {
						tsCol = i
						continue
					}
				case "value":
					if valCol < 0 {
						valCol = i
						continue
					}
				}
				if h == "" {
					return lineErr("empty column name in the header", hintCSVHeader)
				}
				labelCols = append(labelCols, i)
				labelNames = append(labelNames, h)
			}
			if tsCol < 0 || valCol < 0 {
				return lineErr("header has no timestamp and value columns", hintCSVHeader)
			}
			continue
		}
		if len(fields) != len(header) {
			return lineErr("has "+strconv.Itoa(len(fields))+" fields, the header "+strconv.Itoa(len(header)), "")
		}
		tb := bytes.TrimSpace(fields[tsCol])
		ms, msg := parseCSVTime(tb)
		if msg != "" {
			t, ok := parseZoneless(tb)
			if !ok {
				return lineErr(msg, hintCSVTime)
			}
			ms, c.zoneless = t.UnixMilli(), true
		}
		vs := bytes.TrimSpace(fields[valCol])
		if len(vs) == 0 {
			continue
		}
		v, err := parseFloat(vs)
		if err != nil {
			return lineErr("value is not a number", "")
		}
		key = key[:0]
		for _, i := range labelCols {
			key = append(key, fields[i]...)
			key = append(key, 0xff)
		}
		rs := bySet[string(key)]
		if rs == nil {
			labels := make(map[string]string, len(labelCols))
			for j, i := range labelCols {
				if v := strings.TrimSpace(string(fields[i])); v != "" {
					labels[labelNames[j]] = v
				}
			}
			rs = c.seriesFor(name, labels)
			bySet[string(key)] = rs
		}
		c.add(rs, ms, v)
	}
}

// splitCSV splits one line into fields, appending to dst. Quoted fields are
// unquoted in place (line is modified). ok is false for unbalanced quotes.
func splitCSV(line []byte, dst [][]byte) ([][]byte, bool) {
	i := 0
	for {
		for i < len(line) && line[i] == ' ' {
			i++
		}
		if i < len(line) && line[i] == '"' {
			// quoted: copy down over the doubled quotes
			w := i
			start := i
			i++
			for {
				if i >= len(line) {
					return dst, false
				}
				if line[i] == '"' {
					if i+1 < len(line) && line[i+1] == '"' {
						line[w] = '"'
						w++
						i += 2
						continue
					}
					i++
					break
				}
				line[w] = line[i]
				w++
				i++
			}
			dst = append(dst, line[start:w])
			for i < len(line) && line[i] == ' ' {
				i++
			}
			if i == len(line) {
				return dst, true
			}
			if line[i] != ',' {
				return dst, false
			}
			i++
			continue
		}
		j := bytes.IndexByte(line[i:], ',')
		if j < 0 {
			dst = append(dst, line[i:])
			return dst, true
		}
		dst = append(dst, line[i:i+j])
		i += j + 1
	}
}

// parseCSVTime parses RFC 3339 (a space may stand for the T) or unix
// seconds into unix milliseconds.
func parseCSVTime(b []byte) (int64, string) {
	if len(b) == 0 {
		return 0, "empty timestamp"
	}
	if f, err := parseFloat(b); err == nil {
		return secondsToMillis(f)
	}
	s := string(b)
	if len(s) > 10 && s[10] == ' ' {
		s = s[:10] + "T" + s[11:]
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, "timestamp is neither RFC 3339 nor unix seconds"
	}
	return t.UnixMilli(), ""
}

// parseZoneless parses "2006-01-02 15:04:05[.fff]" or the same with a T,
// as UTC.
func parseZoneless(b []byte) (time.Time, bool) {
	for _, l := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(l, string(b)); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
