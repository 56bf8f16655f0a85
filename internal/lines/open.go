package lines

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// NotRegularError is a path that is not a regular file: a FIFO, a device
// (/dev/zero), a socket. Such a path is never read as data: a FIFO blocks
// in open() until a writer comes, a device never ends.
type NotRegularError struct {
	Path string
	Mode fs.FileMode
}

func (e *NotRegularError) Error() string {
	return fmt.Sprintf("%s is %s, not a regular file; only regular files are read (hint: point the path at the file itself, or at a copy of what the pipe or device holds)", e.Path, Kind(e.Mode))
}

// Kind names a file mode's type for people.
func Kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeIrregular != 0:
		return "an irregular file"
	}
	return "not a regular file"
}

// Regular returns a *NotRegularError for a mode that is neither a regular
// file nor a directory (directories have their own errors and hints).
func Regular(path string, m fs.FileMode) error {
	if m.IsRegular() || m.IsDir() {
		return nil
	}
	return &NotRegularError{Path: path, Mode: m}
}

// Open opens path for reading without blocking on a FIFO (O_NONBLOCK,
// which regular files ignore) and refuses what is not a regular file or a
// directory.
func Open(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if err := Regular(path, st.Mode()); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// WithContext is r that returns ctx's error once ctx is done, checked
// before every Read: a loop over it ends promptly however long the
// stream (a 20 GB file of NULs has no line to count).
func WithContext(ctx context.Context, r io.Reader) io.Reader {
	if ctx == nil || ctx.Done() == nil {
		return r
	}
	return &ctxReader{ctx: ctx, r: r}
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// TooLargeError is a file longer than its reader takes: a config-side
// file (a known-events list, a secret, a CA bundle) named by mistake, such
// as a log or a disk image, is refused rather than read into memory.
type TooLargeError struct {
	Path  string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is larger than %d KiB, more than such a file holds (hint: is this the right file?)", e.Path, e.Limit>>10)
}

// ReadFile reads the regular file at path whole, at most limit bytes. A
// FIFO, which would block in open() until a writer comes, and a device
// (/dev/zero), which never ends, are refused with a *NotRegularError, as
// is a directory; a longer file with a *TooLargeError.
func ReadFile(path string, limit int64) ([]byte, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, &NotRegularError{Path: path, Mode: st.Mode()}
	}
	if st.Size() > limit {
		return nil, &TooLargeError{Path: path, Limit: limit}
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit { // grew while read
		return nil, &TooLargeError{Path: path, Limit: limit}
	}
	return b, nil
}

// Bounds for ReadFile: a secret (a password, a token) and a config-side
// file (a CA bundle, a crontab, a known-events list).
const (
	MaxSecretFile = 64 << 10
	MaxConfigFile = 16 << 20
)
