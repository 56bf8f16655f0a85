package statuspage

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/hindsight-sre/hindsight/internal/lines"
)

// stateSchema versions the state file.
const stateSchema = "hindsight/statuspage-state/v1"

// keepState bounds what is remembered: incidents started within 455 days
// (the longest any other source looks back, CloudWatch's hourly data), at
// most maxRemembered of them.
const (
	keepState     = 455 * 24 * time.Hour
	maxRemembered = 5000
)

type stateFile struct {
	Schema string `json:"schema"`
	URL    string `json:"url"`
	Page   string `json:"page,omitempty"` // the page's own name

	Incidents []Incident `json:"incidents"`
}

// remember merges what the page shows now with what was seen before and
// saves the result. What the page shows wins (incidents are updated as they
// go); an incident remembered as open (a Kuma banner) that the page no
// longer shows has ended by now (when the page was read: read false keeps
// what was remembered as it was). On a state error the merged list is still
// returned, with the error, so the window is reported all the same.
func (s *Source) remember(name string, now []Incident, read bool) ([]Incident, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	byID := map[string]Incident{}
	var loadErr error
	if s.state != "" {
		b, err := lines.ReadFile(s.state, 1<<30) // a FIFO would block, a device never end
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			loadErr = fmt.Errorf("read %s: %w\nhint: check the permissions of state_dir", s.state, err)
		default:
			var st stateFile
			if err := json.Unmarshal(b, &st); err != nil || st.Schema != stateSchema {
				loadErr = fmt.Errorf("state %s is unreadable (%v); incidents seen before are not remembered this time\nhint: remove the file to start afresh", s.state, err)
			} else {
				for _, in := range st.Incidents {
					byID[in.ID] = in
				}
				if name == "" {
					name = st.Page
				}
			}
		}
	}
	t := s.c.Now().UTC()
	shown := map[string]bool{}
	for _, in := range now {
		shown[in.ID] = true
		byID[in.ID] = in
	}
	for id, in := range byID {
		if read && in.Open && !shown[id] {
			in.Open, in.End, in.Status = false, t, "no longer shown"
			byID[id] = in
		}
	}
	all := make([]Incident, 0, len(byID))
	for _, in := range byID {
		if t.Sub(in.Start) <= keepState {
			all = append(all, in)
		}
	}
	slices.SortFunc(all, func(a, b Incident) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return compareStr(a.ID, b.ID)
	})
	if len(all) > maxRemembered {
		all = all[len(all)-maxRemembered:]
	}
	if s.state == "" || loadErr != nil {
		return all, name, loadErr
	}
	return all, name, s.save(name, all)
}

func compareStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (s *Source) save(name string, all []Incident) error {
	// The page's URL without its userinfo: a password in the config's URL
	// is never written to disk.
	u := *s.base
	u.User = nil
	b, err := json.MarshalIndent(stateFile{Schema: stateSchema, URL: u.String(), Page: name, Incidents: all}, "", " ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.state), 0o700); err != nil {
		return fmt.Errorf("save incidents seen: %w\nhint: set state_dir to a writable directory", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.state), ".statuspage-*")
	if err != nil {
		return fmt.Errorf("save incidents seen: %w\nhint: set state_dir to a writable directory", err)
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if werr != nil || cerr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save incidents seen: %w", errors.Join(werr, cerr))
	}
	if err := os.Rename(tmp.Name(), s.state); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save incidents seen: %w", err)
	}
	return nil
}
