package logs

import (
	"strings"
)

// wildcard stands for a masked variable part, as in Drain's templates.
const wildcard = "<*>"

// maxTemplateLen bounds one template, so that one huge line cannot make a
// huge key.
const maxTemplateLen = 300

// maskMessage makes a template of a log message: every token that looks
// variable (a number, hex, an IP address, a time, a path, a URL, a value
// with two or more digits) becomes <*>, punctuation around it kept:
//
//	"Accepted password for root from 10.0.0.7 port 52100 ssh2"
//	"Accepted password for root from <*> port <*> ssh2"
//
// It is the simple per-line mask; a later Drain miner can start from it.
func maskMessage(msg string) string {
	var b strings.Builder
	b.Grow(min(len(msg), maxTemplateLen))
	first := true
	for tok := range strings.FieldsSeq(msg) {
		if !first {
			b.WriteByte(' ')
		}
		first = false
		b.WriteString(maskToken(tok))
		if b.Len() >= maxTemplateLen {
			break
		}
	}
	s := b.String()
	if len(s) > maxTemplateLen {
		s = s[:maxTemplateLen]
	}
	return s
}

func maskToken(tok string) string {
	// Strip surrounding punctuation: "(19939)" masks to "(<*>)".
	i, j := 0, len(tok)
	for i < j && strings.IndexByte(`([{<'"`, tok[i]) >= 0 {
		i++
	}
	for j > i && strings.IndexByte(`)]}>'",;:.`, tok[j-1]) >= 0 {
		j--
	}
	core := tok[i:j]
	if core == "" || core == wildcard {
		return tok
	}
	if k := strings.IndexByte(core, '='); k > 0 {
		// key=value: mask the value only, keep the key.
		if v := core[k+1:]; v != "" && variable(v) {
			return tok[:i] + core[:k+1] + wildcard + tok[j:]
		}
		return tok
	}
	if variable(core) || dateWords[core] {
		return tok[:i] + wildcard + tok[j:]
	}
	return tok
}

// dateWords are the English month and weekday abbreviations, masked so
// that "at Fri Jul 1 ..." and "at Mon Jun 4 ..." are one template.
var dateWords = map[string]bool{
	"Jan": true, "Feb": true, "Mar": true, "Apr": true, "May": true, "Jun": true,
	"Jul": true, "Aug": true, "Sep": true, "Oct": true, "Nov": true, "Dec": true,
	"Mon": true, "Tue": true, "Wed": true, "Thu": true, "Fri": true, "Sat": true, "Sun": true,
}

// variable reports whether a token is a value rather than a word.
func variable(s string) bool {
	if s[0] == '/' || strings.Contains(s, "://") {
		return true // a path or a URL
	}
	nd, hexish := 0, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			nd++
		case c >= 'a' && c <= 'f', c >= 'A' && c <= 'F', c == '.', c == ':', c == '-', c == '_', c == 'x', c == '/', c == '+':
		default:
			hexish = false
		}
	}
	// Numbers, hex, IPs, times, dates, UUIDs; else mixed words with two or
	// more digits (host-10-0-0-7, pid1234) but not ssh2 or sda1.
	return nd > 0 && hexish || nd >= 2
}

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
