package zabbix

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hindsight-sre/hindsight/sources"
)

var seedWindow = sources.Window{From: time.Unix(seedFrom, 0).UTC(), To: time.Unix(seedTo, 0).UTC()}

func mustSource(tb testing.TB, c Config) *Source {
	tb.Helper()
	s, err := New(c)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return s
}

func adminConfig(tb testing.TB, z *realZabbix) Config {
	tb.Setenv("HINDSIGHT_TEST_ZBX_PASSWORD", adminPass)
	return Config{Name: "zbx", URL: strings.TrimSuffix(z.url, "api_jsonrpc.php"), User: adminUser, PasswordEnv: "HINDSIGHT_TEST_ZBX_PASSWORD"}
}

func findSeries(tb testing.TB, ds *sources.Dataset, host, key string) *sources.Series {
	tb.Helper()
	for i := range ds.Series {
		if ds.Series[i].Name == key && ds.Series[i].Labels["host"] == host {
			return &ds.Series[i]
		}
	}
	tb.Fatalf("no series %s on %s; have %d series", key, host, len(ds.Series))
	return nil
}

func pointAt(tb testing.TB, s *sources.Series, ts int64) float64 {
	tb.Helper()
	for _, p := range s.Points {
		if p.T.Unix() == ts {
			return p.V
		}
	}
	tb.Fatalf("%s: no point at %s", s.Name, time.Unix(ts, 0).UTC().Format(time.RFC3339))
	return 0
}

func activeSessions(tb testing.TB, z *realZabbix) string {
	tb.Helper()
	n, err := z.psql("SELECT count(*) FROM sessions WHERE status = 0")
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

func TestRealFetch(t *testing.T) {
	z := needZabbix(t)
	cfg := adminConfig(t, z)
	cfg.Hosts = []string{"shop-web", "db1", "empty-host"}
	cfg.Items = []string{"icmppingsec", "system.cpu.*", "app.*", "vfs.dev.*", "web.test.*", "no.such.item*"}
	s := mustSource(t, cfg)
	before := activeSessions(t, z)
	ds, err := s.Fetch(context.Background(), seedWindow, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if after := activeSessions(t, z); after != before {
		t.Errorf("active sessions %s before Fetch, %s after: the session was not logged out", before, after)
	}

	t.Run("history float: the nightly latency spike", func(t *testing.T) {
		ping := findSeries(t, ds, "shop-web", "icmppingsec")
		if len(ping.Points) != 4320 {
			t.Errorf("icmppingsec: %d points, want 4320", len(ping.Points))
		}
		for _, ts := range []int64{1763575200, 1763576340, 1763650000 - 1763650000%60, downFrom} {
			if got, want := pointAt(t, ping, ts), seedLatency(ts); got != want {
				t.Errorf("icmppingsec at %s = %v, want %v", time.Unix(ts, 0).UTC(), got, want)
			}
		}
		if v := pointAt(t, ping, 1763575200); v < 2.4 || v > 2.9 {
			t.Errorf("spike at 18:00Z = %v, want 2.4..2.9", v)
		}
		if ping.Role != sources.Latency || ping.Unit != "s" {
			t.Errorf("role %v unit %q, want latency, s", ping.Role, ping.Unit)
		}
		if !strings.HasPrefix(ping.Query, "history.get itemids="+z.ids["shop-web:icmppingsec"]+" history=0") {
			t.Errorf("query %q", ping.Query)
		}
	})
	t.Run("history uint: errors during the outage", func(t *testing.T) {
		e := findSeries(t, ds, "shop-web", "app.error.count")
		if e.Role != sources.Errors || len(e.Points) != 4320 {
			t.Errorf("role %v, %d points", e.Role, len(e.Points))
		}
		if pointAt(t, e, downFrom) != 5 || pointAt(t, e, downFrom-60) != 0 {
			t.Errorf("app.error.count around the outage: %v %v, want 0 5", pointAt(t, e, downFrom-60), pointAt(t, e, downFrom))
		}
		if !strings.Contains(e.Query, "history=3") {
			t.Errorf("query %q, want history=3", e.Query)
		}
	})
	t.Run("trends when history is gone", func(t *testing.T) {
		l := findSeries(t, ds, "shop-web", "system.cpu.load[all,avg1]")
		if len(l.Points) != 72 {
			t.Errorf("%d points, want 72 hourly", len(l.Points))
		}
		if v := pointAt(t, l, 1763575200); v != 1.85 {
			t.Errorf("hourly average at 18:00Z = %v, want 1.85", v)
		}
		if l.Role != sources.Saturation || !strings.HasPrefix(l.Query, "trend.get") {
			t.Errorf("role %v query %q", l.Role, l.Query)
		}
		if !hasText(ds.Notes, "hourly trend averages", "system.cpu.load[all,avg1]", "history kept 1h") {
			t.Errorf("no note about trends: %q", ds.Notes)
		}
	})
	t.Run("trapper data sent to zabbix_server", func(t *testing.T) {
		d := findSeries(t, ds, "db1", "vfs.dev.write.rate[sda]")
		if len(d.Points) != 4320 {
			t.Errorf("%d points, want 4320", len(d.Points))
		}
		for _, ts := range []int64{1763575200, 1763575260, 1763600000 - 1763600000%60} {
			if got := pointAt(t, d, ts); got != float64(diskWrite(ts)) {
				t.Errorf("at %d: %v, want %d", ts, got, diskWrite(ts))
			}
		}
	})
	t.Run("text items skipped, missing items and empty hosts are gaps", func(t *testing.T) {
		if !hasText(ds.Notes, "skipped", "shop-web:app.log") {
			t.Errorf("no note about the text item: %q", ds.Notes)
		}
		if !hasGap(ds.Gaps, "host empty-host", "no history or trends") {
			t.Errorf("no gap for empty-host: %v", ds.Gaps)
		}
		if !hasGap(ds.Gaps, "item no.such.item*", "no item key or name matches") {
			t.Errorf("no gap for the missing item: %v", ds.Gaps)
		}
	})
	t.Run("problem from SQL: start, recovery, severity, ack, tags", func(t *testing.T) {
		e := findEvent(t, ds, "eventid=900001")
		if e.Kind != sources.KindProblem || e.T.Unix() != downFrom || e.End.Unix() != downTill || e.Severity != sources.Error {
			t.Errorf("event %+v", e)
		}
		if e.Title != "shop-web: Shop is down" {
			t.Errorf("title %q", e.Title)
		}
		for _, want := range []string{"severity high", "acknowledged by Admin", "looking into it", "service=shop", "scope=availability"} {
			if !strings.Contains(e.Detail, want) {
				t.Errorf("detail %q lacks %q", e.Detail, want)
			}
		}
	})
	t.Run("problem open since before the window", func(t *testing.T) {
		e := findEvent(t, ds, "eventid=900003")
		if e.T.Unix() != seedFrom-3600 || !e.End.IsZero() || e.Severity != sources.Warning || !strings.Contains(e.Detail, "not resolved") {
			t.Errorf("event %+v", e)
		}
	})
	t.Run("problem that began before the window and ended in it", func(t *testing.T) {
		e := findEvent(t, ds, "eventid=900004")
		if e.T.Unix() != seedFrom-1800 || e.End.Unix() != seedFrom+1200 || e.Severity != sources.Error || strings.Contains(e.Detail, "not resolved") {
			t.Errorf("event %+v", e)
		}
	})
	t.Run("problems the real server raised from trapper values", func(t *testing.T) {
		var got []string
		for _, e := range ds.Events {
			if e.Kind == sources.KindProblem && strings.HasPrefix(e.Title, "db1: ") {
				got = append(got, fmt.Sprintf("%s..%s %s", e.T.Format("01-02T15:04"), e.End.Format("15:04"), e.Severity))
			}
		}
		want := []string{"11-19T18:00..18:20 error", "11-20T18:00..18:20 error", "11-21T18:00..18:20 error"}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("db1 problems %q, want %q", got, want)
		}
	})
	t.Run("maintenance", func(t *testing.T) {
		var m *sources.Event
		for i := range ds.Events {
			if ds.Events[i].Kind == sources.KindMaintenance {
				m = &ds.Events[i]
			}
		}
		if m == nil || m.T.Unix() != 1763668800 || m.End.Unix() != 1763672400 || m.Title != "maintenance: shop db upgrade" {
			t.Fatalf("maintenance event %+v", m)
		}
	})
	t.Run("web scenario as a probe", func(t *testing.T) {
		if len(ds.Probes) != 1 {
			t.Fatalf("%d probes, want 1", len(ds.Probes))
		}
		p := ds.Probes[0]
		if p.Name != "shop-web: Shop home" || p.Target != "https://shop.example/" || p.Interval != time.Minute {
			t.Errorf("probe %q %q %v", p.Name, p.Target, p.Interval)
		}
		if len(p.Beats) != 4320 {
			t.Errorf("%d beats, want 4320", len(p.Beats))
		}
		count := map[sources.Status]int{}
		for _, b := range p.Beats {
			count[b.Status]++
			if b.T.Unix() == downFrom && (b.Status != sources.Down || b.Msg != "step 1 failed, HTTP 503") {
				t.Errorf("beat at outage %+v", b)
			}
			if b.T.Unix() == 1763575200 && b.Latency != time.Duration(seedLatency(1763575200)*float64(time.Second)) {
				t.Errorf("latency at spike %v, want %vs", b.Latency, seedLatency(1763575200))
			}
		}
		if count[sources.Down] != 7 || count[sources.Maintenance] != 60 || count[sources.Up] != 4320-67 {
			t.Errorf("beats by status %v, want 7 down, 60 maintenance", count)
		}
	})
}

func TestRealStep(t *testing.T) {
	z := needZabbix(t)
	cfg := adminConfig(t, z)
	cfg.Hosts = []string{"shop-web"}
	cfg.Items = []string{"icmppingsec"}
	ds, err := mustSource(t, cfg).Fetch(context.Background(), seedWindow, 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	s := findSeries(t, ds, "shop-web", "icmppingsec")
	if len(s.Points) != 864 {
		t.Fatalf("%d points at 5m, want 864", len(s.Points))
	}
	var sum float64
	for ts := int64(1763575200); ts < 1763575200+300; ts += 60 {
		sum += seedLatency(ts)
	}
	if got := pointAt(t, s, 1763575200); abs(got-sum/5) > 1e-9 {
		t.Errorf("5m average at 18:00Z %v, want %v", got, sum/5)
	}
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}

func TestRealSelection(t *testing.T) {
	z := needZabbix(t)
	for _, tc := range []struct {
		name   string
		groups []string
		tags   []string
		want   string
	}{
		{"tag with value", nil, []string{"role=db"}, "db1"},
		{"tag without value", nil, []string{"env"}, "db1,shop-web"},
		{"group", []string{"Linux servers"}, nil, "db1,empty-host,shop-web"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := adminConfig(t, z)
			cfg.Groups, cfg.Tags, cfg.Items = tc.groups, tc.tags, []string{"icmppingsec", "vfs.dev.*"}
			s := mustSource(t, cfg)
			c := s.newClient()
			ctx := context.Background()
			if _, err := c.apiVersion(ctx); err != nil {
				t.Fatal(err)
			}
			if err := s.open(ctx, c); err != nil {
				t.Fatal(err)
			}
			defer s.close(ctx, c)
			f := &fetch{s: s, c: c, w: seedWindow, ds: &sources.Dataset{}}
			if err := f.selectHosts(ctx); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(f.hostNames(), ","); got != tc.want {
				t.Errorf("hosts %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRealCheck(t *testing.T) {
	z := needZabbix(t)
	t.Run("user and password", func(t *testing.T) {
		got, err := mustSource(t, adminConfig(t, z)).Check(context.Background())
		if err != nil || !strings.HasPrefix(got, "Zabbix 6.0.") || !strings.Contains(got, "logged in as Admin") {
			t.Errorf("Check = %q, %v", got, err)
		}
	})
	t.Run("api token", func(t *testing.T) {
		t.Setenv("HINDSIGHT_TEST_ZBX_TOKEN", z.token)
		s := mustSource(t, Config{URL: z.url, TokenEnv: "HINDSIGHT_TEST_ZBX_TOKEN"})
		got, err := s.Check(context.Background())
		if err != nil || !strings.Contains(got, "API token accepted") {
			t.Errorf("Check = %q, %v", got, err)
		}
		ds, err := s.Fetch(context.Background(), seedWindow, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds.Series) == 0 || len(ds.Events) == 0 {
			t.Errorf("token fetch: %d series, %d events", len(ds.Series), len(ds.Events))
		}
		// Every host, and no template (templates have items but no data).
		hosts := map[string]bool{}
		for _, s := range ds.Series {
			hosts[s.Labels["host"]] = true
		}
		for _, g := range ds.Gaps {
			if h, ok := strings.CutPrefix(g.What, "host "); ok {
				hosts[h] = true
			}
		}
		for h := range hosts {
			switch h {
			case "shop-web", "db1", "empty-host", "Zabbix server", "bench":
			default:
				t.Errorf("fetched host %q, which is not a host of the fixture", h)
			}
		}
	})
}

func TestRealBadInput(t *testing.T) {
	z := needZabbix(t)
	ctx := context.Background()
	t.Run("wrong password", func(t *testing.T) {
		t.Setenv("HINDSIGHT_TEST_ZBX_PASSWORD", "s3cret-wrong")
		s := mustSource(t, Config{URL: z.url, User: adminUser, PasswordEnv: "HINDSIGHT_TEST_ZBX_PASSWORD"})
		_, err := s.Fetch(ctx, seedWindow, time.Minute)
		wantErr(t, err, "s3cret-wrong", "api error -32500", "Incorrect user name or password", "hint: check user and password_env")
		_, err = s.Check(ctx)
		wantErr(t, err, "s3cret-wrong", "Zabbix 6.0.", "Incorrect user name or password")
	})
	t.Run("expired token", func(t *testing.T) {
		t.Setenv("HINDSIGHT_TEST_ZBX_TOKEN", z.expiredToken)
		s := mustSource(t, Config{URL: z.url, TokenEnv: "HINDSIGHT_TEST_ZBX_TOKEN"})
		_, err := s.Fetch(ctx, seedWindow, time.Minute)
		wantErr(t, err, z.expiredToken, "API token expired", "hint: the API token has expired")
	})
	t.Run("no such host", func(t *testing.T) {
		cfg := adminConfig(t, z)
		cfg.Hosts = []string{"nope"}
		_, err := mustSource(t, cfg).Fetch(ctx, seedWindow, time.Minute)
		wantErr(t, err, "", `no host matches hosts ["nope"]`, "hint:")
	})
	t.Run("window with no data", func(t *testing.T) {
		cfg := adminConfig(t, z)
		cfg.Hosts = []string{"shop-web"}
		cfg.Items = []string{"icmppingsec"}
		w := sources.Window{From: time.Unix(seedFrom-7*86400, 0), To: time.Unix(seedFrom-6*86400, 0)}
		ds, err := mustSource(t, cfg).Fetch(ctx, w, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds.Series) != 0 || !hasGap(ds.Gaps, "host shop-web", "no history or trends in the window") {
			t.Errorf("series %d gaps %v", len(ds.Series), ds.Gaps)
		}
	})
	t.Run("server down", func(t *testing.T) {
		port, _ := freePort()
		t.Setenv("HINDSIGHT_TEST_ZBX_PASSWORD", "pw-down")
		s := mustSource(t, Config{URL: fmt.Sprintf("http://127.0.0.1:%d/zabbix", port), User: "Admin", PasswordEnv: "HINDSIGHT_TEST_ZBX_PASSWORD"})
		_, err := s.Fetch(ctx, seedWindow, time.Minute)
		wantErr(t, err, "pw-down", "apiinfo.version", "connection refused", "hint: is the Zabbix frontend running")
	})
}

func wantErr(tb testing.TB, err error, secret string, want ...string) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("no error, want one with %q", want)
	}
	msg := err.Error()
	if secret != "" && strings.Contains(msg, secret) {
		tb.Errorf("error shows the secret: %s", msg)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			tb.Errorf("error %q lacks %q", msg, w)
		}
	}
}

func hasText(notes []string, want ...string) bool {
	for _, n := range notes {
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(n, w)
		}
		if ok {
			return true
		}
	}
	return false
}

func hasGap(gaps []sources.Gap, what, reason string) bool {
	for _, g := range gaps {
		if g.What == what && strings.Contains(g.Reason, reason) {
			return true
		}
	}
	return false
}

func findEvent(tb testing.TB, ds *sources.Dataset, ref string) sources.Event {
	tb.Helper()
	for _, e := range ds.Events {
		if e.Ref == ref {
			return e
		}
	}
	tb.Fatalf("no event %s among %d", ref, len(ds.Events))
	return sources.Event{}
}
