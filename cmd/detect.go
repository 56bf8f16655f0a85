package cmd

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/hindsight-sre/hindsight/analyze"
	"github.com/hindsight-sre/hindsight/sources/file"
)

type detectOptions struct {
	format    string
	window    int
	threshold float64
	cut       float64
	output    string
}

func newDetectCmd() *cobra.Command {
	o := &detectOptions{}
	c := &cobra.Command{
		Use:   "detect FILE.csv",
		Short: "Score every row of a time series for anomalies, causally",
		Long: `detect reads a time series (CSV with a header: timestamp,value) and writes
timestamp,value,anomaly_score, one row per input row. Each score, in [0,1],
uses only that row and the rows before it, as a streaming detector would:
the robust z-score of the value against the median and MAD of the previous
--window values, mapped to z²/(z²+T²) with T the --threshold (0.5 at z = T).

With -o json it lists the intervals whose score reaches --cut instead.
FILE may be - for standard input.`,
		Example: `  hindsight detect latency.csv > scored.csv
  hindsight detect --window 288 -o json cpu.csv`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			return runDetect(args[0], o, c.InOrStdin(), c.OutOrStdout())
		},
	}
	f := c.Flags()
	f.StringVarP(&o.format, "output-format", "o", "csv", "csv (one scored row per input row) or json (intervals)")
	f.IntVar(&o.window, "window", 1440, "how many previous values the baseline holds")
	f.Float64Var(&o.threshold, "threshold", 6, "robust z-score that scores 0.5")
	f.Float64Var(&o.cut, "cut", 0.5, "with -o json: the score from which a row is anomalous")
	f.StringVar(&o.output, "output", "", "write to this file instead of stdout")
	return c
}

func runDetect(path string, o *detectOptions, stdin io.Reader, stdout io.Writer) error {
	if o.format != "csv" && o.format != "json" {
		return usageErrorf("-o: unknown format %q\nhint: use csv or json", o.format)
	}
	if o.window < 2 || o.threshold <= 0 || o.cut <= 0 || o.cut > 1 {
		return usageErrorf("--window must be at least 2, --threshold positive and --cut in (0,1]")
	}
	in := stdin
	name := "stdin"
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("detect: %w\nhint: check the file name", err)
		}
		defer f.Close()
		in, name = f, path
	}
	d := analyze.NewDetector(analyze.DetectOptions{Window: o.window, Threshold: o.threshold})
	return writeOutput(o.output, func(out io.Writer) error {
		if o.format == "json" {
			return detectJSON(in, name, d, o.cut, out)
		}
		bw := bufio.NewWriterSize(out, 1<<16)
		bw.WriteString("timestamp,value,anomaly_score\n")
		var b []byte
		err := file.ReadRows(in, name, func(r file.Row) error {
			b = append(b[:0], r.Time...)
			b = append(b, ',')
			b = append(b, r.Value...)
			b = append(b, ',')
			b = strconv.AppendFloat(b, d.Push(r.V), 'f', 6, 64)
			b = append(b, '\n')
			_, err := bw.Write(b)
			return err
		})
		if err != nil {
			return err
		}
		return bw.Flush()
	}, stdout)
}

func detectJSON(in io.Reader, name string, d *analyze.Detector, cut float64, out io.Writer) error {
	var ts []time.Time
	var vals, scores []float64
	err := file.ReadRows(in, name, func(r file.Row) error {
		ts = append(ts, r.T)
		vals = append(vals, r.V)
		scores = append(scores, d.Push(r.V))
		return nil
	})
	if err != nil {
		return err
	}
	ivs := analyze.Intervals(ts, vals, scores, cut, 2)
	type interval struct {
		Start     time.Time `json:"start"`
		End       time.Time `json:"end"`
		FirstRow  int       `json:"first_row"`
		LastRow   int       `json:"last_row"`
		Peak      time.Time `json:"peak"`
		PeakScore float64   `json:"peak_score"`
		PeakValue float64   `json:"peak_value"`
	}
	res := struct {
		Rows      int        `json:"rows"`
		Cut       float64    `json:"cut"`
		Intervals []interval `json:"intervals"`
	}{Rows: len(ts), Cut: cut, Intervals: []interval{}}
	for _, iv := range ivs {
		res.Intervals = append(res.Intervals, interval{iv.Start, iv.End, iv.FirstRow, iv.LastRow, iv.Peak,
			float64(int(iv.PeakScore*1e6)) / 1e6, iv.PeakValue})
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}
