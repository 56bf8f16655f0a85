package file

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"time"
)

// Series is a timestamp,value CSV read whole, as real exports come: rows
// may repeat a timestamp (a daylight-saving hour, a collector that wrote
// twice), go back in time, lack a value or carry one that is not a number.
// Nothing is refused; Notes says what was merged or skipped, with line
// numbers.
type Series struct {
	Rows []SeriesRow // in file order, one per data row
	// Order lists the indexes of the usable rows (a time was read) sorted
	// by time, ties in file order.
	Order []int32
	Notes []string
	text  []byte // the timestamp and value texts of every row
}

// SeriesRow is one data row of a Series.
type SeriesRow struct {
	Line int
	T    int64   // unix microseconds (years 0 to 9999 fit)
	V    float64 // NaN when missing or not a number
	OK   bool    // the time was read
	// Dup is set on every row after the first with the same time: the
	// series is scored once per time, on the mean of its rows' values.
	Dup    bool
	t0, t1 int32 // the timestamp text in Series.text
	v1     int32 // the value text is text[t1:v1]
}

// TimeText is the row's timestamp as written.
func (s *Series) TimeText(i int) []byte { r := &s.Rows[i]; return s.text[r.t0:r.t1] }

// ValueText is the row's value as written.
func (s *Series) ValueText(i int) []byte { r := &s.Rows[i]; return s.text[r.t1:r.v1] }

// lineList collects up to a few line numbers for a note.
type lineList struct {
	n     int
	lines []int
}

func (l *lineList) add(line int) {
	l.n++
	if len(l.lines) < 5 {
		l.lines = append(l.lines, line)
	}
}

func (l *lineList) String() string {
	var b strings.Builder
	if l.n == 1 {
		b.WriteString("line ")
	} else {
		b.WriteString("lines ")
	}
	for i, x := range l.lines {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprint(&b, x)
	}
	if l.n > len(l.lines) {
		fmt.Fprintf(&b, " and %d more", l.n-len(l.lines))
	}
	return b.String()
}

// ReadSeries reads a single-series CSV whole (see ReadRows for the format)
// and orders it by time. Only an empty file, a first line that is not a
// header, or a read error is an error.
func ReadSeries(r io.Reader, file string) (*Series, error) {
	s := &Series{}
	if st, ok := r.(interface{ Stat() (os.FileInfo, error) }); ok {
		// A file's size bounds its text and, at ~20 bytes a row, its rows:
		// sized once, the arrays are not copied as they grow.
		if fi, err := st.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() < 1<<31 {
			s.text = make([]byte, 0, fi.Size())
			s.Rows = make([]SeriesRow, 0, fi.Size()/20)
		}
	}
	var bad, notNum, missing, back lineList
	badWhy := ""
	var last int64
	seen := false
	err := ReadRows(r, file, func(row Row) error {
		sr := SeriesRow{Line: row.Line, V: row.V}
		sr.t0 = int32(len(s.text))
		s.text = append(s.text, row.Time...)
		sr.t1 = int32(len(s.text))
		s.text = append(s.text, row.Value...)
		sr.v1 = int32(len(s.text))
		if len(s.text) > math.MaxInt32-(1<<20) {
			return fmt.Errorf("%s: over 2 GiB of text\nhint: split the file", file)
		}
		switch {
		case row.Bad != "":
			bad.add(row.Line)
			if badWhy == "" {
				badWhy = row.Bad
			}
		default:
			sr.OK = true
			sr.T = row.T.UnixMicro()
			if seen && sr.T < last {
				back.add(row.Line)
			}
			if !seen || sr.T > last {
				last = sr.T
			}
			seen = true
			switch {
			case row.Note != "":
				notNum.add(row.Line)
			case math.IsNaN(row.V):
				missing.add(row.Line)
			}
		}
		s.Rows = append(s.Rows, sr)
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.Order = make([]int32, 0, len(s.Rows))
	for i := range s.Rows {
		if s.Rows[i].OK {
			s.Order = append(s.Order, int32(i))
		}
	}
	if back.n > 0 {
		slices.SortStableFunc(s.Order, func(a, b int32) int { return cmp.Compare(s.Rows[a].T, s.Rows[b].T) })
		s.Notes = append(s.Notes, fmt.Sprintf("%d rows earlier than a row above them (%s): scored in time order",
			back.n, back.String()))
	}
	var dup lineList
	for k := 1; k < len(s.Order); k++ {
		r := &s.Rows[s.Order[k]]
		if r.T == s.Rows[s.Order[k-1]].T {
			r.Dup = true
			dup.add(r.Line)
		}
	}
	if dup.n > 0 {
		s.Notes = append(s.Notes, fmt.Sprintf("%d rows repeat an earlier row's timestamp (%s): merged, "+
			"the mean of their values scored once", dup.n, dup.String()))
	}
	if bad.n > 0 {
		s.Notes = append(s.Notes, fmt.Sprintf("%d rows skipped (%s; first: %s): written with score 0",
			bad.n, bad.String(), badWhy))
	}
	if notNum.n > 0 {
		s.Notes = append(s.Notes, fmt.Sprintf("%d values are not numbers (%s): read as missing, score 0",
			notNum.n, notNum.String()))
	}
	if missing.n > 0 {
		s.Notes = append(s.Notes, fmt.Sprintf("%d values are empty or NaN (%s): score 0", missing.n, missing.String()))
	}
	if len(s.Rows) == 0 {
		s.Notes = append(s.Notes, "a header but no rows: nothing to score")
	}
	return s, nil
}

// Time is the time of s.Rows[i] as a time.Time (UTC).
func (s *Series) Time(i int) time.Time { return time.UnixMicro(s.Rows[i].T).UTC() }

// Sorted gives the usable rows' times and values in time order (the order
// of s.Order).
func (s *Series) Sorted() (t []int64, v []float64) {
	t, v = make([]int64, len(s.Order)), make([]float64, len(s.Order))
	for k, i := range s.Order {
		t[k], v[k] = s.Rows[i].T, s.Rows[i].V
	}
	return t, v
}
