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
