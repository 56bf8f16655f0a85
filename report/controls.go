package report

import (
	"bytes"
	"unicode/utf8"
)

// EscapeControls makes the control characters in a rendered report
// visible and harmless: a log line or a monitor name with ESC, BEL or NUL
// (an OSC sequence that sets a terminal's title, "ESC[2J" that clears it,
// a NUL from a truncated answer) would otherwise act on the terminal that
// shows the report, or cut it short. C0 controls other than newline and
// tab become their Unicode control pictures (ESC is ␛, NUL ␀), DEL is ␡,
// and the C1 controls (U+0080–U+009F, CSI among them) become U+FFFD.
// JSON is unaffected where it matters: its encoder already escapes C0,
// and a control picture is valid in a JSON string.
func EscapeControls(b []byte) []byte {
	if !hasControl(b) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == '\n' || c == '\t':
			out = append(out, c)
			i++
		case c < 0x20:
			out = utf8.AppendRune(out, rune(0x2400+int(c)))
			i++
		case c == 0x7f:
			out = utf8.AppendRune(out, 0x2421)
			i++
		case c < utf8.RuneSelf:
			out = append(out, c)
			i++
		default:
			r, n := utf8.DecodeRune(b[i:])
			if r >= 0x80 && r <= 0x9f {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, b[i:i+n]...)
			}
			i += n
		}
	}
	return out
}

func hasControl(b []byte) bool {
	for i, c := range b {
		if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f || c == 0xc2 && i+1 < len(b) && b[i+1] >= 0x80 && b[i+1] <= 0x9f {
			return true
		}
	}
	return false
}

// EscapeControlsString is EscapeControls for a string.
func EscapeControlsString(s string) string {
	if !hasControl([]byte(s)) {
		return s
	}
	return string(EscapeControls([]byte(s)))
}

// colorCodes are the ANSI sequences the terminal report writes itself
// (table.go), the only ones EscapeControlsKeepColor lets through.
var colorCodes = []string{ansiBold, ansiRed, ansiYellow, ansiReset}

// EscapeControlsKeepColor is EscapeControls for a report shown on a colour
// terminal (Options.Color): the colour codes the report writes itself stay
// codes, every other control is made visible. The same four sequences in a
// log line would pass too; they only set bold, red, yellow or reset, which
// neither moves the cursor, clears the screen nor sets a title, as OSC and
// the other CSI sequences (still escaped) would.
func EscapeControlsKeepColor(b []byte) []byte {
	if !hasControl(b) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for len(b) > 0 {
		i := bytes.IndexByte(b, 0x1b)
		if i < 0 {
			return append(out, EscapeControls(b)...)
		}
		out = append(out, EscapeControls(b[:i])...)
		b = b[i:]
		kept := false
		for _, c := range colorCodes {
			if bytes.HasPrefix(b, []byte(c)) {
				out, b, kept = append(out, c...), b[len(c):], true
				break
			}
		}
		if !kept {
			out = append(out, EscapeControls(b[:1])...)
			b = b[1:]
		}
	}
	return out
}
