package lines

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// readAll reads every line of lr: the lines, their offsets, and the error
// that ended it (nil for io.EOF). A line too long reads as "<long>".
func readAll(lr *Reader) (lines []string, ats []int64, err error) {
	for {
		line, at, err := lr.Next()
		if err == io.EOF {
			return lines, ats, nil
		}
		if errors.Is(err, ErrTooLong) {
			lines, ats = append(lines, "<long>"), append(ats, at)
			continue
		}
		if err != nil {
			return lines, ats, err
		}
		lines, ats = append(lines, string(line)), append(ats, at)
	}
}

func TestLineReader(t *testing.T) {
	long := strings.Repeat("x", Max)
	tests := []struct {
		name string
		in   string
		want []string
		ats  []int64
	}{
		{"lines", "a\nbb\nccc\n", []string{"a", "bb", "ccc"}, []int64{0, 2, 5}},
		{"CRLF", "a\r\nbb\r\n\r\n", []string{"a", "bb", ""}, []int64{0, 3, 7}},
		{"a CR inside stays", "a\rb\n", []string{"a\rb"}, nil},
		{"last line without newline", "a\nbb", []string{"a", "bb"}, []int64{0, 2}},
		{"last line a lone CR", "a\n\r", []string{"a", ""}, nil},
		{"empty lines", "\n\na\n\n", []string{"", "", "a", ""}, []int64{0, 1, 2, 4}},
		{"empty input", "", nil, nil},
		{"a line of 1 MiB is kept", "a\n" + long + "\nb\n", []string{"a", long, "b"}, []int64{0, 2, Max + 3}},
		{"a line of 1 MiB and CR is too long", "a\n" + long + "\r\nb\n", []string{"a", "<long>", "b"}, []int64{0, 2, Max + 4}},
		{"a line of 1 MiB + 1 is too long", "a\n" + long + "y\nb\n", []string{"a", "<long>", "b"}, []int64{0, 2, Max + 4}},
		{"a line of 3 MiB is too long", "a\n" + strings.Repeat(long, 3) + "\nb", []string{"a", "<long>", "b"}, []int64{0, 2, 3*Max + 3}},
		{"a too long last line", "a\n" + long + "y", []string{"a", "<long>"}, []int64{0, 2}},
	}
	for _, tt := range tests {
		for _, size := range []int{4, 64, 256 << 10, 1 << 20} {
			for _, slow := range []bool{false, true} {
				var r io.Reader = strings.NewReader(tt.in)
				if slow {
					r = iotest.HalfReader(iotest.DataErrReader(r))
				}
				lines, ats, err := readAll(New(r, size))
				if err != nil {
					t.Fatalf("%s (buffer %d, slow %v): %v", tt.name, size, slow, err)
				}
				if strings.Join(lines, "|") != strings.Join(tt.want, "|") || len(lines) != len(tt.want) {
					t.Errorf("%s (buffer %d, slow %v): %d lines %.40q, want %d %.40q", tt.name, size, slow, len(lines), lines, len(tt.want), tt.want)
				}
				if tt.ats != nil && !slices.Equal(ats, tt.ats) {
					t.Errorf("%s (buffer %d, slow %v): offsets %v, want %v", tt.name, size, slow, ats, tt.ats)
				}
			}
		}
	}
}

// A read error ends the lines: those before it are kept, the part of a
// line read before it is dropped.
func TestLineReaderError(t *testing.T) {
	boom := errors.New("boom")
	for _, size := range []int{4, 1 << 20} {
		r := io.MultiReader(strings.NewReader("a\nbb\ncc"), iotest.ErrReader(boom))
		lines, _, err := readAll(New(r, size))
		if !errors.Is(err, boom) || strings.Join(lines, "|") != "a|bb" {
			t.Errorf("buffer %d: %q, %v; want [a bb], boom", size, lines, err)
		}
		r = io.MultiReader(strings.NewReader("a\n"+strings.Repeat("x", Max+10)), iotest.ErrReader(boom))
		lines, _, err = readAll(New(r, size))
		if !errors.Is(err, boom) || strings.Join(lines, "|") != "a" {
			t.Errorf("buffer %d, a long line: %q, %v; want [a], boom", size, lines, err)
		}
	}
}

// Random lines across buffer boundaries read as strings.Split reads them.
func TestLineReaderRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		var b strings.Builder
		n := rng.IntN(50)
		for range n {
			b.WriteString(strings.Repeat("ab", rng.IntN(40)))
			if rng.IntN(4) == 0 {
				b.WriteByte('\r')
			}
			b.WriteByte('\n')
		}
		if rng.IntN(2) == 0 {
			b.WriteString("tail")
		}
		in := b.String()
		want := strings.Split(in, "\n")
		if want[len(want)-1] == "" {
			want = want[:len(want)-1]
		}
		var ats []int64
		at := int64(0)
		for i, l := range want {
			ats = append(ats, at)
			at += int64(len(l)) + 1
			want[i] = strings.TrimSuffix(l, "\r")
		}
		size := 1 + rng.IntN(100)
		lines, gotAts, err := readAll(New(iotest.HalfReader(strings.NewReader(in)), size))
		if err != nil || !slices.Equal(lines, want) || !slices.Equal(gotAts, ats) {
			t.Fatalf("buffer %d, %q: %q at %v (%v); want %q at %v", size, in, lines, gotAts, err, want, ats)
		}
	}
}

// FuzzLineReader: the line splitter reads what strings.Split reads, in
// buffers of any size.
func FuzzLineReader(f *testing.F) {
	f.Add([]byte("a\r\nbb\n\nc"), uint8(3))
	f.Fuzz(func(t *testing.T, in []byte, size uint8) {
		lines, _, err := readAll(New(bytes.NewReader(in), int(size)+1))
		want := strings.Split(string(in), "\n")
		if want[len(want)-1] == "" {
			want = want[:len(want)-1]
		}
		for i := range want {
			want[i] = strings.TrimSuffix(want[i], "\r")
		}
		if err != nil || strings.Join(lines, "\n") != strings.Join(want, "\n") || len(lines) != len(want) {
			t.Fatalf("%q: %q (%v), want %q", in, lines, err, want)
		}
	})
}
