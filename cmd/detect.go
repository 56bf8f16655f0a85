package cmd

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/hindsight-sre/hindsight/analyze/detector"
	"github.com/hindsight-sre/hindsight/internal/lines"
	"github.com/hindsight-sre/hindsight/sources/file"
)

type detectOptions struct {
	format  string
	cut     float64
	output  string
	explain bool
}

func newDetectCmd() *cobra.Command {
	o := &detectOptions{}
	c := &cobra.Command{
		Use:   "detect FILE.csv",
		Short: "Score every row of a time series for anomalies, causally",
		Long: `detect reads a time series (CSV with a header: timestamp,value[,...]) and
writes timestamp,value,anomaly_score, one row per input row, in the file's
order. Each score, in [0,1], uses only that row and the rows before it in
time, as a streaming detector would (package analyze/detector):

  - the value is predicted from the median of the recent values, plus the
    time of day or of the week when that predicts better;
  - its error is ranked among the series' past errors: a p-value, with an
    exponential tail beyond the largest;
  - score = -log10(p)/10: on normal data a row scores 0.3 about once in a
    thousand rows and 0.5 once in 100,000, on any series;
  - anomaly_score is the score at the onset of an event (or when it gets
    worse) and 0 while an event already scored goes on, so a permanent
    step scores once.

Real files are taken as they come: repeated timestamps are merged (the mean
is scored, every row gets its score), rows out of order are scored in time
order, empty or non-numeric values and unreadable rows score 0; stderr
says what was merged or skipped, with line numbers.

With -o json it lists the intervals whose rows score at least --cut;
--explain prints each interval's sentence, as the reports say it.
FILE may be - for standard input.`,
		Example: `  hindsight detect latency.csv > scored.csv
  hindsight detect -o json --explain cpu.csv`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return runDetect(args[0], o, c.InOrStdin(), c.OutOrStdout(), c.ErrOrStderr())
		},
	}
	f := c.Flags()
	f.StringVarP(&o.format, "output-format", "o", "csv", "csv (one scored row per input row) or json (intervals)")
	f.Float64Var(&o.cut, "cut", 0.4, "the score from which a row is abnormal, for intervals (0.4: p = 1e-4)")
	f.BoolVar(&o.explain, "explain", false, "print each interval's sentence (with -o csv: on stderr)")
	f.StringVar(&o.output, "output", "", "write to this file instead of stdout")
	return c
}

func runDetect(path string, o *detectOptions, stdin io.Reader, stdout, stderr io.Writer) error {
	if o.format != "csv" && o.format != "json" {
		return usageErrorf("-o: unknown format %q\nhint: use csv or json", o.format)
	}
	if !(o.cut > 0 && o.cut <= 1) {
		return usageErrorf("--cut must be in (0,1]\nhint: --cut is the least anomaly score an interval needs, e.g. --cut 0.4 (the default)")
	}
	in := stdin
	name := "stdin"
	if path != "-" {
		// Only regular files: a FIFO would block in open(), /dev/zero
		// never end; a pipe is read as standard input.
		f, err := lines.Open(path)
		if err != nil {
			var nr *lines.NotRegularError
			if errors.As(err, &nr) {
				return fmt.Errorf("detect: %s is %s, not a regular file\nhint: pipe it in instead: ... | hindsight detect -", path, lines.Kind(nr.Mode))
			}
			return fmt.Errorf("detect: %w\nhint: check the file name", err)
		}
		defer f.Close()
		in, name = f, path
	}
	s, err := file.ReadSeries(in, name)
	if err != nil {
		return err
	}
	t, v := s.Sorted()
	if k, need := judgeable(t, v), detector.Learned(detector.Config{}); k < need && len(s.Rows) > 0 {
		// A score of 0 on every row would read as "nothing unusual":
		// say that nothing was judged.
		s.Notes = append(s.Notes, fmt.Sprintf("%d times with a value: the detector learns from the first %d "+
			"before it judges one, so every score is 0 (nothing was judged)", k, need))
	}
	for _, n := range s.Notes {
		fmt.Fprintf(stderr, "%s: %s\n", name, n)
	}
	res := detector.Score(detector.Config{}, t, v)
	// onset: each file row's output score (zero for rows without a
	// time); only the score, not the whole Result (8 bytes a row, not 40).
	onset := make([]float64, len(s.Rows))
	for k, i := range s.Order {
		onset[i] = res[k].Onset
	}
	ivs := intervals(s, filepath.Base(name), t, v, res, o.cut)
	return writeOutput(o.output, func(out io.Writer) error {
		if o.format == "json" {
			return detectJSON(s, ivs, o, out)
		}
		if o.explain {
			for _, iv := range ivs {
				fmt.Fprintln(stderr, iv.Explain)
			}
		}
		if g, ok := out.(interface{ Grow(int) }); ok {
			// The output is rendered in memory for redaction: size it
			// once (a million rows: 30 MB grown by doubling took a
			// tenth of detect's time).
			g.Grow(len(s.Rows) * 40)
		}
		bw := bufio.NewWriterSize(out, 1<<16)
		bw.WriteString("timestamp,value,anomaly_score\n")
		var b []byte
		for i := range s.Rows {
			b = append(b[:0], s.TimeText(i)...)
			b = append(b, ',')
			b = append(b, s.ValueText(i)...)
			b = append(b, ',')
			b = appendScore(b, onset[i])
			b = append(b, '\n')
			if _, err := bw.Write(b); err != nil {
				return err
			}
		}
		return bw.Flush()
	}, stdout)
}

// detectInterval is a run of rows (in time order) scoring at least the
// cut, runs at most two rows apart merged.
type detectInterval struct {
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	FirstRow  int       `json:"first_row"` // file lines
	LastRow   int       `json:"last_row"`
	Rows      int       `json:"rows"`
	Peak      time.Time `json:"peak"`
	PeakScore float64   `json:"peak_score"`
	PeakValue float64   `json:"peak_value"`
	Expected  float64   `json:"expected"`
	P         float64   `json:"p"`
	Direction string    `json:"direction"`
	Explain   string    `json:"explain,omitempty"`
	model     int8
}

// t and v are the series in time order (s.Sorted), res their results;
// name names the series in the sentences.
func intervals(s *file.Series, name string, t []int64, v []float64, res []detector.Result, cut float64) []detectInterval {
	var out []detectInterval
	last := -1 << 30
	for k, r := range res {
		if r.Score < cut {
			continue
		}
		i := s.Order[k]
		row := &s.Rows[i]
		if n := len(out); n > 0 && k-last <= 3 {
			iv := &out[n-1]
			iv.End, iv.LastRow = s.Time(int(i)), row.Line
			iv.Rows++
			if r.Score > iv.PeakScore {
				iv.Peak, iv.PeakScore, iv.PeakValue, iv.Expected, iv.P = s.Time(int(i)), r.Score, judged(t, v, k), r.Expected, r.P
				iv.Direction, iv.model = direction(r.Dir), r.Seasonal
			}
		} else {
			out = append(out, detectInterval{Start: s.Time(int(i)), End: s.Time(int(i)), FirstRow: row.Line,
				LastRow: row.Line, Rows: 1, Peak: s.Time(int(i)), PeakScore: r.Score, PeakValue: judged(t, v, k),
				Expected: r.Expected, P: r.P, Direction: direction(r.Dir), model: r.Seasonal})
		}
		out[len(out)-1].Explain = explainInterval(&out[len(out)-1], name)
		last = k
	}
	for i := range out {
		out[i].PeakScore = math.Round(out[i].PeakScore*1e6) / 1e6
	}
	return out
}

// judgeable counts the distinct times with a finite value (what the
// detector learns or judges), up to the detector's warm-up.
func judgeable(t []int64, v []float64) int {
	k, need := 0, detector.Learned(detector.Config{})
	for i := 0; i < len(t) && k < need; {
		j := i + 1
		for j < len(t) && t[j] == t[i] {
			j++
		}
		if x := detector.Merged(v[i:j]); !math.IsNaN(x) && !math.IsInf(x, 0) {
			k++
		}
		i = j
	}
	return k
}

// judged is the value the detector judged for the k-th row in time
// order: with rows repeating its time, the mean of their values, not the
// row's own (which may be empty or not a number: JSON has no NaN).
func judged(t []int64, v []float64, k int) float64 {
	lo, hi := k, k+1
	for lo > 0 && t[lo-1] == t[k] {
		lo--
	}
	for hi < len(t) && t[hi] == t[k] {
		hi++
	}
	return detector.Merged(v[lo:hi])
}

func direction(d int8) string {
	if d < 0 {
		return "down"
	}
	return "up"
}

// explainInterval is the interval's sentence in the form the reports
// give an abnormal stretch ("<series> rose to <peak> at <time>, <how it
// compares> (<basis>; <how rare>); <start>–<end>."), the series named by
// its file, with the file lines it covers.
func explainInterval(iv *detectInterval, name string) string {
	verb := "rose to"
	if iv.Direction == "down" {
		verb = "fell to"
	}
	const stamp = "2006-01-02 15:04:05"
	end := iv.End.Format(stamp)
	if iv.End.Format("2006-01-02") == iv.Start.Format("2006-01-02") {
		end = iv.End.Format("15:04:05")
	}
	lines := fmt.Sprintf("line %d", iv.FirstRow)
	if iv.Rows > 1 {
		// In time order: with rows out of order the first line may come
		// after the last.
		lines = fmt.Sprintf("%d rows, lines %d to %d", iv.Rows, iv.FirstRow, iv.LastRow)
	}
	return fmt.Sprintf("%s %s %s at %s, %s; %s–%s (%s).", name, verb,
		strconv.FormatFloat(iv.PeakValue, 'g', 4, 64), iv.Peak.Format(stamp),
		detector.Sentence(iv.PeakValue, iv.Expected, iv.P, iv.model, nil), iv.Start.Format(stamp), end, lines)
}

func detectJSON(s *file.Series, ivs []detectInterval, o *detectOptions, out io.Writer) error {
	if !o.explain {
		for i := range ivs {
			ivs[i].Explain = ""
		}
	}
	res := struct {
		Rows      int              `json:"rows"`
		Cut       float64          `json:"cut"`
		Notes     []string         `json:"notes,omitempty"`
		Intervals []detectInterval `json:"intervals"`
	}{Rows: len(s.Rows), Cut: o.cut, Notes: s.Notes, Intervals: ivs}
	if res.Intervals == nil {
		res.Intervals = []detectInterval{}
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}

// appendScore writes a score in [0,1] with six decimals, as
// strconv.AppendFloat(b, s, 'f', 6, 64) would up to the rounding of exact
// halves, at a tenth of its cost (a million rows: 5% of detect's time).
func appendScore(b []byte, s float64) []byte {
	n := int64(math.Round(s * 1e6))
	switch {
	case !(n > 0):
		return append(b, "0.000000"...)
	case n >= 1e6:
		return append(b, "1.000000"...)
	}
	var d [8]byte
	d[0], d[1] = '0', '.'
	for i := 7; i >= 2; i-- {
		d[i] = byte('0' + n%10)
		n /= 10
	}
	return append(b, d[:]...)
}
