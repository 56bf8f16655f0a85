package redact

import (
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	Reset()
	t.Cleanup(Reset)
	Add("x", "s3cr3t/pa ss\"w<rd")
	for _, c := range []struct{ in, want string }{
		{"zabbix source at http://admin:x@zabbix.example/zabbix", "zabbix source at http://admin:[redacted]@zabbix.example/zabbix"},
		{"password x was refused", "password [redacted] was refused"},
		{"x", "[redacted]"},
		{"xx and ax and x_ stay", "xx and ax and x_ stay"},
		{`{"detail":"s3cr3t/pa ss\"w\u003crd"}`, `{"detail":"[redacted]"}`},
		{"q=s3cr3t%2Fpa+ss%22w%3Crd&", "q=[redacted]&"},
		{"s3cr3t/pa ss&#34;w&lt;rd", "[redacted]"},
	} {
		if got := Text(c.in); got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestURLs(t *testing.T) {
	Reset()
	for _, c := range []struct{ in, want string }{
		{`Get "ftp://user:hunter2@h/api/v1": no`, `Get "ftp://user:[redacted]@h/api/v1": no`},
		{"http://token@h/ and mail a@b", "http://token@h/ and mail a@b"},
		{"no url here", "no url here"},
	} {
		if got := Text(c.in); got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestAddURL(t *testing.T) {
	Reset()
	t.Cleanup(Reset)
	AddURL("http//admin:Canary1@host/zabbix", false) // mistyped: no scheme
	AddURL("https://hooks.example/services/T0/B0/Canary2SecretPathXYZ?token=Canary3", true)
	out := Text(`url "http//admin:Canary1@host/zabbix" is not http; POST https://hooks.example/services/T0/B0/Canary2SecretPathXYZ?token=Canary3 echoed /services/T0/B0/Canary2SecretPathXYZ and Canary3`)
	for _, c := range []string{"Canary1", "Canary2", "Canary3"} {
		if strings.Contains(out, c) {
			t.Errorf("%s left in %q", c, out)
		}
	}
}

// A one-character secret must not mangle addresses, times and versions
// that contain it, yet still go where it stands alone (review of issue 17).
func TestShortSecretLeavesOtherText(t *testing.T) {
	Reset()
	t.Cleanup(Reset)
	Add("1")
	for _, c := range []struct{ in, want string }{
		{"dial tcp 127.0.0.1:9090: connection refused", "dial tcp 127.0.0.1:9090: connection refused"},
		{"at 10:01 v1.2-1 1/2", "at 10:01 v1.2-1 1/2"},
		{"header X-Token: 1", "header X-Token: [redacted]"},
		{`password "1" refused`, `password "[redacted]" refused`},
		{"token=1&x", "token=[redacted]&x"},
		{"wrong password 1.", "wrong password [redacted]."},
		{"http://admin:1@127.0.0.1:80/", "http://admin:[redacted]@127.0.0.1:80/"},
	} {
		if got := Text(c.in); got != c.want {
			t.Errorf("Text(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
