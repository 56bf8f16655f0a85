package incidentgen_test

import (
	"fmt"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/hindsight-sre/hindsight/analyze"
	"github.com/hindsight-sre/hindsight/internal/incidentgen"
)

// The seed split is fixed here, once: rules are tuned looking at seeds
// 0-9 only (HINDSIGHT_EVAL=tune), and accuracy is reported on seeds
// 10-19, which nobody looks at case by case while tuning.
const (
	tuneFrom, tuneTo     = 0, 10
	heldOutFrom, heldOut = 10, 20
)

// Floors on the held-out seeds, over all families; the targets
// are 90% and 98%. They are set at what the analysis reaches today, so
// that a change that makes it worse fails.
const (
	floorRank1 = 0.85
	floorTop3  = 0.95
	// The microservice families (service at fault = top component); the
	// issue's targets on the public benchmark are 45% and 65% rank-1.
	floorMicroRank1 = 0.70
	floorMicroTop3  = 0.78
)

type score struct{ n, rank1, top3 int }

// TestHeldOutAccuracy generates every family's held-out seeds, runs the
// analysis and prints rank-1 and top-3 accuracy per family:
//
//	go test -run TestHeldOutAccuracy -v ./internal/incidentgen
//
// HINDSIGHT_EVAL=tune runs the tuning seeds instead and prints each miss
// with the suspects the analysis gave.
func TestHeldOutAccuracy(t *testing.T) {
	from, to, label := heldOutFrom, heldOut, "held-out"
	tune := os.Getenv("HINDSIGHT_EVAL") == "tune"
	if tune {
		from, to, label = tuneFrom, tuneTo, "tuning"
	}
	only := os.Getenv("HINDSIGHT_EVAL_FAMILY")
	var total, micro score
	var lines []string
	for _, fam := range incidentgen.Families() {
		if only != "" && !slices.Contains(strings.Split(only, ","), fam) {
			continue
		}
		var sc score
		type result struct {
			r1, t3 bool
			msg    string
			err    error
		}
		res := make([]result, to-from)
		// Incidents are independent: generate and analyse them on all
		// cores.
		var wg sync.WaitGroup
		next := make(chan int)
		for range runtime.GOMAXPROCS(0) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for seed := range next {
					// Each incident's files go as soon as they are read
					// back: kept to the end (t.TempDir), a run held 12 GB,
					// and a run cut off by its timeout left them behind.
					dir, err := os.MkdirTemp("", "incidentgen-")
					if err != nil {
						res[seed-from].err = err
						continue
					}
					inc, err := incidentgen.Generate(fam, seed, dir)
					os.RemoveAll(dir)
					if err != nil {
						res[seed-from].err = err
						continue
					}
					f := analyze.Run(inc.Dataset, inc.Options)
					r1, t3, why := judge(inc, f)
					res[seed-from] = result{r1: r1, t3: t3, msg: fmt.Sprintf("MISS %s/%d (%s, %s): %s\n%s", fam, seed,
						inc.Description, inc.Start.In(inc.Location).Format("Mon 15:04 MST"), inc.Truth.Match, why)}
				}
			}()
		}
		for seed := from; seed < to; seed++ {
			next <- seed
		}
		close(next)
		wg.Wait()
		for _, r := range res {
			if r.err != nil {
				t.Fatal(r.err)
			}
			sc.n++
			if r.r1 {
				sc.rank1++
			}
			if r.t3 {
				sc.top3++
			}
			if tune && !r.r1 {
				t.Log(r.msg)
			}
		}
		lines = append(lines, fmt.Sprintf("%-16s rank-1 %2d/%d  top-3 %2d/%d", fam, sc.rank1, sc.n, sc.top3, sc.n))
		// As each family ends (the whole table takes minutes).
		t.Log(lines[len(lines)-1])
		// The microservice families are judged by the component at
		// fault and have floors of their own.
		tot := &total
		if strings.HasPrefix(fam, "ms-") {
			tot = &micro
		}
		tot.n += sc.n
		tot.rank1 += sc.rank1
		tot.top3 += sc.top3
	}
	r1 := float64(total.rank1) / float64(max(1, total.n))
	t3 := float64(total.top3) / float64(max(1, total.n))
	lines = append(lines, fmt.Sprintf("%-16s rank-1 %d/%d = %.1f%%  top-3 %d/%d = %.1f%%", "all ("+label+")",
		total.rank1, total.n, 100*r1, total.top3, total.n, 100*t3))
	m1 := float64(micro.rank1) / float64(max(1, micro.n))
	m3 := float64(micro.top3) / float64(max(1, micro.n))
	if micro.n > 0 {
		lines = append(lines, fmt.Sprintf("%-16s rank-1 %d/%d = %.1f%%  top-3 %d/%d = %.1f%%", "microservices ("+label+")",
			micro.rank1, micro.n, 100*m1, micro.top3, micro.n, 100*m3))
	}
	fmt.Println(strings.Join(lines, "\n"))
	if !tune && only == "" && (r1 < floorRank1 || t3 < floorTop3) {
		t.Errorf("held-out accuracy rank-1 %.1f%% top-3 %.1f%%, below the floor %.0f%% / %.0f%%",
			100*r1, 100*t3, 100*floorRank1, 100*floorTop3)
	}
	if !tune && only == "" && (m1 < floorMicroRank1 || m3 < floorMicroTop3) {
		t.Errorf("microservice held-out accuracy rank-1 %.1f%% top-3 %.1f%%, below the floor %.0f%% / %.0f%%",
			100*m1, 100*m3, 100*floorMicroRank1, 100*floorMicroTop3)
	}
}

// judge says whether the report's lead symptom names the true cause first
// and within the top three, and lists what it named.
func judge(inc *incidentgen.Incident, f *analyze.Findings) (rank1, top3 bool, why string) {
	if len(f.Symptoms) == 0 {
		return false, false, "  no symptom found"
	}
	s := f.Symptoms[0]
	re := regexp.MustCompile(inc.Truth.Match)
	matches := func(sp analyze.Suspect) bool { return re.MatchString(sp.Title) || re.MatchString(sp.Component) }
	var b strings.Builder
	fmt.Fprintf(&b, "  lead: %s %s at %s\n", s.Subject, s.Kind, s.Start.In(inc.Location).Format("15:04"))
	for _, sp := range s.Suspects {
		fmt.Fprintf(&b, "  %.2f [%s/%s] %s {%s}\n", sp.Score, sp.Kind, sp.Cause, sp.Title, sp.Component)
	}
	if inc.Truth.ByComponent {
		// The service at fault must be the top component of the lead
		// symptom's roll-up (and the first suspect's component, which
		// the report names first).
		for _, c := range s.ByComponent {
			fmt.Fprintf(&b, "  component %.2f %s (%d suspects)\n", c.Score, c.Component, c.Suspects)
		}
		why = b.String()
		for i, c := range s.ByComponent {
			if re.MatchString(c.Component) {
				rank1 = i == 0 && !s.Unexplained && len(s.Suspects) > 0 && re.MatchString(s.Suspects[0].Component)
				top3 = i < 3
			}
		}
		return rank1, top3, why
	}
	why = b.String()
	// "No convincing cause" (Unexplained) names no cause first; the weak
	// candidates it still lists count for the top three, as a person
	// reading the report sees them.
	if s.Unexplained {
		why += "  (unexplained: no convincing cause)\n"
	}
	if inc.Truth.Type == incidentgen.Nothing {
		ok := s.Unexplained || matches(s.Suspects[0])
		return ok, ok || anyMatch(s.Suspects[:min(3, len(s.Suspects))], matches), why
	}
	if len(s.Suspects) == 0 {
		return false, false, why
	}
	top := s.Suspects[:min(3, len(s.Suspects))]
	rank1 = !s.Unexplained && matches(s.Suspects[0])
	top3 = anyMatch(top, matches)
	if inc.Truth.Also != "" {
		also := regexp.MustCompile(inc.Truth.Also)
		am := func(sp analyze.Suspect) bool { return also.MatchString(sp.Title) || also.MatchString(sp.Component) }
		rank1 = rank1 || !s.Unexplained && am(s.Suspects[0])
		top3 = anyMatch(top, matches) && anyMatch(top, am)
	}
	return rank1, top3, why
}

func anyMatch(ss []analyze.Suspect, f func(analyze.Suspect) bool) bool {
	for _, s := range ss {
		if f(s) {
			return true
		}
	}
	return false
}
