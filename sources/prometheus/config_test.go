package prometheus

import (
	"testing"
	"time"

	"github.com/go-viper/mapstructure/v2"
)

// The config keys decode as cmd decodes them (mapstructure, durations from
// strings, unknown keys refused).
func TestConfigDecodes(t *testing.T) {
	opts := map[string]any{
		"name": "prod", "url": "https://prom.example:9090",
		"basic_auth":        map[string]any{"user": "u", "password_env": "PROM_PW", "password_file": ""},
		"bearer_token_env":  "",
		"bearer_token_file": "",
		"headers":           map[string]any{"X-Scope-OrgID": "team-a"},
		"tls":               map[string]any{"ca_file": "ca.pem", "cert_file": "c.pem", "key_file": "k.pem", "insecure_skip_verify": true},
		"timeout":           "45s", "max_concurrency": 2, "scrape_interval": "15s", "compression": false,
		"probes": false, "node": true, "alerts": false,
		"queries": []any{map[string]any{"name": "p95", "expr": "x", "role": "latency", "unit": "s"}},
	}
	var c Config
	d, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{Result: &c, ErrorUnused: true,
		DecodeHook: mapstructure.StringToTimeDurationHookFunc()})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Decode(opts); err != nil {
		t.Fatal(err)
	}
	if c.Name != "prod" || c.BasicAuth.PasswordEnv != "PROM_PW" || c.Headers["X-Scope-OrgID"] != "team-a" ||
		!c.TLS.InsecureSkipVerify || c.TLS.KeyFile != "k.pem" || c.Timeout != 45*time.Second || c.MaxConcurrency != 2 ||
		c.ScrapeInterval != 15*time.Second || *c.Compression || *c.Probes || !*c.Node || *c.Alerts ||
		len(c.Queries) != 1 || c.Queries[0].Unit != "s" {
		t.Errorf("decoded %+v", c)
	}
	if on(DefaultConfig().Probes) != true || on(nil) != true {
		t.Error("probes, node and alerts must default to on")
	}
}
