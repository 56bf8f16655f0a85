package cmd

import (
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/hindsight-sre/hindsight/internal/lines"
	"github.com/hindsight-sre/hindsight/internal/redact"
)

// registerSecrets hands every secret the config can name to redact: the
// password of any url's userinfo, the values of the variables *_env names,
// the contents of the secret files *_file names, and header values. It
// reads them whether or not the backend will, so that a secret is masked
// even in the error that says the backend could not use it.
func registerSecrets(c Config, dir string) {
	register := func(p Profile) {
		for _, sc := range p.Sources {
			registerOptions(resolvePaths(sc.Options, dir), dir)
		}
	}
	register(c.Profile)
	for _, p := range c.Profiles {
		register(p)
	}
}

// publicFiles are *_file keys that name certificates, not secrets; their
// contents are never echoed and are too long to be useful tokens.
var publicFiles = map[string]bool{"ca_file": true, "cert_file": true, "key_file": true}

// publicHeaders carry routing, not credentials: a tenant ID such as
// "acme" is also a word the report uses, and masking it would blank
// monitor names for no gain.
var publicHeaders = map[string]bool{"x-scope-orgid": true, "accept": true, "accept-encoding": true, "user-agent": true, "content-type": true}

func registerOptions(opts map[string]any, dir string) {
	// A server that echoes the request headers echoes Basic credentials
	// as base64 of user:password, which decodes to the password.
	if user, ok := opts["user"].(string); ok && user != "" {
		pw := ""
		if env, ok := opts["password_env"].(string); ok && env != "" {
			pw = os.Getenv(env)
		} else if file, ok := opts["password_file"].(string); ok && file != "" {
			if !filepath.IsAbs(file) {
				file = filepath.Join(dir, file)
			}
			pw = readSecretFile(file)
		}
		if pw != "" {
			redact.Add(base64.StdEncoding.EncodeToString([]byte(user + ":" + pw)))
		}
	}
	for k, v := range opts {
		k = strings.ToLower(k)
		switch x := v.(type) {
		case map[string]any:
			if k == "headers" {
				for h, hv := range x {
					if s, ok := hv.(string); ok && !publicHeaders[strings.ToLower(h)] {
						registerHeader(s)
					}
				}
				continue
			}
			registerOptions(x, dir)
		case map[any]any:
			m := make(map[string]any, len(x))
			for mk, mv := range x {
				if ks, ok := mk.(string); ok {
					m[ks] = mv
				}
			}
			registerOptions(map[string]any{k: m}, dir)
		case []any:
			for _, e := range x {
				if m, ok := e.(map[string]any); ok {
					registerOptions(m, dir)
				}
			}
		case string:
			switch {
			case k == "url" || strings.HasSuffix(k, "_url"):
				redact.AddURL(x, false)
			case strings.HasSuffix(k, "_env"):
				redact.Add(os.Getenv(x))
			case strings.HasSuffix(k, "_file") && !publicFiles[k]:
				if x != "" && !filepath.IsAbs(x) {
					x = filepath.Join(dir, x)
				}
				redact.Add(readSecretFile(x))
			case k == "password" || k == "token" || strings.HasSuffix(k, "_password") || strings.HasSuffix(k, "_token"):
				redact.Add(x)
			}
		}
	}
}

// registerHeader masks a header value and, for "Bearer TOKEN" or
// "Basic CREDENTIALS", the credential alone.
func registerHeader(v string) {
	redact.Add(v)
	if _, cred, ok := strings.Cut(strings.TrimSpace(v), " "); ok {
		redact.Add(cred)
	}
}

// readSecretFile returns the trimmed start of a secret file; "" when it
// cannot be read (the backend says so itself).
func readSecretFile(path string) string {
	f, err := lines.Open(path) // refuses a FIFO without waiting on it
	if err != nil {
		return ""
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, 4096))
	return strings.TrimSpace(string(b))
}
