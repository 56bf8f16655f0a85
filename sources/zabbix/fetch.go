package zabbix

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/hindsight-sre/hindsight/sources"
)

var httpClient = &http.Client{}

// Value types of Zabbix items (item.value_type, history.get "history").
const (
	typeFloat = "0"
	typeChar  = "1"
	typeLog   = "2"
	typeUint  = "3"
	typeText  = "4"
)

// Paging: history.get has no server-side aggregation, so a large window is
// cut into time chunks of about targetRows rows each (estimated from the
// items' update intervals); a chunk that comes back with maxRows rows is
// halved and asked again. Chunks run parallelChunks at a time. The figures
// come from BenchmarkFetch (BENCHMARKS.md): php -S served 144,000 rows in
// 0.46 s, so 50,000-row answers keep each call well under a second while
// the per-call cost (~17 ms) stays small.
const (
	parallelChunks = 4
	itemsPerCall   = 500
)

// Variables so that tests can page small answers.
var (
	targetRows = 50_000
	maxRows    = 200_000
)

type zHost struct {
	HostID     str      `json:"hostid"`
	Host       string   `json:"host"`
	Name       string   `json:"name"`
	Groups     []zGroup `json:"groups"`     // selectGroups, before 6.2
	HostGroups []zGroup `json:"hostgroups"` // selectHostGroups, 6.2+
}

type zGroup struct {
	GroupID str    `json:"groupid"`
	Name    string `json:"name"`
}

type zItem struct {
	ItemID    str    `json:"itemid"`
	HostID    str    `json:"hostid"`
	Key       string `json:"key_"`
	Name      string `json:"name"`
	ValueType str    `json:"value_type"`
	Units     string `json:"units"`
	History   string `json:"history"`
	Trends    string `json:"trends"`
	Delay     string `json:"delay"`
}

// fetch is the state of one Fetch call.
type fetch struct {
	s     *Source
	c     *client
	w     sources.Window
	step  time.Duration
	ds    *sources.Dataset
	hosts map[string]*zHost // by hostid
}

// Fetch reads the selected items' history (or hourly trends where history
// is gone), web scenarios, problems and maintenance periods for w.
func (s *Source) Fetch(ctx context.Context, w sources.Window, step time.Duration) (*sources.Dataset, error) {
	if err := w.Valid(); err != nil {
		return nil, fmt.Errorf("zabbix source %q: %w", s.cfg.Name, err)
	}
	c := s.newClient()
	if _, err := c.apiVersion(ctx); err != nil {
		return nil, fmt.Errorf("zabbix source %q: %w", s.cfg.Name, err)
	}
	if err := s.open(ctx, c); err != nil {
		return nil, fmt.Errorf("zabbix source %q: %w", s.cfg.Name, err)
	}
	defer s.close(ctx, c)

	f := &fetch{s: s, c: c, w: w, step: step, ds: &sources.Dataset{Window: w, Step: step}}
	if err := f.run(ctx); err != nil {
		return nil, fmt.Errorf("zabbix source %q: %w", s.cfg.Name, err)
	}
	f.ds.Sort()
	return f.ds, nil
}

func (f *fetch) gap(what, reason string) {
	f.ds.Gaps = append(f.ds.Gaps, sources.Gap{Source: f.s.cfg.Name, What: what, Reason: reason})
}

func (f *fetch) note(format string, args ...any) {
	f.ds.Notes = append(f.ds.Notes, "zabbix "+f.s.cfg.Name+": "+fmt.Sprintf(format, args...))
}

func (f *fetch) run(ctx context.Context) error {
	if err := f.selectHosts(ctx); err != nil {
		return err
	}
	items, web, err := f.selectItems(ctx)
	if err != nil {
		return err
	}
	data, err := f.values(ctx, append(slices.Clone(items), web...))
	if err != nil {
		return err
	}
	maint, err := f.maintenance(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		f.gap("maintenance periods", err.Error())
	}
	f.series(items, data)
	f.probes(ctx, web, data, maint)
	if err := f.problems(ctx); err != nil {
		if ctx.Err() != nil {
			return err
		}
		f.gap("problems (event.get)", err.Error())
	}
	return nil
}

// groupsParam is the host.get/maintenance.get option that returns host
// groups: selectGroups until 6.0, selectHostGroups from 6.2 (7.0 dropped
// selectGroups).
func (f *fetch) groupsParam() string {
	if f.c.version.atLeast(6, 2) {
		return "selectHostGroups"
	}
	return "selectGroups"
}

func (h *zHost) groups() []zGroup { return append(slices.Clone(h.Groups), h.HostGroups...) }

func (f *fetch) selectHosts(ctx context.Context) error {
	cfg := f.s.cfg
	// No "templated_hosts": false here: Zabbix treats flag parameters as
	// set whatever their value, and false returned every template too.
	p := map[string]any{
		"output":        []string{"hostid", "host", "name"},
		f.groupsParam(): []string{"groupid", "name"},
		"sortfield":     "host",
	}
	if len(cfg.Hosts) > 0 {
		p["filter"] = map[string]any{"host": cfg.Hosts}
	}
	if len(cfg.Groups) > 0 {
		var groups []zGroup
		if err := f.c.call(ctx, "hostgroup.get", map[string]any{
			"output": []string{"groupid", "name"},
			"filter": map[string]any{"name": cfg.Groups},
		}, &groups, true); err != nil {
			return fmt.Errorf("zabbix hostgroup.get: %w", err)
		}
		found := map[string]bool{}
		var ids []string
		for _, g := range groups {
			found[g.Name] = true
			ids = append(ids, string(g.GroupID))
		}
		for _, g := range cfg.Groups {
			if !found[g] {
				f.gap("host group "+g, "no such host group (or no permission to read it)")
			}
		}
		if len(ids) == 0 {
			return fmt.Errorf("no host group of %q exists\nhint: check groups of this source against Data collection > Host groups", cfg.Groups)
		}
		p["groupids"] = ids
	}
	if len(cfg.Tags) > 0 {
		var tags []map[string]any
		for _, t := range cfg.Tags {
			name, value, hasValue := strings.Cut(t, "=")
			op := 1 // equals
			if !hasValue {
				op = 0 // contains "": any value, works on 5.0 too
			}
			tags = append(tags, map[string]any{"tag": strings.TrimSpace(name), "value": strings.TrimSpace(value), "operator": op})
		}
		p["tags"] = tags
		p["evaltype"] = 0 // and/or
	}
	var hosts []zHost
	if err := f.c.call(ctx, "host.get", p, &hosts, true); err != nil {
		return fmt.Errorf("zabbix host.get: %w", err)
	}
	f.hosts = map[string]*zHost{}
	found := map[string]bool{}
	for i := range hosts {
		f.hosts[string(hosts[i].HostID)] = &hosts[i]
		found[hosts[i].Host] = true
	}
	for _, h := range cfg.Hosts {
		if !found[h] {
			f.gap("host "+h, "no such host matches hosts/groups/tags (or no permission to read it)")
		}
	}
	if len(hosts) == 0 {
		return fmt.Errorf("no host matches hosts %q, groups %q, tags %q\nhint: check the technical host names (not visible names) and the user's permissions",
			cfg.Hosts, cfg.Groups, cfg.Tags)
	}
	return nil
}

func (f *fetch) hostIDs() []string {
	ids := make([]string, 0, len(f.hosts))
	for id := range f.hosts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func (f *fetch) hostName(id string) string {
	if h := f.hosts[id]; h != nil {
		return h.Host
	}
	return "host " + id
}

// isWeb reports whether an item belongs to a web scenario's probe.
func isWeb(key string) bool {
	name, _ := keyParams(key)
	switch name {
	case "web.test.time", "web.test.fail", "web.test.rspcode":
		return true
	}
	return false
}

// selectItems returns the numeric items to read as series and the web
// scenario items to read as probes.
func (f *fetch) selectItems(ctx context.Context) (items, web []*zItem, err error) {
	var all []zItem
	if err := f.c.call(ctx, "item.get", map[string]any{
		"output":    []string{"itemid", "hostid", "key_", "name", "value_type", "units", "history", "trends", "delay"},
		"hostids":   f.hostIDs(),
		"webitems":  true, // web scenario items are hidden without it
		"sortfield": "itemid",
	}, &all, true); err != nil {
		return nil, nil, fmt.Errorf("zabbix item.get: %w", err)
	}
	patterns := f.s.cfg.Items
	used := make([]bool, len(patterns))
	var skipped []string
	for i := range all {
		it := &all[i]
		if len(patterns) > 0 {
			ok := false
			for j, p := range patterns {
				if match(p, it.Key) || match(p, it.Name) {
					used[j], ok = true, true
				}
			}
			if !ok {
				continue
			}
		}
		switch string(it.ValueType) {
		case typeFloat, typeUint:
		default:
			skipped = append(skipped, f.hostName(string(it.HostID))+":"+it.Key)
			continue
		}
		if isWeb(it.Key) {
			web = append(web, it)
		} else if !strings.HasPrefix(it.Key, "web.test.") || len(patterns) > 0 {
			items = append(items, it)
		}
	}
	for j, p := range patterns {
		if !used[j] {
			f.gap("item "+p, fmt.Sprintf("no item key or name matches %q on %s", p, strings.Join(f.hostNames(), ", ")))
		}
	}
	if len(skipped) > 0 {
		f.note("%d text, character or log items skipped (only numeric history is analysed): %s", len(skipped), list(skipped, 5))
	}
	return items, web, nil
}

func (f *fetch) hostNames() []string {
	var n []string
	for _, h := range f.hosts {
		n = append(n, h.Host)
	}
	sort.Strings(n)
	return n
}

// list joins up to max names and says how many more there are.
func list(names []string, max int) string {
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:max], ", "), len(names)-max)
}

// itemData is what was read for one item.
type itemData struct {
	valueType  string
	samples    []sample
	trend      bool  // samples before trendUntil are hourly trend averages
	trendUntil int64 // unix ns
}

// values reads history for every item and, where history does not reach
// back to the window's start, hourly trends for the missing part.
func (f *fetch) values(ctx context.Context, items []*zItem) (map[string]*itemData, error) {
	data := make(map[string]*itemData, len(items))
	from, to := f.w.From.Unix(), ceilUnix(f.w.To)
	byType := map[string][]*zItem{}
	for _, it := range items {
		data[string(it.ItemID)] = &itemData{valueType: string(it.ValueType)}
		byType[string(it.ValueType)] = append(byType[string(it.ValueType)], it)
	}
	for _, vt := range []string{typeFloat, typeUint} {
		got, err := f.pages(ctx, "history.get", vt, byType[vt], from, to, nil)
		if err != nil {
			return nil, err
		}
		counts := map[string]int{}
		for _, s := range got {
			counts[s.ItemID]++
		}
		for id, n := range counts {
			if d := data[id]; d != nil {
				d.samples = slices.Grow(d.samples, n)
			}
		}
		for _, s := range got {
			if d := data[s.ItemID]; d != nil && d.valueType == vt {
				d.samples = append(d.samples, s)
			}
		}
	}
	for _, d := range data {
		slices.SortFunc(d.samples, func(a, b sample) int { return cmp.Compare(a.T, b.T) })
	}

	// Trends where history starts more than an hour after the window does
	// (housekept, or the window is older than the item's history period).
	until := map[string]int64{}
	byType = map[string][]*zItem{}
	var trended []string
	for _, it := range items {
		if d, ok := parsePeriod(it.Trends); ok && d == 0 {
			continue // the item keeps no trends
		}
		d := data[string(it.ItemID)]
		end := to
		if len(d.samples) > 0 {
			end = d.samples[0].T / int64(time.Second)
		}
		if end-from < 3600 {
			continue
		}
		until[string(it.ItemID)] = end
		byType[string(it.ValueType)] = append(byType[string(it.ValueType)], it)
	}
	// A trend row is stamped with its hour's start: ask from the start of
	// the hour the window starts in, so that hour is not lost.
	for _, vt := range []string{typeFloat, typeUint} {
		got, err := f.pages(ctx, "trend.get", vt, byType[vt], from-from%3600, to, until)
		if err != nil {
			return nil, err
		}
		added := map[string][]sample{}
		for _, s := range got {
			if d := data[s.ItemID]; d != nil && d.valueType == vt && s.T/int64(time.Second) < until[s.ItemID] {
				added[s.ItemID] = append(added[s.ItemID], s)
			}
		}
		for _, it := range byType[vt] {
			id := string(it.ItemID)
			tr := added[id]
			if len(tr) == 0 {
				continue
			}
			slices.SortFunc(tr, func(a, b sample) int { return cmp.Compare(a.T, b.T) })
			d := data[id]
			d.samples = append(tr, d.samples...)
			d.trend = true
			d.trendUntil = until[id] * int64(time.Second)
			keep := it.History
			if keep == "" {
				keep = "?"
			}
			trended = append(trended, fmt.Sprintf("%s:%s (history kept %s, hourly until %s)",
				f.hostName(string(it.HostID)), it.Key, keep, time.Unix(until[id], 0).UTC().Format(time.RFC3339)))
		}
	}
	if len(trended) > 0 {
		sort.Strings(trended)
		f.note("history is gone for part of the window, hourly trend averages (trend.get) used instead for %d items: %s",
			len(trended), list(trended, 5))
	}

	// Hosts and items with nothing at all.
	empty := map[string][]string{}
	total := map[string]int{}
	for _, it := range items {
		h := string(it.HostID)
		total[h]++
		if len(data[string(it.ItemID)].samples) == 0 {
			empty[h] = append(empty[h], it.Key)
		}
	}
	for _, h := range f.hostIDs() {
		switch {
		case total[h] == 0:
			if len(f.s.cfg.Items) == 0 {
				f.gap("host "+f.hostName(h), "no numeric items")
			}
		case len(empty[h]) == total[h]:
			f.gap("host "+f.hostName(h), fmt.Sprintf("no history or trends in the window for any of its %d items: %s", total[h], list(empty[h], 5)))
		case len(empty[h]) > 0:
			f.gap("host "+f.hostName(h), fmt.Sprintf("%d of %d items have no data in the window: %s", len(empty[h]), total[h], list(empty[h], 5)))
		}
	}
	return data, nil
}

func ceilUnix(t time.Time) int64 {
	u := t.Unix()
	if t.After(time.Unix(u, 0)) {
		u++
	}
	return u
}

// chunk is one history.get or trend.get call: items, [from, to).
type chunk struct {
	ids      []string
	from, to int64
}

// pages reads [from, to) for items of one value type, in time chunks sized
// to about targetRows rows, parallelChunks at a time. until, when set,
// bounds each item's range (trend.get reads only what history lacks).
func (f *fetch) pages(ctx context.Context, method, vt string, items []*zItem, from, to int64, until map[string]int64) ([]sample, error) {
	if len(items) == 0 {
		return nil, nil
	}
	var chunks []chunk
	for start := 0; start < len(items); start += itemsPerCall {
		batch := items[start:min(start+itemsPerCall, len(items))]
		var ids []string
		rate := 0.0 // rows per second
		end := from
		for _, it := range batch {
			ids = append(ids, string(it.ItemID))
			iv := time.Hour // trends: one row per hour
			if method == "history.get" {
				iv = time.Minute // trappers ("0") and macros: assume 1m
				if d, ok := parsePeriod(it.Delay); ok && d > 0 {
					iv = d
				}
			}
			rate += 1 / iv.Seconds()
			e := to
			if until != nil {
				e = until[string(it.ItemID)]
			}
			end = max(end, e)
		}
		span := int64(float64(targetRows) / rate)
		span = max(span, 60)
		for a := from; a < end; a += span {
			chunks = append(chunks, chunk{ids: ids, from: a, to: min(a+span, end)})
		}
	}
	results := make([][]sample, len(chunks))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(parallelChunks)
	for i, ch := range chunks {
		g.Go(func() error {
			var err error
			results[i], err = f.chunk(gctx, method, vt, ch)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	n := 0
	for _, r := range results {
		n += len(r)
	}
	out := make([]sample, 0, n)
	for _, r := range results {
		out = append(out, r...)
	}
	return out, nil
}

// chunk reads one chunk, halving it while the answer is cut at maxRows.
func (f *fetch) chunk(ctx context.Context, method, vt string, ch chunk) ([]sample, error) {
	p := map[string]any{
		"itemids":   ch.ids,
		"time_from": ch.from,
		"time_till": ch.to - 1, // both ends are inclusive
		"limit":     maxRows,
	}
	trend := method == "trend.get"
	if trend {
		p["output"] = []string{"itemid", "clock", "num", "value_avg"}
	} else {
		p["history"] = vt // the server defaults to 3 (unsigned) otherwise
		p["output"] = []string{"itemid", "clock", "ns", "value"}
	}
	var raw rawResult
	if err := f.c.call(ctx, method, p, &raw, true); err != nil {
		return nil, fmt.Errorf("zabbix %s: %w", reproduce(method, ch.ids, vt, ch.from, ch.to), err)
	}
	got, err := decodeRowsFast(raw, trend, make(map[string]string, len(ch.ids)))
	if err != nil {
		return nil, fmt.Errorf("zabbix %s: decode: %w", reproduce(method, ch.ids, vt, ch.from, ch.to), err)
	}
	if len(got) >= maxRows {
		if ch.to-ch.from <= 1 {
			return nil, fmt.Errorf("zabbix %s: more than %d values in one second", reproduce(method, ch.ids, vt, ch.from, ch.to), maxRows)
		}
		mid := ch.from + (ch.to-ch.from)/2
		a, err := f.chunk(ctx, method, vt, chunk{ch.ids, ch.from, mid})
		if err != nil {
			return nil, err
		}
		b, err := f.chunk(ctx, method, vt, chunk{ch.ids, mid, ch.to})
		if err != nil {
			return nil, err
		}
		return append(a, b...), nil
	}
	return got, nil
}

// reproduce is the call a person makes to see the same data.
func reproduce(method string, ids []string, vt string, from, to int64) string {
	s := method + " itemids=" + list(ids, 3)
	if method == "history.get" {
		s += " history=" + vt
	}
	return s + fmt.Sprintf(" time_from=%d time_till=%d", from, to-1)
}

// role says what an item means for incidents, from its key.
func role(key string) sources.Role {
	name, _ := keyParams(key)
	k, full := strings.ToLower(name), strings.ToLower(key) // log.count[file,ERROR]
	switch {
	case k == "icmppingsec" || strings.HasSuffix(k, ".time") || strings.Contains(k, "latency") ||
		strings.Contains(k, "response") || strings.Contains(k, "duration"):
		return sources.Latency
	case strings.Contains(full, "fail") || strings.Contains(full, "error") || k == "icmppingloss" ||
		strings.Contains(k, "rspcode"):
		return sources.Errors
	case strings.HasPrefix(k, "system.cpu") || strings.HasPrefix(k, "vfs.") || strings.HasPrefix(k, "vm.memory") ||
		strings.HasPrefix(k, "system.swap") || strings.Contains(k, "load") || strings.Contains(k, "memory"):
		return sources.Saturation
	case strings.HasPrefix(k, "net.if.") || strings.Contains(k, "requests") || strings.Contains(k, "bytes"):
		return sources.Traffic
	}
	return sources.Other
}

func (f *fetch) series(items []*zItem, data map[string]*itemData) {
	for _, it := range items {
		d := data[string(it.ItemID)]
		if len(d.samples) == 0 {
			continue
		}
		pts := make([]sources.Point, len(d.samples))
		for i, s := range d.samples {
			pts[i] = sources.Point{T: time.Unix(0, s.T).UTC(), V: s.V}
		}
		pts = resample(pts, f.w.From, f.step)
		q := fmt.Sprintf("history.get itemids=%s history=%s", it.ItemID, it.ValueType)
		if d.trend {
			q = fmt.Sprintf("trend.get itemids=%s (hourly value_avg) + ", it.ItemID) + q
		}
		f.ds.Series = append(f.ds.Series, sources.Series{
			Source: f.s.cfg.Name,
			Name:   it.Key,
			Labels: map[string]string{"host": f.hostName(string(it.HostID)), "item": it.Name},
			Role:   role(it.Key),
			Unit:   it.Units,
			Points: pts,
			Query:  q,
		})
	}
}

// resample averages points into step-wide buckets aligned to from, when
// step is wider than the data's spacing; otherwise it returns pts as they
// are. Each bucket's point is at the bucket's start.
func resample(pts []sources.Point, from time.Time, step time.Duration) []sources.Point {
	if step <= 0 || len(pts) < 2 {
		return pts
	}
	// median spacing
	gaps := make([]time.Duration, 0, len(pts)-1)
	for i := 1; i < len(pts); i++ {
		gaps = append(gaps, pts[i].T.Sub(pts[i-1].T))
	}
	slices.Sort(gaps)
	if gaps[len(gaps)/2] >= step {
		return pts
	}
	out := pts[:0:0]
	var cur time.Time
	sum, n := 0.0, 0
	flush := func() {
		if n > 0 {
			out = append(out, sources.Point{T: cur, V: sum / float64(n)})
		}
	}
	for _, p := range pts {
		b := from.Add(p.T.Sub(from).Truncate(step))
		if p.T.Before(from) {
			b = from.Add(-((from.Sub(p.T) + step - 1) / step) * step)
		}
		if n > 0 && !b.Equal(cur) {
			flush()
			sum, n = 0, 0
		}
		cur = b
		sum += p.V
		n++
	}
	flush()
	return out
}

// severity maps Zabbix trigger severities (0 not classified, 1 information,
// 2 warning, 3 average, 4 high, 5 disaster).
func severity(s string) sources.Severity {
	switch s {
	case "2":
		return sources.Warning
	case "3", "4":
		return sources.Error
	case "5":
		return sources.Critical
	}
	return sources.Info
}

var severityNames = map[string]string{"0": "not classified", "1": "information", "2": "warning", "3": "average", "4": "high", "5": "disaster"}

type zEvent struct {
	EventID      str    `json:"eventid"`
	Clock        str    `json:"clock"`
	Name         string `json:"name"`
	Severity     str    `json:"severity"`
	REventID     str    `json:"r_eventid"`
	Acknowledged str    `json:"acknowledged"`
	Hosts        []struct {
		Host string `json:"host"`
	} `json:"hosts"`
	Tags []struct {
		Tag   string `json:"tag"`
		Value string `json:"value"`
	} `json:"tags"`
	Acknowledges []struct {
		Clock    str    `json:"clock"`
		Message  string `json:"message"`
		Username string `json:"username"`
		Alias    string `json:"alias"` // before 5.4
	} `json:"acknowledges"`
}

// problems reads the trigger problem events that were open at some time
// in the window, and their recovery times: from 4.0 one event.get with
// problem_time_from/till finds those that started in the window, and
// those that started before it and ended in it or are still open (as the
// frontend's problem view asks). Older servers get the problems that
// started in the window and the ones still open (problem.get).
func (f *fetch) problems(ctx context.Context) error {
	// select_acknowledges until 6.4; 7.0 renamed it selectAcknowledges (an
	// unknown select* option is silently ignored by 6.0).
	acks := "select_acknowledges"
	if f.c.version.atLeast(7, 0) {
		acks = "selectAcknowledges"
	}
	params := func() map[string]any {
		return map[string]any{
			"output":      []string{"eventid", "clock", "name", "severity", "r_eventid", "acknowledged"},
			"source":      0, // triggers
			"object":      0,
			"value":       1, // PROBLEM
			"hostids":     f.hostIDs(),
			"selectHosts": []string{"host"},
			"selectTags":  "extend",
			acks:          "extend",
			"sortfield":   []string{"clock", "eventid"},
		}
	}
	p := params()
	overlap := f.c.version.atLeast(4, 0)
	if overlap {
		p["problem_time_from"], p["problem_time_till"] = f.w.From.Unix(), ceilUnix(f.w.To)-1
	} else {
		p["time_from"], p["time_till"] = f.w.From.Unix(), ceilUnix(f.w.To)-1
	}
	var evs []zEvent
	if err := f.c.call(ctx, "event.get", p, &evs, true); err != nil {
		return fmt.Errorf("zabbix event.get: %w", err)
	}
	if overlap {
		return f.problemEvents(ctx, evs)
	}
	// Problems still open that started before the window: problem.get
	// lists open problems whatever their age. (Ones that started before
	// the window and were resolved in it are not found: an OK event does
	// not name its problem.)
	var open []zEvent
	if err := f.c.call(ctx, "problem.get", map[string]any{
		"output":    []string{"eventid"},
		"source":    0,
		"object":    0,
		"hostids":   f.hostIDs(),
		"time_till": f.w.From.Unix() - 1,
	}, &open, true); err != nil {
		return fmt.Errorf("zabbix problem.get: %w", err)
	}
	if len(open) > 0 {
		var ids []string
		for _, e := range open {
			ids = append(ids, string(e.EventID))
		}
		p := params()
		p["eventids"] = ids
		var older []zEvent
		if err := f.c.call(ctx, "event.get", p, &older, true); err != nil {
			return fmt.Errorf("zabbix event.get open problems: %w", err)
		}
		evs = append(older, evs...)
	}
	return f.problemEvents(ctx, evs)
}

// problemEvents turns problem events into Events, with their recovery
// times.
func (f *fetch) problemEvents(ctx context.Context, evs []zEvent) error {
	var rids []string
	for _, e := range evs {
		if e.REventID != "" && e.REventID != "0" {
			rids = append(rids, string(e.REventID))
		}
	}
	rclock := map[string]int64{}
	if len(rids) > 0 {
		var rec []zEvent
		if err := f.c.call(ctx, "event.get", map[string]any{
			"output":   []string{"eventid", "clock"},
			"eventids": rids,
		}, &rec, true); err != nil {
			return fmt.Errorf("zabbix event.get recovery events: %w", err)
		}
		for _, r := range rec {
			if c, err := r.Clock.int(); err == nil {
				rclock[string(r.EventID)] = c
			}
		}
	}
	for _, e := range evs {
		clock, err := e.Clock.int()
		if err != nil {
			return fmt.Errorf("zabbix event.get: event %s: clock %q: %w", e.EventID, e.Clock, err)
		}
		ev := sources.Event{
			Source:   f.s.cfg.Name,
			T:        time.Unix(clock, 0).UTC(),
			Kind:     sources.KindProblem,
			Severity: severity(string(e.Severity)),
			Title:    e.Name,
			Ref:      "eventid=" + string(e.EventID),
		}
		var hosts []string
		for _, h := range e.Hosts {
			hosts = append(hosts, h.Host)
		}
		if len(hosts) > 0 {
			ev.Title = strings.Join(hosts, ", ") + ": " + e.Name
		}
		detail := []string{"severity " + cmp.Or(severityNames[string(e.Severity)], string(e.Severity))}
		if rc, ok := rclock[string(e.REventID)]; ok {
			ev.End = time.Unix(rc, 0).UTC()
			detail = append(detail, "resolved "+ev.End.Format(time.RFC3339)+" (eventid "+string(e.REventID)+")")
		} else {
			detail = append(detail, "not resolved")
		}
		for _, a := range e.Acknowledges {
			who := cmp.Or(a.Username, a.Alias, "someone")
			at := ""
			if c, err := a.Clock.int(); err == nil {
				at = " at " + time.Unix(c, 0).UTC().Format(time.RFC3339)
			}
			s := "acknowledged by " + who + at
			if a.Message != "" {
				s += ": " + a.Message
			}
			detail = append(detail, s)
		}
		if len(e.Acknowledges) == 0 && e.Acknowledged == "1" {
			detail = append(detail, "acknowledged")
		}
		if len(e.Tags) > 0 {
			var tags []string
			for _, t := range e.Tags {
				if t.Value == "" {
					tags = append(tags, t.Tag)
				} else {
					tags = append(tags, t.Tag+"="+t.Value)
				}
			}
			detail = append(detail, "tags "+strings.Join(tags, ", "))
		}
		ev.Detail = strings.Join(detail, "; ")
		f.ds.Events = append(f.ds.Events, ev)
	}
	return nil
}
