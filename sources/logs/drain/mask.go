package drain

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// Masking runs before the tree lookup, so that the tree sees "port <*>"
// and not a new word for every port number. It works on bytes, one pass,
// no allocation: a message is cut into whitespace-separated tokens, a token
// into segments at delimiters (':', '=', ',', '(', '[', '#', '/', ...), and
// a segment that is a value becomes <*>. The delimiters stay, so that
// "10.0.0.7:50010" masks to "<*>:<*>" and "uid=0" to "uid=<*>", the shape
// hand-labelled templates use (Loghub).

// Wildcard stands for a variable part of a template.
const Wildcard = "<*>"

// delim marks the bytes that cut a token into segments.
var delim = [256]bool{
	':': true, '=': true, ',': true, ';': true, '(': true, ')': true,
	'[': true, ']': true, '{': true, '}': true, '"': true, '\'': true,
	'|': true, '#': true, '<': true, '>': true, '/': true, '!': true,
	'`': true, '*': true,
}

// pathEnd marks the bytes that end a path: the delimiters except '/'.
var pathEnd = func() [256]bool {
	d := delim
	d['/'] = false
	d['*'] = false
	return d
}()

// special marks the bytes that make a token more than a word: digits and
// delimiters.
var special = func() [256]bool {
	s := delim
	for c := '0'; c <= '9'; c++ {
		s[c] = true
	}
	return s
}()

var space = [256]bool{' ': true, '\t': true, '\r': true, '\n': true, '\v': true, '\f': true}

// class holds, per byte, what mask learns of a token while it looks for
// the token's end: cSpace ends it, and the others are or-ed together.
var class = func() [256]uint8 {
	var t [256]uint8
	for c := range 256 {
		if space[c] {
			t[c] |= cSpace
		}
		if special[c] {
			t[c] |= cSpecial
		}
		if c == '.' {
			t[c] |= cDot
		}
		if !(c >= '0' && c <= '9' || c == '.') {
			t[c] |= cOther
		}
	}
	return t
}()

const (
	cSpace   = 1 << iota
	cSpecial // a digit or a delimiter: not a plain word
	cOther   // not a digit, not a dot: not a number
	cDot
)

var hexish = func() [256]bool {
	var h [256]bool
	for c := '0'; c <= '9'; c++ {
		h[c] = true
	}
	for c := 'a'; c <= 'f'; c++ {
		h[c] = true
		h[c-'a'+'A'] = true
	}
	for _, c := range ".-_x+" {
		h[c] = true
	}
	return h
}()

// dateWord reports English weekday and month abbreviations: "at Fri Jun
// 17 07:07:00 2005" is one value, not five words.
func dateWord(s []byte) bool {
	if len(s) != 3 {
		return false
	}
	switch string(s) {
	case "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun",
		"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec":
		return true
	}
	return false
}

// isValue reports whether a segment (no delimiters inside) is a value:
// it starts with a digit (42, 10.0.0.7, 0MB, 2.6.5-1.358), is hex with a
// digit (ffff3000, 1e.0), has a run of four or more digits
// (blk_-6952295868, _task_200811092030_0001), or is mostly digits (v2.0,
// i386). A name with a few digits stays a name: ssh2, tty1, jk2_init,
// BIOS-e820, sha256.
func isValue(s []byte) bool {
	nd, alnum, run, maxRun := 0, 0, 0, 0
	var or uint8
	for _, c := range s {
		v := vclass[c]
		d := int(v & vDigit)
		run = (run + 1) * d // 0 after a byte that is not a digit
		maxRun = max(maxRun, run)
		nd += d
		alnum += int(v>>1) & 1
		or |= v
	}
	if nd == 0 {
		return dateWord(s) || userString(s) || or&vDot != 0 && hostName(s)
	}
	c := s[0]
	if (c == '-' || c == '+') && len(s) > 1 {
		c = s[1]
	}
	return c >= '0' && c <= '9' || or&vNotHex == 0 || maxRun >= 4 || 2*nd > alnum || or&vDot != 0 && hostName(s)
}

// vclass holds, per byte, what isValue counts.
var vclass = func() [256]uint8 {
	var t [256]uint8
	for c := range 256 {
		if c >= '0' && c <= '9' {
			t[c] |= vDigit
		}
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			t[c] |= vAlnum
		}
		if !hexish[c] {
			t[c] |= vNotHex
		}
		if c == '.' {
			t[c] |= vDot
		}
	}
	return t
}()

const (
	vDigit = 1 << iota // must be 1: isValue adds it
	vAlnum             // must be 2
	vNotHex
	vDot
)

// hostName reports a DNS name: dot-separated labels of letters, digits
// and hyphens, ending in a generic top-level domain (zummit.com)
// or, with three labels or more, a two-letter country code
// (c51471f2c.cable.wanadoo.nl). Host names vary as addresses do. A
// dotted name that starts with a top-level domain is a Java package
// (org.apache.hadoop), and two labels ending in two letters are more
// often a file (setup.py) than a host.
func hostName(s []byte) bool {
	if len(s) < 4 || s[0] == '.' || s[0] == '-' {
		return false
	}
	labels, start, first := 1, 0, []byte(nil)
	for i, c := range s {
		switch {
		case c == '.':
			if i == start || i == len(s)-1 {
				return false
			}
			if first == nil {
				first = s[:i]
			}
			labels++
			start = i + 1
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-',
			c >= 'A' && c <= 'Z': // DNS names ignore case; the TLD below is lower-case
		default:
			return false
		}
	}
	if labels < 2 || genericTLD(first) {
		return false
	}
	tld := s[start:]
	for _, c := range tld {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return genericTLD(tld) || len(tld) == 2 && labels >= 3
}

func genericTLD(l []byte) bool {
	switch string(l) {
	case "com", "net", "org", "edu", "gov", "mil", "int", "info", "biz", "io",
		"arpa", "local", "localdomain", "lan", "internal":
		return true
	}
	return false
}

// userString reports the words that Khan et al. ("Guidelines for
// Assessing the Accuracy of Log Message Template Identification
// Techniques", ICSE 2022) take as values, as the Loghub 2.0 labels do:
// true, false, null, and the user names root and admin.
func userString(s []byte) bool {
	if len(s) < 4 || len(s) > 5 {
		return false
	}
	switch s[0] | 0x20 {
	case 't', 'f', 'n', 'r', 'a':
	default:
		return false
	}
	var l [5]byte
	for i, c := range s {
		l[i] = c | 0x20
	}
	switch string(l[:len(s)]) {
	case "true", "false", "null", "root", "admin":
		return true
	}
	return false
}

// colonValue reports a token that is one value written with colons: an
// IPv6 or MAC address, a PCI slot (0000:00:1e.0), hex and digits with two
// or more colons. A clock (hh:mm:ss) is not one: it masks to
// "<*>:<*>:<*>".
func colonValue(tok []byte) bool {
	colons := 0
	for _, c := range tok {
		if c == ':' {
			colons++
		} else if !hexish[c] || c == '-' || c == '_' || c == '+' || c == 'x' {
			return false
		}
	}
	return colons >= 2 && !isClock(tok)
}

// isClock reports hh:mm:ss with an optional fraction.
func isClock(t []byte) bool {
	if len(t) < 7 {
		return false
	}
	i := 1
	if t[1] != ':' {
		i = 2
	}
	if len(t) < i+6 || t[i] != ':' || t[i+3] != ':' {
		return false
	}
	for k, c := range t[:i+6] {
		if k == i || k == i+3 {
			continue
		}
		if c < '0' || c > '9' {
			return false
		}
	}
	if r := t[i+6:]; len(r) > 0 {
		if r[0] != '.' && r[0] != ',' {
			return false
		}
		for _, c := range r[1:] {
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	return true
}

// tokenEnd returns the end of the token that starts at msg[i] (the next
// whitespace, or the end of msg) and the or of its bytes' class. It reads
// eight bytes at a time: which of them is whitespace comes from the word
// itself, and their classes are or-ed without a branch per byte, so that
// a token's end costs no mispredicted branch in a loop over its bytes.
func tokenEnd(msg []byte, i int) (int, uint8) {
	var f uint64
	j := i
	for ; j+8 <= len(msg); j += 8 {
		w := binary.LittleEndian.Uint64(msg[j:])
		c := uint64(class[byte(w)]) | uint64(class[byte(w>>8)])<<8 |
			uint64(class[byte(w>>16)])<<16 | uint64(class[byte(w>>24)])<<24 |
			uint64(class[byte(w>>32)])<<32 | uint64(class[byte(w>>40)])<<40 |
			uint64(class[byte(w>>48)])<<48 | uint64(class[byte(w>>56)])<<56
		if sp := c & (cSpace * ones); sp != 0 {
			k := bits.TrailingZeros64(sp) // 8 × the index of the first space
			f |= c & (1<<k - 1)
			j += k >> 3
			return j, fold(f)
		}
		f |= c
	}
	for ; j < len(msg); j++ {
		c := class[msg[j]]
		if c&cSpace != 0 {
			break
		}
		f |= uint64(c)
	}
	return j, fold(f)
}

// fold ors the eight bytes of f.
func fold(f uint64) uint8 {
	f |= f >> 32
	f |= f >> 16
	f |= f >> 8
	return uint8(f)
}

// maxTokenLen bounds a token: a longer one (a blob, a base64 payload, a
// minified line) is a value, so that templates, the tree and the cache
// stay small whatever the input.
const maxTokenLen = 128

// maskToken appends the masked form of one token (no whitespace) to dst;
// f is the or of its bytes' class.
//
// kept, when not nil, gets the spans of tok (offset by off) that are
// copied as they are and hold a digit: the digits the masked form keeps.
func maskToken(dst, tok []byte, f uint8, off int, kept *[][2]int32) []byte {
	if len(tok) > maxTokenLen {
		return append(dst, Wildcard...)
	}
	// Most tokens are words: no digit, no delimiter. They stay as they
	// are, unless they are a date word or a user string.
	plain, number, dot := f&cSpecial == 0, tok[0] >= '0' && tok[0] <= '9' && f&cOther == 0, f&cDot != 0
	if number {
		// A number, a version, an IPv4 address: one value, a sentence's
		// dot kept ("after 30.").
		if tok[len(tok)-1] == '.' {
			return append(dst, "<*>."...)
		}
		return append(dst, Wildcard...)
	}
	if plain {
		if len(tok) >= 3 && len(tok) <= 5 && (dateWord(tok) || userString(tok)) {
			return append(dst, Wildcard...)
		}
		if dot {
			// A host name, a sentence's dot kept ("from zummit.com.").
			if e := len(tok) - 1; tok[e] == '.' && hostName(tok[:e]) {
				return append(dst, "<*>."...)
			}
			if hostName(tok) {
				return append(dst, Wildcard...)
			}
		}
		return append(dst, tok...)
	}
	// Strip brackets and trailing punctuation for the whole-token rules.
	a, b := 0, len(tok)
	for a < b && (tok[a] == '(' || tok[a] == '[' || tok[a] == '"' || tok[a] == '\'') {
		a++
	}
	for b > a && (tok[b-1] == ')' || tok[b-1] == ']' || tok[b-1] == '"' || tok[b-1] == '\'' || tok[b-1] == ',' || tok[b-1] == ';' || tok[b-1] == '.' || tok[b-1] == ':') {
		b--
	}
	if b-a >= 5 && colonValue(tok[a:b]) {
		dst = append(dst, tok[:a]...)
		dst = append(dst, Wildcard...)
		return append(dst, tok[b:]...)
	}
	// A URL is one value after its scheme: "hdfs://<*>",
	// "akka.tcp://<*>]". Its host, port and path are not worth a template
	// each.
	var url []byte
	if u := schemeEnd(tok); u > 0 && u+3 < b {
		url = tok[b:]
		tok = tok[:u+3]
	}
	i := 0
	atStart := true // at the token's start or right after a delimiter
	for i < len(tok) {
		c := tok[i]
		// A path: '/' followed by a non-delimiter, at a segment start.
		// A relative path, "./x" or "../x", is a path too.
		if c == '.' && atStart && i == 0 {
			d := i
			for d < len(tok) && d < i+2 && tok[d] == '.' {
				d++
			}
			if d+1 < len(tok) && tok[d] == '/' && !pathEnd[tok[d+1]] {
				j := d + 1
				for j < len(tok) && !pathEnd[tok[j]] {
					j++
				}
				dst = append(dst, Wildcard...)
				i = j
				atStart = false
				continue
			}
		}
		if c == '/' && atStart && i+1 < len(tok) && !pathEnd[tok[i+1]] && tok[i+1] != '/' || c == '/' && atStart && i+1 < len(tok) && tok[i+1] == '/' && i+2 < len(tok) && !pathEnd[tok[i+2]] {
			j := i + 1
			for j < len(tok) && !pathEnd[tok[j]] {
				j++
			}
			dst = append(dst, Wildcard...)
			i = j
			atStart = false
			continue
		}
		if delim[c] {
			dst = append(dst, c)
			i++
			atStart = true
			continue
		}
		j := i
		var or uint8 // vclass of the segment's bytes
		for j < len(tok) && !delim[tok[j]] {
			or |= vclass[tok[j]]
			j++
		}
		seg := tok[i:j]
		// Sentence dots stay: "to ffff3000." is "to <*>.".
		k := len(seg)
		for k > 0 && seg[k-1] == '.' {
			k--
		}
		switch {
		case k == 0:
			dst = append(dst, seg...)
		case or&vDigit == 0 && (or&vDot == 0 || bytes.IndexByte(seg[:k], '.') < 0):
			// A word without a digit or a dot, most of a message: of
			// wholeValue's tests only the words that are values
			// (isValue without digits) can hold, without a pass over
			// it per test (Miner/shapes=new: see BENCHMARKS.md).
			if dateWord(seg[:k]) || userString(seg[:k]) {
				dst = append(dst, Wildcard...)
				dst = append(dst, seg[k:]...)
			} else {
				dst = append(dst, seg...)
			}
		case wholeValue(seg[:k]):
			dst = append(dst, Wildcard...)
			dst = append(dst, seg[k:]...)
		case !hasDigit(seg):
			dst = append(dst, seg...)
		default:
			dst = maskPieces(dst, seg, off+i, kept)
		}
		i = j
		atStart = false
	}
	if url != nil {
		dst = append(dst, Wildcard...)
		dst = append(dst, url...)
	}
	return dst
}

// unitEnd returns the length of the unit symbol tok starts with, when tok
// is a unit symbol of bytes followed by closing punctuation only ("KB",
// "MB,"), or 0. A size written for people picks its unit by its magnitude
// ("384 B", "16.0 KB"), so the unit varies with the value and is part of
// it. A unit that a format string fixes ("took %d ms") does not vary and
// stays a word; so do words ("5 bytes sent").
func unitEnd(tok []byte) int {
	e := len(tok)
	for e > 0 && (tok[e-1] == ',' || tok[e-1] == ';' || tok[e-1] == ')' || tok[e-1] == ']' || tok[e-1] == '.') {
		e--
	}
	switch string(tok[:e]) {
	case "B", "kB", "KB", "MB", "GB", "TB", "PB", "KiB", "MiB", "GiB", "TiB":
		return e
	}
	return 0
}

// maskPieces appends seg (a segment with a digit, not a value as a whole)
// with its numbers masked. A number is a run of digits that no letter or
// digit touches: the rule of the number pattern that Brain and the
// logparser benchmarks apply to every system alike, (?<![A-Za-z0-9])\d+
// (?![A-Za-z0-9]). A digit written into a word is part of the word
// ("ssh2", "jk2_init", "BIOS-e820", "sha256"); one set apart by '_', '-'
// or '.' counts something ("rdd_2_1", "core.998", "mesos-slave-07").
//
// The segment is cut into pieces at dots. A piece with a number is one
// value as a whole: '_' and '-' join the parts of one name, so
// "broadcast_9_piece0" is one identifier that varies, not a word with a
// number in it, while a dot separates a name from what follows it
// ("core.998" is "core.<*>", "enable.......0" is "enable.......<*>").
// Pieces kept as they are with digits are recorded in kept.
//
// wholeValue says first whether the segment is one value as a whole: it
// starts with a digit (a number, a version, an address), or is a host
// name, or has no dot and isValue says so.
func maskPieces(dst, seg []byte, off int, kept *[][2]int32) []byte {
	p := 0
	for p <= len(seg) {
		q := p
		for q < len(seg) && seg[q] != '.' {
			q++
		}
		piece := seg[p:q]
		switch {
		case len(piece) > 0 && (hasNumber(piece) || isValue(piece)):
			// A value takes the pieces after it in: "002.xml",
			// "x-12.tar.gz" are one file name.
			dst = append(dst, Wildcard...)
			if e := len(seg); q < e {
				for e > q && seg[e-1] == '.' {
					e--
				}
				dst = append(dst, seg[e:]...)
				return dst
			}
		default:
			dst = append(dst, piece...)
			if kept != nil && hasDigit(piece) {
				*kept = append(*kept, [2]int32{int32(off + p), int32(off + q)})
			}
		}
		if q < len(seg) {
			dst = append(dst, '.')
		}
		p = q + 1
	}
	return dst
}

// schemeEnd is bytes.Index(tok, "://"), by the colons: most tokens have
// none, and bytes.Index's setup cost a tenth of Miner/shapes=new.
func schemeEnd(tok []byte) int {
	for i := 0; ; {
		c := bytes.IndexByte(tok[i:], ':')
		if c < 0 {
			return -1
		}
		i += c
		if i+2 < len(tok) && tok[i+1] == '/' && tok[i+2] == '/' {
			return i
		}
		i++
	}
}

// wholeValue reports a segment that is one value as a whole (see
// maskPieces).
func wholeValue(s []byte) bool {
	c := s[0]
	if (c == '-' || c == '+') && len(s) > 1 {
		c = s[1]
	}
	if c >= '0' && c <= '9' {
		return true
	}
	if bytes.IndexByte(s, '.') < 0 {
		return isValue(s) || hasNumber(s)
	}
	return hostName(s) || !hasDigit(s) && isValue(s) || mostlyDigits(s)
}

// mostlyDigits reports a version: dotted digits with a letter at most
// ("v1.0.0"), not a name with a number ("core.998").
func mostlyDigits(s []byte) bool {
	nd, nl := 0, 0
	for _, c := range s {
		switch {
		case c >= '0' && c <= '9':
			nd++
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			nl++
		}
	}
	return nd >= 2 && nl <= 1
}

// hasNumber reports a run of digits in s with no letter or digit next to
// it (see maskPieces).
func hasNumber(s []byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			continue
		}
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if (i == 0 || !alnum(s[i-1])) && (j == len(s) || !alnum(s[j])) {
			return true
		}
		i = j
	}
	return false
}

func alnum(c byte) bool { return vclass[c]&vAlnum != 0 }

// MaxTokens bounds the tokens of one message.
const MaxTokens = 64

// Mask appends msg's masked tokens to dst, separated by single spaces, and
// returns dst and the number of tokens. At most maxTokens (≤ MaxTokens)
// tokens are kept; the rest of a longer message becomes one trailing <*>.
//
// A clock time absorbs the bare <*> tokens next to it, so that a date
// written out ("at Fri Jun 17 07:07:00 2005") is one variable,
// "<*>:<*>:<*>", as hand-labelled templates write it.
func Mask(dst, msg []byte, maxTokens int) ([]byte, int) {
	var spans [MaxTokens][2]int32
	return mask(dst, msg, maxTokens, nil, &spans)
}

// mask is Mask; kept, when not nil, gets the spans of msg whose digits the
// masked form keeps (see maskToken). Only maskToken copies bytes with
// digits: the compaction below drops bare wildcards only. The masked
// token k is dst[spans[k][0]:spans[k][1]].
func mask(dst, msg []byte, maxTokens int, kept *[][2]int32, spans *[MaxTokens][2]int32) ([]byte, int) {
	maxTokens = min(max(maxTokens, 1), MaxTokens)
	n := 0
	clocks := false // something to compact: a clock, or a list of values
	run := 0        // bare wildcards in a row
	i := 0
	for {
		for i < len(msg) && space[msg[i]] {
			i++
		}
		if i >= len(msg) {
			break
		}
		j, f := tokenEnd(msg, i)
		if n > 0 && j-i <= 5 && bytes.HasSuffix(dst, []byte(Wildcard)) {
			if u := unitEnd(msg[i:j]); u > 0 {
				// A quantity and its unit are one value: "16.0 KB" and
				// "384 B" are the same variable, as "42ms" is. Only
				// the unit's trailing punctuation stays.
				dst = append(dst, msg[i+u:j]...)
				spans[n-1][1] = int32(len(dst))
				i = j
				continue
			}
		}
		if n > 0 {
			dst = append(dst, ' ')
		}
		s := len(dst)
		if n == maxTokens-1 {
			k := j
			for k < len(msg) && space[msg[k]] {
				k++
			}
			if k < len(msg) { // more follows: the rest is one variable
				dst = append(dst, Wildcard...)
				spans[n] = [2]int32{int32(s), int32(len(dst))}
				n++
				break
			}
		}
		if tok := msg[i:j]; f&(cSpecial|cDot) == 0 && (len(tok) < 3 || len(tok) > 5) && len(tok) <= maxTokenLen {
			dst = append(dst, tok...) // a plain word (maskToken's first case, inline)
		} else {
			dst = maskToken(dst, tok, f, i, kept)
		}
		spans[n] = [2]int32{int32(s), int32(len(dst))}
		if string(dst[s:]) == Wildcard {
			if run++; run >= 3 {
				clocks = true
			}
		} else {
			run = 0
			if !clocks && clock(dst[s:]) {
				clocks = true
			}
		}
		n++
		i = j
	}
	if !clocks || n < 2 {
		return dst, n
	}
	tok := func(k int) []byte { return dst[spans[k][0]:spans[k][1]] }
	bare := func(k int) bool { return string(tok(k)) == Wildcard }
	var drop [MaxTokens]bool
	// A list of three or more values is one variable: "delete <*> <*>
	// <*>" is "delete <*>", however many blocks a line names.
	for k := 0; k < n; {
		if !bare(k) {
			k++
			continue
		}
		e := k
		for e < n && bare(e) {
			e++
		}
		if e-k >= 3 {
			for d := k + 1; d < e; d++ {
				drop[d] = true
			}
		}
		k = e
	}
	for k := range n {
		if !clock(tok(k)) {
			continue
		}
		for a := k - 1; a >= 0 && bare(a); a-- {
			drop[a] = true
		}
		for b := k + 1; b < n && bare(b); b++ {
			drop[b] = true
		}
	}
	// Compact in place; copy handles the overlap.
	w := int(spans[0][0])
	m := 0
	for k := range n {
		if drop[k] {
			continue
		}
		if m > 0 {
			dst[w] = ' '
			w++
		}
		a := w
		w += copy(dst[w:], tok(k))
		spans[m] = [2]int32{int32(a), int32(w)}
		m++
	}
	return dst[:w], m
}

// clock reports a masked time of day, "<*>:<*>:<*>" (also with a
// fraction, "<*>:<*>:<*>.<*>" masks to the same).
func clock(tok []byte) bool {
	return string(tok) == "<*>:<*>:<*>"
}
