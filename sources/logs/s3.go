package logs

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
	"golang.org/x/sync/errgroup"

	"github.com/hindsight-sre/hindsight/internal/lines"

	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/logs/s3src"
)

// Logs in S3: a path "s3://bucket/prefix/" is a set of objects. With a
// layout (Config.Layout) only the objects whose keys put them in the
// window are listed (s3src.List); without one, every object under the
// prefix written since the window began. The objects are read in stamp
// order as streams, gzip inflated on the way, nothing written to disk:
// in as many runs as there are cores, each fetching a few objects ahead,
// merged in order after. A Note says how many objects and bytes were
// fetched; an object deleted between listing and reading, one the store
// refuses to give (an error after the SDK's retries), and one that breaks
// off (a truncated gzip), are Gaps that name it, and what was read before
// the damage is kept.
//
//	sources:
//	  - name: shop-alb
//	    type: logs
//	    paths: ["s3://acme-logs/prod/"]
//	    layout: alb                 # AWSLogs/<account>/elasticloadbalancing/<region>/yyyy/mm/dd/...
//	    aws_profile: acme           # the SDK's default chain when left out
//	    region: eu-west-1
//	    # endpoint: http://127.0.0.1:7070   # an S3-compatible store
//	    # path_style: true

// s3Fetch is the listing of a Fetch's S3 paths, read after the local sets.
type s3Fetch struct {
	client *s3src.Client
	sets   []s3Set
	// zoneless counts the lines read in the source's zone (see zonelessOf).
	zoneless int
}

type s3Set struct {
	set     *fileSet
	loc     s3src.Location
	listing *s3src.Listing
}

// s3Ahead is how many objects a run fetches ahead of the one it parses.
const s3Ahead = 4

// s3Buffered is the size up to which an object fetched ahead is held in
// memory (compressed); a larger one is streamed when its turn comes.
const s3Buffered = 32 << 20

// hasS3 reports whether any path is an s3:// one.
func (s *Source) hasS3() bool {
	for _, p := range s.c.Paths {
		if s3src.IsURL(p) {
			return true
		}
	}
	return false
}

// objectSpec is the format of a layout's objects when the source names none.
func (s *Source) objectSpec() *formatSpec {
	if s.c.Format != "" || s.layout == nil || s.layout.Format == "" {
		return nil
	}
	spec, err := parseFormat(s.layout.Format)
	if err != nil {
		return nil
	}
	return &spec
}

// fetchS3 lists the objects of the window under every s3:// path.
func (s *Source) fetchS3(ctx context.Context, w sources.Window) (*s3Fetch, error) {
	if !s.hasS3() {
		return nil, nil
	}
	c, err := s3src.NewClient(ctx, s.c.AWS)
	if err != nil {
		return nil, fmt.Errorf("logs source %s: %w", s.c.Name, err)
	}
	f := &s3Fetch{client: c}
	for _, p := range s.c.Paths {
		if !s3src.IsURL(p) {
			continue
		}
		loc, _ := s3src.ParseURL(p) // checked by New
		ls, err := s3src.List(ctx, c.API, loc, s.layout, w.From, w.To)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("logs source %s: list %s: %w", s.c.Name, p, ctx.Err())
			}
			return nil, fmt.Errorf("logs source %s: list %s: %w", s.c.Name, p, s3src.Explain(err, s.c.AWS))
		}
		set := &fileSet{name: p, glob: p, spec: s.objectSpec()}
		for _, o := range ls.Objects {
			set.files = append(set.files, "s3://"+loc.Bucket+"/"+o.Key)
		}
		f.sets = append(f.sets, s3Set{set: set, loc: loc, listing: ls})
	}
	if s3Listed != nil {
		s3Listed()
	}
	return f, nil
}

// s3Listed, when set (by tests), runs between listing and reading.
var s3Listed func()

// read reads the listed objects into ds.
func (f *s3Fetch) read(ctx context.Context, s *Source, w sources.Window, step time.Duration, ds *sources.Dataset) error {
	if f == nil {
		return nil
	}
	for _, st := range f.sets {
		a := newAggregator(s, st.set, w, step)
		objects0, bytes0 := f.client.Fetched()
		if err := a.readObjects(ctx, f.client, st); err != nil {
			return err
		}
		if len(st.set.files) == 0 {
			how := "every object under the prefix written since the window began"
			if s.layout != nil {
				how = "the keys of layout " + s.layout.Name
			}
			a.gap(st.set.name, fmt.Sprintf("no objects in the window (%s; %d requests, %d keys passed over); hint: check the prefix, the layout and that logs are delivered there",
				how, st.listing.Requests, st.listing.Passed))
		}
		a.emit(ds)
		f.zoneless += a.zoneless
		objects, bytes := f.client.Fetched()
		ds.Cost.Requests += int(objects-objects0) + st.listing.Requests
		ds.Notes = append(ds.Notes, fmt.Sprintf("%s: fetched %d objects, %s from S3 (%d listed in %d list requests)",
			st.set.name, objects-objects0, byteSize(bytes-bytes0), len(st.set.files), st.listing.Requests))
	}
	return nil
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// readObjects reads a set's objects, in as many runs as there are cores
// (consecutive objects each), each with its own aggregator, merged in
// order. Objects the store would not give are gathered and reported
// together (unreadGaps).
func (a *aggregator) readObjects(ctx context.Context, c *s3src.Client, st s3Set) error {
	files := st.set.files
	sizes := make([]int64, len(files))
	for i, o := range st.listing.Objects {
		sizes[i] = o.Size
	}
	k := min(max(runtime.GOMAXPROCS(0), 1), len(files))
	if k <= 1 {
		bad, err := a.readRun(ctx, c, st.loc.Bucket, files, sizes)
		a.unreadGaps(st.set.name, len(files), bad)
		return err
	}
	subs := make([]*aggregator, k)
	bads := make([][]unread, k)
	g, gctx := errgroup.WithContext(ctx)
	for i := range subs {
		lo, hi := len(files)*i/k, len(files)*(i+1)/k
		sub := newAggregator(a.s, a.set, a.w, time.Duration(a.step))
		subs[i] = sub
		g.Go(func() (err error) {
			bads[i], err = sub.readRun(gctx, c, st.loc.Bucket, files[lo:hi], sizes[lo:hi])
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	var bad []unread
	for i, sub := range subs {
		a.merge(sub)
		bad = append(bad, bads[i]...)
	}
	a.unreadGaps(st.set.name, len(files), bad)
	return nil
}

// unread is an object the store would not give.
type unread struct {
	path string
	err  error
}

// unreadGaps reports the objects of a set the store would not give: one
// gap per object when there are a few, else one gap per kind (expired,
// refused) with the count and the first object. A store that refuses
// every GET (a policy that allows ListBucket but not GetObject) would
// otherwise fill the report with a gap per object, all saying the same.
func (a *aggregator) unreadGaps(set string, total int, bad []unread) {
	const few = 3
	var gone, refused []unread
	for _, u := range bad {
		if errors.Is(u.err, s3src.ErrGone) {
			gone = append(gone, u)
		} else {
			refused = append(refused, u)
		}
	}
	for _, k := range []struct {
		us              []unread
		one, many, hint string
	}{
		{gone, "%v", "are gone", "a lifecycle rule may be expiring logs this old"},
		{refused, "could not be read: %v", "could not be read", "check the object's permissions and the store's health, then run again"},
	} {
		if len(k.us) == 0 {
			continue
		}
		if len(k.us) <= few {
			for _, u := range k.us {
				a.gap(u.path, fmt.Sprintf(k.one+"; the rest of the window is read; hint: %s", u.err, k.hint))
			}
			continue
		}
		rest := "the rest of the window is read"
		if len(k.us) == total {
			rest = "no object of the set was read"
			if k.us[0].err != nil && !errors.Is(k.us[0].err, s3src.ErrGone) {
				k.hint = "the listing worked but every GET failed: on AccessDenied the credentials allow s3:ListBucket but not s3:GetObject on these keys; on a 5xx check the store's health, then run again"
			}
		}
		first := k.us[0].path + ": " + k.us[0].err.Error()
		if strings.Contains(k.us[0].err.Error(), k.us[0].path) {
			first = k.us[0].err.Error() // the error names the object already
		}
		a.gap(set, fmt.Sprintf("%d of %d objects %s, the first %s; %s; hint: %s",
			len(k.us), total, k.many, first, rest, k.hint))
	}
}

// fetched is an object fetched ahead: its bytes, or its stream when it is
// large, and the error that ended the fetch.
type fetched struct {
	body []byte
	rc   io.ReadCloser
	err  error
}

// readRun reads objects in order, fetching up to s3Ahead ahead, and
// returns the objects the store would not give.
func (a *aggregator) readRun(ctx context.Context, c *s3src.Client, bucket string, files []string, sizes []int64) (bad []unread, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	futs := make([]chan fetched, len(files))
	for i := range futs {
		futs[i] = make(chan fetched, 1)
	}
	sem := make(chan struct{}, s3Ahead)
	go func() {
		for i, path := range files {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			go func() {
				key := strings.TrimPrefix(path, "s3://"+bucket+"/")
				rc, err := c.Open(ctx, bucket, key)
				if err != nil {
					futs[i] <- fetched{err: err}
					return
				}
				var buf bytes.Buffer
				buf.Grow(int(min(sizes[i], s3Buffered)) + 512)
				_, err = io.Copy(&buf, io.LimitReader(rc, s3Buffered))
				if err != nil || buf.Len() < s3Buffered {
					rc.Close()
					futs[i] <- fetched{body: buf.Bytes(), err: err}
					return
				}
				// Large: the rest streams when its turn comes.
				futs[i] <- fetched{rc: struct {
					io.Reader
					io.Closer
				}{io.MultiReader(bytes.NewReader(buf.Bytes()), rc), rc}}
			}()
		}
	}()
	fr := a.reader()
	for i, path := range files {
		var f fetched
		select {
		case f = <-futs[i]:
		case <-ctx.Done():
			return bad, ctx.Err()
		}
		<-sem
		if f.err != nil && f.body == nil && f.rc == nil {
			if !errors.Is(f.err, s3src.ErrGone) && ctx.Err() != nil {
				return bad, fmt.Errorf("logs source %s: read %s: %w", a.s.c.Name, path, ctx.Err())
			}
			// One object the store would not give (a 500 after the SDK's
			// retries, access denied on that key alone, expired): the
			// listing stood, so the store and the credentials work;
			// losing the whole source for one object would hide the rest
			// of the window. The gap names the object and the answer.
			bad = append(bad, unread{path, f.err})
			continue
		}
		rc := f.rc
		if rc == nil {
			var r io.Reader = bytes.NewReader(f.body)
			if f.err != nil {
				// The fetch broke off: what came is read, then the error.
				r = io.MultiReader(r, errReader{fmt.Errorf("the download broke off after %d bytes: %w", len(f.body), s3src.Explain(f.err, a.s.c.AWS))})
			}
			rc = io.NopCloser(r)
		}
		fr.remote = func(string) (io.ReadCloser, error) { return rc, nil }
		err := a.readFile(ctx, fr, path)
		rc.Close()
		if err != nil {
			return bad, err
		}
	}
	return bad, nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// checkS3 lists the last day under every s3:// path: what `sources
// check` says of them.
func (s *Source) checkS3(ctx context.Context) (string, error) {
	if !s.hasS3() {
		return "", nil
	}
	now := time.Now()
	f, err := s.fetchS3(ctx, sources.Window{From: now.Add(-24 * time.Hour), To: now})
	if err != nil {
		return "", hintLine(err)
	}
	var out []string
	for _, st := range f.sets {
		if len(st.listing.Objects) == 0 {
			how := "no objects written in the last 24 hours under it"
			if s.layout != nil {
				how = "no objects of layout " + s.layout.Name + " stamped in the last 24 hours under it"
			}
			return "", fmt.Errorf("logs source %s: %s: %s (%d list requests, %d keys passed over): %w\nhint: check the prefix and layout, and that the service still delivers logs there",
				s.c.Name, st.set.name, how, st.listing.Requests, st.listing.Passed, sources.ErrNoData)
		}
		var size int64
		for _, o := range st.listing.Objects {
			size += o.Size
		}
		out = append(out, fmt.Sprintf("%s: %d objects (%s) in the last 24 hours", st.set.name, len(st.listing.Objects), byteSize(size)))
	}
	return strings.Join(out, "; "), nil
}

// hintLine puts an error's "; hint: ..." on a line of its own, as
// `sources check` shows hints below its table.
func hintLine(err error) error {
	msg := err.Error()
	i := strings.Index(msg, "; hint: ")
	if i < 0 {
		return err
	}
	return &hinted{err: err, text: msg[:i] + "\nhint: " + msg[i+len("; hint: "):]}
}

type hinted struct {
	err  error
	text string
}

func (h *hinted) Error() string { return h.text }
func (h *hinted) Unwrap() error { return h.err }

// remoteBufs are the buffers and decoder of a run's objects, reused from
// one object to the next: a day of a load balancer is hundreds of small
// objects, and a reader, inflater and line buffer each cost more than
// the object.
type remoteBufs struct {
	br *bufio.Reader
	zr *gzip.Reader
	lr *lines.Reader
}

// openRemote opens an object through fr.remote, inflating it when it
// starts with the gzip magic.
func (fr *fileReader) openRemote(path string) (*lines.Reader, func(), error) {
	rc, err := fr.remote(path)
	if err != nil {
		return nil, nil, err
	}
	b := fr.rbufs
	if b == nil {
		b = &remoteBufs{br: bufio.NewReaderSize(rc, 64<<10)}
		fr.rbufs = b
	} else {
		b.br.Reset(rc)
	}
	var src io.Reader = b.br
	if magic, _ := b.br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		if b.zr == nil {
			b.zr, err = gzip.NewReader(b.br)
		} else {
			err = b.zr.Reset(b.br)
		}
		if err != nil {
			b.zr = nil
			rc.Close()
			return nil, nil, errNotGzip{err}
		}
		src = b.zr
	}
	if b.lr == nil {
		b.lr = lines.New(src, 256<<10)
	} else {
		b.lr.Reset(src)
	}
	return b.lr, func() { rc.Close() }, nil
}
