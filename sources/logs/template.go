package logs

import (
	"strings"
)

// wildcard stands for a masked variable part, as in Drain's templates.
// Messages are templated by the miner in sources/logs/drain; this file
// keeps the templates of access-log lines (method and route).
const wildcard = "<*>"

// normRoute makes a route template of a request path: the query is dropped
// and each segment that looks like an id becomes <*>:
// "/api/items/123?x=1" -> "/api/items/<*>". Deep paths are cut after six
// segments, so that crawlers cannot explode the number of templates.
func normRoute(path string) string {
	if path == "" || path[0] != '/' {
		if path == "*" {
			return path
		}
		return wildcard
	}
	if i := strings.IndexAny(path, "?#;"); i >= 0 {
		path = path[:i]
	}
	var b strings.Builder
	n := 0
	for seg := range strings.SplitSeq(path[1:], "/") {
		b.WriteByte('/')
		n++
		if n > 6 {
			b.WriteString(wildcard)
			break
		}
		if seg == "" {
			continue
		}
		if len(seg) > 40 || strings.IndexByte(seg, '%') >= 0 || hasDigit(seg) {
			b.WriteString(wildcard)
			continue
		}
		b.WriteString(seg)
	}
	return b.String()
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			return true
		}
	}
	return false
}

// statusClass is "2xx", "5xx", ...
func statusClass(status int) string {
	if status < 100 || status > 999 {
		return "xxx"
	}
	return string(rune('0'+status/100)) + "xx"
}

// levelOf guesses a message's level from its words.
func levelOf(msg string) string {
	l := strings.ToLower(msg)
	switch {
	case strings.Contains(l, "error") || strings.Contains(l, "fail") || strings.Contains(l, "fatal") ||
		strings.Contains(l, "critical") || strings.Contains(l, "panic"):
		return "error"
	case strings.Contains(l, "warn"):
		return "warn"
	}
	return "info"
}
