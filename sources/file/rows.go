package file

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/hindsight-sre/hindsight/internal/lines"
)

// Row is one data row of a timestamp,value CSV, as ReadRows gives it.
type Row struct {
	Line  int       // 1-based line in the file
	T     time.Time // UTC
	Time  []byte    // the timestamp as written; valid until the next row
	Value []byte    // the value as written; valid until the next row
	V     float64   // NaN when the value is empty or NaN
}

// ReadRows streams a single-series CSV (a header naming a timestamp and a
// value column, then one row per sample, in time order) to fn. Timestamps
// are RFC 3339, the same without a zone (read as UTC, as most public
// benchmark series are written), or unix seconds. A row that cannot be
// read, or whose time is not after the previous row's, is an error naming
// the line; an empty file is an error too.
func ReadRows(r io.Reader, file string, fn func(Row) error) error {
	lr := lines.New(r, 1<<16)
	var fields [][]byte
	tsCol, valCol := -1, -1
	line := 0
	var prev time.Time
	rows := 0
	for {
		text, _, err := lr.Next()
		if err == io.EOF {
			break
		}
		line++
		if errors.Is(err, lines.ErrTooLong) {
			return &lineError{file: file, line: line, msg: "line longer than 1 MiB"}
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", file, err)
		}
		lineErr := func(msg, hint string) error {
			return &lineError{file: file, line: line, msg: msg, text: string(text), hint: hint}
		}
		if t := bytes.TrimSpace(text); len(t) == 0 || t[0] == '#' {
			continue
		}
		var ok bool
		if fields, ok = splitCSV(text, fields[:0]); !ok {
			return lineErr("unbalanced quotes", "")
		}
		if tsCol < 0 {
			for i, f := range fields {
				switch string(bytes.ToLower(bytes.TrimSpace(f))) {
				case "timestamp", "time", "ts":
					tsCol = i
				case "value":
					valCol = i
				}
			}
			if tsCol < 0 || valCol < 0 {
				return lineErr("header has no timestamp and value columns", hintCSVHeader)
			}
			continue
		}
		if len(fields) <= max(tsCol, valCol) {
			return lineErr(fmt.Sprintf("%d fields, the header has more", len(fields)), "")
		}
		row := Row{Line: line, Time: bytes.TrimSpace(fields[tsCol]), Value: bytes.TrimSpace(fields[valCol]), V: math.NaN()}
		t, msg := parseRowTime(row.Time)
		if msg != "" {
			return lineErr(msg, hintCSVTime+", or 2006-01-02 15:04:05 (UTC)")
		}
		row.T = t
		if !prev.IsZero() && !t.After(prev) {
			return lineErr(fmt.Sprintf("timestamp %s is not after the previous row's %s", t.Format(time.RFC3339Nano),
				prev.Format(time.RFC3339Nano)), "sort the file by time and drop duplicate timestamps")
		}
		prev = t
		if len(row.Value) > 0 {
			v, err := parseFloat(row.Value)
			if err != nil {
				return lineErr(fmt.Sprintf("value %q is not a number", row.Value), "")
			}
			row.V = v
		}
		rows++
		if err := fn(row); err != nil {
			return err
		}
	}
	if tsCol < 0 {
		return fmt.Errorf("%s: empty file\nhint: %s", file, hintCSVHeader)
	}
	if rows == 0 {
		return fmt.Errorf("%s: a header but no rows", file)
	}
	return nil
}

func parseRowTime(b []byte) (time.Time, string) {
	ms, msg := parseCSVTime(b)
	if msg == "" {
		return time.UnixMilli(ms).UTC(), ""
	}
	for _, l := range []string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(l, string(b)); err == nil {
			return t, ""
		}
	}
	return time.Time{}, msg
}
