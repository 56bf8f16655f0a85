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
	T     time.Time // UTC; zero when Bad says the time could not be read
	Time  []byte    // the timestamp as written; valid until the next row
	Value []byte    // the value as written; valid until the next row
	V     float64   // NaN when the value is empty, NaN or not a number
	// Bad says why the row cannot be used ("" when it can): an unreadable
	// timestamp, too few fields, unbalanced quotes, a line over 1 MiB. A
	// value that is not a number is not Bad: V is NaN and Note says so.
	Bad  string
	Note string
}

// ReadRows streams a single-series CSV (a header naming a timestamp and a
// value column, then one row per sample) to fn, in file order. Timestamps
// are RFC 3339, the same without a zone (read as UTC, as most public
// benchmark series are written), or unix seconds. It does not refuse
// real-world rows: a row it cannot read comes with Bad set, rows may
// repeat or go back in time (ReadSeries sorts and merges them). An empty
// file, or one whose first line is no header, is an error.
func ReadRows(r io.Reader, file string, fn func(Row) error) error {
	lr := lines.New(r, 1<<16)
	var fields [][]byte
	tsCol, valCol := -1, -1
	line := 0
	for {
		text, _, err := lr.Next()
		if err == io.EOF {
			break
		}
		line++
		if errors.Is(err, lines.ErrTooLong) {
			if tsCol < 0 {
				return &lineError{file: file, line: line, msg: "line longer than 1 MiB"}
			}
			if err := fn(Row{Line: line, V: math.NaN(), Bad: "line longer than 1 MiB"}); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", file, err)
		}
		if t := bytes.TrimSpace(text); len(t) == 0 || t[0] == '#' {
			continue
		}
		var ok bool
		fields, ok = splitCSV(text, fields[:0])
		if tsCol < 0 {
			if ok {
				for i, f := range fields {
					switch string(bytes.ToLower(bytes.TrimSpace(f))) {
					case "timestamp", "time", "ts":
						tsCol = i
					case "value":
						valCol = i
					}
				}
			}
			if tsCol < 0 || valCol < 0 {
				return &lineError{file: file, line: line, msg: "header has no timestamp and value columns",
					text: string(text), hint: hintCSVHeader}
			}
			continue
		}
		row := Row{Line: line, V: math.NaN()}
		switch {
		case !ok:
			row.Bad = "unbalanced quotes"
		case len(fields) <= max(tsCol, valCol):
			row.Bad = fmt.Sprintf("%d fields, the header has more", len(fields))
		default:
			row.Time, row.Value = bytes.TrimSpace(fields[tsCol]), bytes.TrimSpace(fields[valCol])
			t, msg := parseRowTime(row.Time)
			if msg != "" {
				row.Bad = msg
				break
			}
			row.T = t
			if len(row.Value) > 0 {
				v, err := parseFloat(row.Value)
				if err != nil {
					row.Note = fmt.Sprintf("value %q is not a number", row.Value)
				} else {
					row.V = v
				}
			}
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	if tsCol < 0 {
		return fmt.Errorf("%s: empty file\nhint: %s", file, hintCSVHeader)
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
