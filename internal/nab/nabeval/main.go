// Command nabeval runs a detector over a labelled corpus in the layout of
// the Numenta Anomaly Benchmark (data/<category>/<file>.csv,
// labels/combined_windows.json) and prints NAB's normalised score
// (standard profile, one threshold swept over the corpus).
//
//	go run ./internal/nab/nabeval -corpus DIR [-split all|tune|held] [-detector hindsight|random|gaussian] [-out DIR]
//
// Files are read as `hindsight detect` reads them and scored by the same
// detector with its one default setting. -split keeps a fixed half of the
// files (by a hash of the file name): tune on one, report the other.
package main

import (
	"flag"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/hindsight-sre/hindsight/analyze/detector"
	"github.com/hindsight-sre/hindsight/internal/nab"
	"github.com/hindsight-sre/hindsight/internal/nab/zscore"
	"github.com/hindsight-sre/hindsight/sources/file"
)

func main() {
	corpus := flag.String("corpus", "", "corpus directory (data/, labels/)")
	split := flag.String("split", "all", "all, tune (files whose name hashes even) or held (odd)")
	det := flag.String("detector", "hindsight", "hindsight, random or gaussian (windowed, previous 100 rows)")
	out := flag.String("out", "", "also write one scored CSV per file here (for other scorers)")
	perFile := flag.Bool("per-file", false, "print each file's raw score")
	field := flag.String("field", "onset", "hindsight's score column: onset (as detect writes it) or score (-quiet: score unless given)")
	var c detector.Config
	flag.IntVar(&c.Level, "level", 0, "override Config.Level (tuning only)")
	flag.IntVar(&c.History, "history", 0, "override Config.History (tuning only)")
	flag.IntVar(&c.Refractory, "refractory", 0, "override Config.Refractory (tuning only)")
	flag.Float64Var(&c.Alpha, "alpha", 0, "override Config.Alpha (tuning only)")
	flag.Float64Var(&c.Gain, "gain", 0, "override Config.Gain (tuning only)")
	quiet := flag.Float64("quiet", 0, "instead of scoring: on the files without labelled windows, count the intervals (rows at or above this score, runs two rows apart merged) per day")
	flag.Parse()
	if *quiet > 0 {
		// -quiet counts detect -o json's intervals (the score) unless
		// -field onset asks for the rows detect's CSV flags.
		qf := "score"
		flag.Visit(func(f *flag.Flag) {
			if f.Name == "field" {
				qf = *field
			}
		})
		if err := quietRate(*corpus, *det, qf, *quiet); err != nil {
			fmt.Fprintln(os.Stderr, "nabeval:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*corpus, *split, *det, *out, *field, *perFile, c); err != nil {
		fmt.Fprintln(os.Stderr, "nabeval:", err)
		os.Exit(1)
	}
}

// InSplit says whether a file belongs to the tuning half.
func tuning(name string) bool {
	h := fnv.New32a()
	h.Write([]byte(name))
	return h.Sum32()%2 == 0
}

func run(dir, split, det, out, field string, perFile bool, c detector.Config) error {
	labels, err := nab.Labels(dir)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(labels))
	for n := range labels {
		if split == "all" || (split == "tune") == tuning(n) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	var files []*nab.File
	for _, name := range names {
		fh, err := os.Open(filepath.Join(dir, "data", name))
		if err != nil {
			return err
		}
		s, err := file.ReadSeries(fh, name)
		fh.Close()
		if err != nil {
			return err
		}
		times := make([]int64, len(s.Rows))
		for i := range s.Rows {
			times[i] = s.Rows[i].T
		}
		f, err := nab.NewFile(name, times, labels[name])
		if err != nil {
			return err
		}
		scores := make([]float64, len(s.Rows))
		t, v := s.Sorted()
		var sc []float64
		switch det {
		case "hindsight":
			for _, r := range detector.Score(c, t, v) {
				if field == "score" {
					sc = append(sc, r.Score)
				} else {
					sc = append(sc, r.Onset)
				}
			}
		case "random":
			rng := rand.New(rand.NewPCG(1, uint64(len(sc))))
			for range t {
				sc = append(sc, rng.Float64())
			}
		case "old":
			// hindsight detect before issue 14: robust z of the value
			// against the median and MAD of the previous 1440 rows.
			od := zscore.NewDetector(zscore.DetectOptions{})
			for _, x := range v {
				sc = append(sc, od.Push(x))
			}
		case "gaussian":
			sc = gaussian(v, 100)
		default:
			return fmt.Errorf("unknown detector %q", det)
		}
		for k, i := range s.Order {
			// Rounded as the CSV writes it, so that this and a scorer
			// reading the written files see the same scores.
			scores[i] = math.Round(sc[k]*1e6) / 1e6
		}
		f.Attach(times, scores)
		files = append(files, f)
		if out != "" {
			if err := write(filepath.Join(out, name), s, scores); err != nil {
				return err
			}
		}
	}
	r := nab.Score(files, nab.Standard)
	if perFile {
		for _, f := range files {
			fmt.Printf("%-58s %8.3f\n", f.Name, r.PerFile[f.Name])
		}
	}
	fmt.Printf("files=%d windows=%d detected=%d fp_rows=%d threshold=%.6g normalised=%.2f\n",
		len(files), r.Windows, r.Detected, r.FPRows, r.Threshold, r.Normalised)
	return nil
}

// gaussian is the windowed Gaussian baseline: 1 - the two-sided tail
// probability of a value against the mean and standard deviation of the
// previous w values.
func gaussian(v []float64, w int) []float64 {
	out := make([]float64, len(v))
	var hist []float64
	for i, x := range v {
		if math.IsNaN(x) {
			continue
		}
		if len(hist) >= 2 {
			m, s := 0.0, 0.0
			for _, y := range hist {
				m += y
			}
			m /= float64(len(hist))
			for _, y := range hist {
				s += (y - m) * (y - m)
			}
			s = math.Sqrt(s / float64(len(hist)))
			if s > 0 {
				out[i] = 1 - math.Erfc(math.Abs(x-m)/s/math.Sqrt2)
			} else if x != m {
				out[i] = 1
			}
		}
		hist = append(hist, x)
		if len(hist) > w {
			hist = hist[1:]
		}
	}
	return out
}

func write(path string, s *file.Series, scores []float64) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b := []byte("timestamp,value,anomaly_score\n")
	for i := range s.Rows {
		if !s.Rows[i].OK {
			continue
		}
		b = append(b, s.TimeText(i)...)
		b = append(b, ',')
		b = append(b, s.ValueText(i)...)
		b = append(b, ',')
		b = strconv.AppendFloat(b, scores[i], 'f', 6, 64)
		b = append(b, '\n')
	}
	return os.WriteFile(path, b, 0o644)
}

// quietRate runs the detector over the files without labelled windows and
// prints, per file and in total, the alarms (runs of rows at or above cut,
// runs at most two rows apart merged, as detect -o json makes intervals)
// per day of data.
func quietRate(dir, det, field string, cut float64) error {
	labels, err := nab.Labels(dir)
	if err != nil {
		return err
	}
	var names []string
	for n, w := range labels {
		if len(w) == 0 {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	totAlarms, totDays := 0, 0.0
	for _, name := range names {
		fh, err := os.Open(filepath.Join(dir, "data", name))
		if err != nil {
			return err
		}
		s, err := file.ReadSeries(fh, name)
		fh.Close()
		if err != nil {
			return err
		}
		t, v := s.Sorted()
		var sc []float64
		switch det {
		case "hindsight":
			for _, r := range detector.Score(detector.Config{}, t, v) {
				if field == "onset" {
					sc = append(sc, r.Onset)
				} else {
					sc = append(sc, r.Score)
				}
			}
		case "old":
			od := zscore.NewDetector(zscore.DetectOptions{})
			for _, x := range v {
				sc = append(sc, od.Push(x))
			}
		case "gaussian":
			sc = gaussian(v, 100)
		default:
			return fmt.Errorf("unknown detector %q", det)
		}
		alarms, last := 0, -10
		for i, x := range sc {
			if x >= cut {
				if i-last > 3 {
					alarms++
				}
				last = i
			}
		}
		days := float64(t[len(t)-1]-t[0]) / 86400e6
		fmt.Printf("%-50s rows=%6d days=%5.1f alarms=%4d per_day=%.2f\n", name, len(t), days, alarms, float64(alarms)/days)
		totAlarms += alarms
		totDays += days
	}
	fmt.Printf("total: files=%d days=%.1f alarms=%d per_day=%.3f\n", len(names), totDays, totAlarms, float64(totAlarms)/totDays)
	return nil
}
