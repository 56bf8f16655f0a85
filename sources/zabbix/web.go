package zabbix

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

type zMaint struct {
	MaintenanceID str    `json:"maintenanceid"`
	Name          string `json:"name"`
	Description   string `json:"description"`
	Type          str    `json:"maintenance_type"` // 0 with data collection, 1 without
	ActiveSince   str    `json:"active_since"`
	ActiveTill    str    `json:"active_till"`
	Hosts         []struct {
		HostID str    `json:"hostid"`
		Host   string `json:"host"`
	} `json:"hosts"`
	Groups      []zGroup  `json:"groups"`
	HostGroups  []zGroup  `json:"hostgroups"`
	Timeperiods []zPeriod `json:"timeperiods"`
}

type zPeriod struct {
	Type      str `json:"timeperiod_type"` // 0 one time, 2 daily, 3 weekly, 4 monthly
	Every     str `json:"every"`
	DayOfWeek str `json:"dayofweek"` // bit 0 Monday .. bit 6 Sunday
	StartTime str `json:"start_time"`
	Period    str `json:"period"`
	StartDate str `json:"start_date"`
}

// interval is a half-open unix-second range.
type interval struct{ from, to int64 }

// maintenance turns the maintenance periods that cover a selected host
// (directly or through its groups) into KindMaintenance events, and returns
// each host's maintenance intervals so web scenario beats in them can be
// marked as maintenance.
func (f *fetch) maintenance(ctx context.Context) (map[string][]interval, error) {
	var ms []zMaint
	if err := f.c.call(ctx, "maintenance.get", map[string]any{
		"output":            "extend",
		"selectTimeperiods": "extend",
		"selectHosts":       []string{"hostid", "host"},
		f.groupsParam():     []string{"groupid", "name"},
	}, &ms, true); err != nil {
		return nil, fmt.Errorf("zabbix maintenance.get: %w", err)
	}
	hostGroups := map[string][]string{} // groupid -> selected hostids
	for id, h := range f.hosts {
		for _, g := range h.groups() {
			hostGroups[string(g.GroupID)] = append(hostGroups[string(g.GroupID)], id)
		}
	}
	byHost := map[string][]interval{}
	w := interval{f.w.From.Unix(), ceilUnix(f.w.To)}
	var monthly []string
	for _, m := range ms {
		affected := map[string]bool{}
		var names []string
		for _, h := range m.Hosts {
			if f.hosts[string(h.HostID)] != nil {
				affected[string(h.HostID)] = true
				names = append(names, h.Host)
			}
		}
		var groups []string
		for _, g := range append(slices.Clone(m.Groups), m.HostGroups...) {
			groups = append(groups, g.Name)
			for _, id := range hostGroups[string(g.GroupID)] {
				if !affected[id] {
					affected[id] = true
					names = append(names, f.hostName(id))
				}
			}
		}
		if len(affected) == 0 {
			continue
		}
		since, err1 := m.ActiveSince.int()
		till, err2 := m.ActiveTill.int()
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("zabbix maintenance.get: maintenance %s: bad active_since/active_till %q/%q", m.MaintenanceID, m.ActiveSince, m.ActiveTill)
		}
		var ivs []interval
		for _, p := range m.Timeperiods {
			got, ok := expandPeriod(p, interval{since, till}, w, f.s.loc)
			if !ok {
				monthly = append(monthly, m.Name)
				continue
			}
			ivs = append(ivs, got...)
		}
		sort.Strings(names)
		detail := "hosts " + list(names, 10)
		if len(groups) > 0 {
			sort.Strings(groups)
			detail += "; groups " + list(groups, 5)
		}
		if m.Type == "1" {
			detail += "; no data collection"
		} else {
			detail += "; with data collection"
		}
		if m.Description != "" {
			detail += "; " + m.Description
		}
		for _, iv := range ivs {
			f.ds.Events = append(f.ds.Events, sources.Event{
				Source:   f.s.cfg.Name,
				T:        time.Unix(iv.from, 0).UTC(),
				End:      time.Unix(iv.to, 0).UTC(),
				Kind:     sources.KindMaintenance,
				Severity: sources.Info,
				Title:    "maintenance: " + m.Name,
				Detail:   detail,
				Ref:      "maintenanceid=" + string(m.MaintenanceID),
			})
			for id := range affected {
				byHost[id] = append(byHost[id], iv)
			}
		}
	}
	if len(monthly) > 0 {
		f.note("monthly maintenance periods are not expanded: %s", list(monthly, 5))
	}
	return byHost, nil
}

// expandPeriod lists the occurrences of one maintenance time period that
// overlap w, clipped to the maintenance's active range. Daily and weekly
// periods are in the server's local time (loc). ok is false for periods it
// does not expand (monthly).
func expandPeriod(p zPeriod, active, w interval, loc *time.Location) (out []interval, ok bool) {
	period, err := p.Period.int()
	if err != nil || period <= 0 {
		return nil, true
	}
	start, _ := p.StartTime.int()
	every, _ := p.Every.int()
	every = max(every, 1)
	add := func(a int64) {
		iv := interval{max(a, active.from, w.from), min(a+period, active.to, w.to)}
		if iv.from < iv.to {
			out = append(out, iv)
		}
	}
	lo := max(active.from, w.from) - period // earliest start that can overlap
	hi := min(active.to, w.to)
	switch p.Type {
	case "0":
		d, err := p.StartDate.int()
		if err == nil {
			add(d)
		}
		return out, true
	case "2", "3":
		weekly := p.Type == "3"
		days := every
		if weekly {
			days = 7 * every
		}
		a := time.Unix(active.from, 0).In(loc)
		first := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, loc)
		if weekly {
			first = first.AddDate(0, 0, -((int(first.Weekday()) + 6) % 7)) // back to Monday
		}
		// Skip whole cycles before lo, then walk.
		if skip := (lo - first.Unix()) / (86400 * days); skip > 1 {
			first = first.AddDate(0, 0, int((skip-1)*days))
		}
		mask, _ := p.DayOfWeek.int()
		for c := first; c.Unix() < hi; c = c.AddDate(0, 0, int(days)) {
			if !weekly {
				add(c.Unix() + start)
				continue
			}
			for d := 0; d < 7; d++ {
				if mask&(1<<d) != 0 {
					add(c.AddDate(0, 0, d).Unix() + start)
				}
			}
		}
		return out, true
	}
	return nil, false
}

type zHTTPTest struct {
	HTTPTestID str     `json:"httptestid"`
	HostID     str     `json:"hostid"`
	Name       string  `json:"name"`
	Delay      string  `json:"delay"`
	Steps      []zStep `json:"steps"`
}

type zStep struct {
	Name string `json:"name"`
	URL  string `json:"url"`
	No   str    `json:"no"`
}

// probes turns web scenario items into one Probe per scenario: a beat per
// check, down when web.test.fail names a failed step, the latency the sum
// of its steps' web.test.time, and the response codes in Msg.
func (f *fetch) probes(ctx context.Context, web []*zItem, data map[string]*itemData, maint map[string][]interval) {
	if len(web) == 0 {
		return
	}
	type scen struct {
		host, name  string
		fail        *zItem
		times, rsps []*zItem
	}
	scens := map[string]*scen{}
	var order []string
	for _, it := range web {
		kn, params := keyParams(it.Key)
		if len(params) == 0 {
			continue
		}
		k := string(it.HostID) + "\x00" + params[0]
		sc := scens[k]
		if sc == nil {
			sc = &scen{host: string(it.HostID), name: params[0]}
			scens[k] = sc
			order = append(order, k)
		}
		switch kn {
		case "web.test.fail":
			sc.fail = it
		case "web.test.time":
			sc.times = append(sc.times, it)
		case "web.test.rspcode":
			sc.rsps = append(sc.rsps, it)
		}
	}
	tests := map[string]*zHTTPTest{}
	var hts []zHTTPTest
	if err := f.c.call(ctx, "httptest.get", map[string]any{
		"output":      []string{"httptestid", "hostid", "name", "delay"},
		"hostids":     f.hostIDs(),
		"selectSteps": []string{"name", "url", "no"},
	}, &hts, true); err != nil {
		f.note("web scenario targets unknown: %v", err)
	}
	for i := range hts {
		tests[string(hts[i].HostID)+"\x00"+hts[i].Name] = &hts[i]
	}

	for _, k := range order {
		sc := scens[k]
		p := sources.Probe{Source: f.s.cfg.Name, Name: sc.name}
		if ht := tests[k]; ht != nil {
			slices.SortFunc(ht.Steps, func(a, b zStep) int {
				x, _ := a.No.int()
				y, _ := b.No.int()
				return cmp.Compare(x, y)
			})
			if len(ht.Steps) > 0 {
				p.Target = ht.Steps[0].URL
			}
			if d, ok := parsePeriod(ht.Delay); ok {
				p.Interval = d
			}
		}
		p.Name = f.hostName(sc.host) + ": " + sc.name
		type acc struct {
			fail    float64
			hasFail bool
			lat     float64
			codes   []string
			trend   bool
		}
		beats := map[int64]*acc{}
		get := func(t int64) *acc {
			a := beats[t]
			if a == nil {
				a = &acc{}
				beats[t] = a
			}
			return a
		}
		trendItem := false
		if sc.fail != nil {
			d := data[string(sc.fail.ItemID)]
			for _, s := range d.samples {
				a := get(s.T / int64(time.Second))
				a.fail, a.hasFail = s.V, true
				a.trend = s.T < d.trendUntil
			}
		}
		for _, it := range sc.times {
			d := data[string(it.ItemID)]
			for _, s := range d.samples {
				if sc.fail != nil && beats[s.T/int64(time.Second)] == nil {
					continue // steps are stamped with the scenario's clock
				}
				a := get(s.T / int64(time.Second))
				a.lat += s.V
				a.trend = a.trend || s.T < d.trendUntil
			}
		}
		for _, it := range sc.rsps {
			d := data[string(it.ItemID)]
			for _, s := range d.samples {
				if a := beats[s.T/int64(time.Second)]; a != nil && s.T >= d.trendUntil {
					if s.V >= 400 || s.V == 0 {
						a.codes = append(a.codes, "HTTP "+strconv.FormatFloat(s.V, 'f', -1, 64))
					}
				}
			}
		}
		ts := make([]int64, 0, len(beats))
		for t := range beats {
			ts = append(ts, t)
		}
		slices.Sort(ts)
		for _, t := range ts {
			a := beats[t]
			b := sources.Beat{T: time.Unix(t, 0).UTC(), Status: sources.Up, Latency: time.Duration(a.lat * float64(time.Second))}
			if a.trend {
				trendItem = true
				b.Span = time.Hour
			}
			if a.hasFail && a.fail > 0 {
				b.Status = sources.Down
				if a.trend {
					b.Msg = fmt.Sprintf("hourly average of web.test.fail %.2f", a.fail)
				} else {
					b.Msg = fmt.Sprintf("step %s failed", strconv.FormatFloat(a.fail, 'f', -1, 64))
				}
			}
			if len(a.codes) > 0 {
				if b.Msg != "" {
					b.Msg += ", "
				}
				b.Msg += strings.Join(a.codes, ", ")
			}
			for _, iv := range maint[sc.host] {
				if t >= iv.from && t < iv.to {
					b.Status = sources.Maintenance
					break
				}
			}
			p.Beats = append(p.Beats, b)
		}
		if trendItem {
			p.Resolution = time.Hour
		}
		if len(p.Beats) == 0 {
			f.gap("web scenario "+p.Name, "no checks in the window")
			continue
		}
		f.ds.Probes = append(f.ds.Probes, p)
	}
}
