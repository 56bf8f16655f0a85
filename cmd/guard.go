package cmd

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/hindsight-sre/hindsight/internal/lines"
)

// A config is refused before parsing when it is larger than maxConfigSize
// or nests deeper than maxConfigDepth: a real one is a few kilobytes and a
// handful of levels (profile, sources, an entry, its options), while a
// YAML parser given megabytes of nested blocks spends a minute of CPU
// before it says anything.
const (
	maxConfigSize  = 1 << 20
	maxConfigDepth = 32
)

// guardConfig checks the size, kind and depth of a config file; the error
// wraps fs.ErrNotExist when there is no file.
func guardConfig(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if err := lines.Regular(path, st.Mode()); err != nil {
		return configErrorf("config %v", err)
	}
	if st.IsDir() {
		return configErrorf("config %s is a directory\nhint: name the file, e.g. %s/hindsight.yaml", path, path)
	}
	if st.Size() > maxConfigSize {
		return configErrorf("config %s is %d bytes, more than the %d a config may have\nhint: is this the right file? A config is a few kilobytes; split customers into profiles, long lists into known_events or holiday_ical files", path, st.Size(), maxConfigSize)
	}
	f, err := lines.Open(path)
	if err != nil {
		return configErrorf("read config: %w\nhint: check the file's permissions", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err != nil {
		return configErrorf("read config: %w\nhint: check the file's permissions", err)
	}
	return checkConfigShape(path, b)
}

// checkConfigShape refuses a config larger than maxConfigSize or nested
// deeper than maxConfigDepth, counting block nesting by indentation and
// flow nesting by brackets (outside quotes).
func checkConfigShape(name string, b []byte) error {
	if len(b) > maxConfigSize {
		return configErrorf("config %s is more than %d bytes\nhint: is this the right file? A config is a few kilobytes", name, maxConfigSize)
	}
	var indents []int // the indentation of each open block level
	deepest, line, open := 0, 0, 0
	for len(b) > 0 {
		line++
		l := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			l, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		ind := 0
		for ind < len(l) && (l[ind] == ' ' || l[ind] == '-') {
			ind++ // "- - - a" nests as deep as indentation does
		}
		rest := bytes.TrimSpace(l[ind:])
		if len(rest) == 0 || rest[0] == '#' {
			continue
		}
		for len(indents) > 0 && indents[len(indents)-1] >= ind {
			indents = indents[:len(indents)-1]
		}
		indents = append(indents, ind)
		var flow int
		flow, open = flowDepth(rest, open)
		depth := len(indents) + flow + bytes.Count(l[:ind], []byte("-"))
		deepest = max(deepest, depth)
		if deepest > maxConfigDepth {
			return configErrorf("config %s: line %d nests deeper than %d levels\nhint: a config needs a handful of levels (profiles, sources, an entry, its options); is this the right file?", name, line, maxConfigDepth)
		}
	}
	return nil
}

// flowDepth is the deepest [ or { nesting on one line, outside quotes,
// starting at open brackets left open by the lines before; it returns
// those left open after it too.
func flowDepth(l []byte, d int) (most, open int) {
	most = d
	var quote byte
	for _, c := range l {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '#':
			return most, d
		case c == '[' || c == '{':
			d++
			most = max(most, d)
		case c == ']' || c == '}':
			d = max(d-1, 0)
		}
	}
	return most, d
}

// readConfigHint is the next step after viper could not read a config.
func readConfigHint(err error) string {
	if strings.Contains(err.Error(), "Unsupported Config Type") {
		return "hint: the config is YAML: name it with .yaml (e.g. hindsight.yaml)"
	}
	return "hint: the config is YAML: check the line named (indentation by spaces, a ':' after each key, closing brackets and quotes)"
}

// decodeError rewrites mapstructure's "” has invalid keys: pth" as
// "unknown key pth" with the keys the block takes; other errors keep
// their text and gain a hint about types.
func decodeError(err error, dst any) string {
	msg := err.Error()
	if _, keys, ok := strings.Cut(msg, "has invalid keys: "); ok {
		keys, _, _ = strings.Cut(keys, "\n")
		return fmt.Sprintf("unknown key %s\nhint: the keys here are %s", strings.TrimSpace(keys), strings.Join(structKeys(dst), ", "))
	}
	msg = strings.TrimPrefix(msg, "decoding failed due to the following error(s):\n\n")
	return msg + "\nhint: check the value's type: durations like 30s or 7d, lists in [ ], numbers without quotes"
}

// structKeys are the mapstructure names of a struct's fields, squashed
// and embedded ones included.
func structKeys(v any) []string {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag, opts, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
		if tag == "-" {
			continue
		}
		if strings.Contains(opts, "squash") {
			out = append(out, structKeys(reflect.New(f.Type).Interface())...)
			continue
		}
		if strings.Contains(opts, "remain") {
			continue
		}
		if tag == "" {
			tag = strings.ToLower(f.Name)
		}
		out = append(out, tag)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
