// Package redact keeps secrets out of what hindsight writes. cmd registers
// every secret the configuration can name (passwords in URL userinfo, the
// values behind *_env and *_file, header values, the webhook URL) once,
// when it reads the config; the places where text leaves the program (the
// error line on stderr, a gap's reason, `sources check`, the schedule log,
// the rendered report and state files) pass it through Text.
//
// A secret is replaced where it stands as a token: not preceded or
// followed by a letter, digit or underscore when its own first or last
// character is one. A one-character password "x" must not turn "zabbix"
// into "zabbi[redacted]", while "user:x@host" still loses it. A short
// secret (under shortSecret characters) must stand alone more strictly:
// punctuation between two letters or digits ("127.0.0.1", "10:01",
// "v1-2") joins them into one token, so a password "1" does not turn
// 127.0.0.1 into 127.0.0.[redacted]; it is still masked between spaces,
// quotes, '=', '@' and the like, and in URL userinfo whatever it is. Besides,
// the password of any URL with userinfo is replaced whatever it is, so a
// URL never written in the config (one a server echoes) is covered too.
package redact

import (
	"bytes"
	"encoding/json"
	"html"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Mask stands where a secret was.
const Mask = "[redacted]"

var (
	mu      sync.RWMutex
	secrets []string // longest first, so a secret containing another goes whole
)

// Add registers secrets. Empty and blank values are ignored. Each is also
// registered in the forms it takes inside a URL, a JSON string and HTML,
// so that escaping on the way out does not let it through.
func Add(ss ...string) {
	mu.Lock()
	defer mu.Unlock()
	for _, s := range ss {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		forms := []string{s, url.QueryEscape(s), url.PathEscape(s), html.EscapeString(s)}
		if b, err := json.Marshal(s); err == nil {
			forms = append(forms, string(b[1:len(b)-1]))
		}
		for _, f := range forms {
			if f != "" && !slices.Contains(secrets, f) {
				secrets = append(secrets, f)
			}
		}
	}
	slices.SortStableFunc(secrets, func(a, b string) int { return len(b) - len(a) })
}

// AddURL registers the secrets a URL can carry: the password of its
// userinfo (also when the URL does not parse), and for a webhook-like URL
// (whole=true) the URL itself, its path and its query values.
func AddURL(raw string, whole bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return
	}
	// A URL mistyped so that it has no scheme ("http//u:p@h", "u:p@h")
	// parses without userinfo, yet its error would quote it: take
	// anything between a colon and an at sign as a password too.
	if m := looseUserinfoRE.FindStringSubmatch(raw); m != nil {
		Add(m[1])
	}
	if u, err := url.Parse(raw); err == nil {
		if p, ok := u.User.Password(); ok {
			Add(p)
		}
		if whole {
			Add(raw)
			if len(u.Path) > 1 {
				Add(u.Path, strings.TrimPrefix(u.Path, "/"))
			}
			for _, vs := range u.Query() {
				Add(vs...)
			}
		}
		return
	}
	if whole {
		Add(raw)
	}
}

// userinfoRE finds "scheme://userinfo@" in free text. The userinfo stops
// at characters a URL cannot hold unescaped there, so "a://b c@d" is not
// one.
var userinfoRE = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.\-]*://)([^\s/?#@"'<>\x60]*)@`)

// looseUserinfoRE is "user:password@" anywhere in a configured URL.
var looseUserinfoRE = regexp.MustCompile(`[^\s:/@]*:([^\s/@]+)@`)

// URLs replaces the password of every URL with userinfo in s, keeping the
// user name as url.URL.Redacted does.
func URLs(s string) string {
	if !strings.Contains(s, "@") {
		return s
	}
	return userinfoRE.ReplaceAllStringFunc(s, func(m string) string {
		sm := userinfoRE.FindStringSubmatch(m)
		user, _, hasPass := strings.Cut(sm[2], ":")
		if !hasPass {
			return m
		}
		return sm[1] + user + ":" + Mask + "@"
	})
}

// Text is s with every registered secret and every URL password masked.
func Text(s string) string {
	s = URLs(s)
	mu.RLock()
	defer mu.RUnlock()
	for _, sec := range secrets {
		s = replaceTokens(s, sec)
	}
	return s
}

// Tokens is s with each of secrets masked where it stands as a token, as
// Text does for the registered ones: for a source that keeps its own list.
func Tokens(s string, secrets ...string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = replaceTokens(s, sec)
		}
	}
	return s
}

// Bytes is Text for a byte slice.
func Bytes(b []byte) []byte {
	// bytes.IndexByte, not strings.Contains(string(b), ...): the
	// conversion copied the whole output (26 MB for detect's million
	// rows) only to look for one byte.
	if !Active() && bytes.IndexByte(b, '@') < 0 {
		return b
	}
	return []byte(Text(string(b)))
}

// Active reports whether any secret is registered.
func Active() bool {
	mu.RLock()
	defer mu.RUnlock()
	return len(secrets) > 0
}

// Reset forgets every secret (for tests).
func Reset() {
	mu.Lock()
	secrets = nil
	mu.Unlock()
}

func isWord(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// shortSecret is the length under which a secret must stand alone
// between separators, not only between non-word characters: a one- to
// three-character value occurs by chance in every address, time and
// version number, whereas a longer one beside a dot ("secret." at the end
// of a sentence) is more likely the secret itself.
const shortSecret = 4

// joined reports whether s[k], a character beside a match, is punctuation
// that joins the match to the word on its other side (s[far]): a dot,
// colon, hyphen, slash or comma between two letters or digits.
func joined(s string, k, far int) bool {
	if far < 0 || far >= len(s) || !isWord(s[far]) {
		return false
	}
	switch s[k] {
	case '.', ':', '-', '/', ',':
		return true
	}
	return false
}

// replaceTokens masks the occurrences of sec in s that stand as tokens.
func replaceTokens(s, sec string) string {
	i := strings.Index(s, sec)
	if i < 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for i >= 0 {
		j := i + len(sec)
		startOK := i == 0 || !isWord(sec[0]) || !isWord(s[i-1])
		endOK := j == len(s) || !isWord(sec[len(sec)-1]) || !isWord(s[j])
		if len(sec) < shortSecret {
			startOK = startOK && (i == 0 || !isWord(sec[0]) || !joined(s, i-1, i-2))
			endOK = endOK && (j == len(s) || !isWord(sec[len(sec)-1]) || !joined(s, j, j+1))
		}
		if startOK && endOK {
			b.WriteString(s[last:i])
			b.WriteString(Mask)
			last = j
		} else {
			j = i + 1
		}
		k := strings.Index(s[j:], sec)
		if k < 0 {
			break
		}
		i = j + k
	}
	b.WriteString(s[last:])
	return b.String()
}
