package s3src

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// ListAPI is the part of the S3 client List uses.
type ListAPI interface {
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, opts ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
}

// Location is an s3:// path: a bucket and a key prefix.
type Location struct {
	Bucket, Prefix string
}

func (l Location) String() string { return "s3://" + l.Bucket + "/" + l.Prefix }

// IsURL reports whether p names S3 (s3://...).
func IsURL(p string) bool { return strings.HasPrefix(strings.ToLower(p), "s3://") }

// ParseURL reads "s3://bucket/prefix/...".
func ParseURL(u string) (Location, error) {
	if !IsURL(u) {
		return Location{}, fmt.Errorf("%q is not an s3:// path", u)
	}
	rest := u[len("s3://"):]
	bucket, prefix, _ := strings.Cut(rest, "/")
	if bucket == "" {
		return Location{}, fmt.Errorf("%q names no bucket; hint: write s3://BUCKET/PREFIX/", u)
	}
	if strings.ContainsAny(bucket, "*?[") {
		return Location{}, fmt.Errorf("%q: the bucket name cannot be a pattern; hint: name the bucket, put * only in the prefix", u)
	}
	return Location{Bucket: bucket, Prefix: prefix}, nil
}

// Object is one object List found.
type Object struct {
	Key      string
	Size     int64
	Stamp    time.Time // from the key; LastModified without a layout
	Modified time.Time
}

// Listing is what List found and what it cost.
type Listing struct {
	Objects  []Object // by stamp, then key
	Requests int      // ListObjectsV2 calls
	Passed   int      // keys seen and passed over (outside the window, no stamp)
}

// maxKeys is the largest page asked for (S3's largest); firstKeys the
// first page after a jump. A page holds keys up to its size whether
// the listing wants them or not, so pages start small and double while
// every key of the last one was wanted: the keys S3 sends that are not
// used are at most those of one page per jump and as many as were used.
var (
	maxKeys   int32 = 1000
	firstKeys int32 = 8
)

// List finds the objects under loc that may hold lines of [from, to) by
// their keys (see the package doc). Without a layout (l nil) it lists
// the whole prefix and keeps the objects last written at or after from:
// an object finished before the window began holds none of its lines.
func List(ctx context.Context, api ListAPI, loc Location, l *Layout, from, to time.Time) (*Listing, error) {
	out := &Listing{}
	if l == nil {
		err := out.scan(ctx, api, loc.Bucket, loc.Prefix, "", func(o Object) (string, bool) {
			if o.Modified.Before(from) {
				out.Passed++
				return "", false
			}
			o.Stamp = o.Modified
			out.Objects = append(out.Objects, o)
			return "", false
		})
		out.sort()
		return out, err
	}
	lo, hi := l.span(from, to)
	for _, base := range l.bases(loc.Prefix) {
		prefixes, err := out.expand(ctx, api, loc.Bucket, base)
		if err != nil {
			return out, err
		}
		for _, p := range prefixes {
			for _, d := range l.dirs(lo, hi) {
				if err := out.scanDir(ctx, api, loc.Bucket, p+d, l, lo, hi); err != nil {
					return out, err
				}
			}
		}
	}
	out.sort()
	return out, nil
}

func (ls *Listing) sort() {
	sort.SliceStable(ls.Objects, func(i, j int) bool {
		a, b := ls.Objects[i], ls.Objects[j]
		if !a.Stamp.Equal(b.Stamp) {
			return a.Stamp.Before(b.Stamp)
		}
		return a.Key < b.Key
	})
}

// expand replaces the segments of p that hold '*' with what the bucket
// has there, listing each level with a delimiter.
func (ls *Listing) expand(ctx context.Context, api ListAPI, bucket, p string) ([]string, error) {
	i := strings.IndexByte(p, '*')
	if i < 0 {
		return []string{p}, nil
	}
	start := strings.LastIndexByte(p[:i], '/') + 1
	end := strings.IndexByte(p[i:], '/')
	if end < 0 {
		end = len(p)
	} else {
		end += i
	}
	parent, pattern, rest := p[:start], p[start:end], strings.TrimPrefix(p[end:], "/")
	lit := pattern[:strings.IndexAny(pattern, "*?[")]
	var matches []string
	var token *string
	for {
		ls.Requests++
		res, err := api.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
			Bucket: aws.String(bucket), Prefix: aws.String(parent + lit), Delimiter: aws.String("/"),
			ContinuationToken: token, MaxKeys: aws.Int32(maxKeys),
		})
		if err != nil {
			return nil, err
		}
		for _, cp := range res.CommonPrefixes {
			seg := strings.TrimSuffix(strings.TrimPrefix(aws.ToString(cp.Prefix), parent), "/")
			if ok, _ := path.Match(pattern, seg); ok {
				matches = append(matches, parent+seg+"/")
			}
		}
		if !aws.ToBool(res.IsTruncated) || res.NextContinuationToken == nil {
			break
		}
		token = res.NextContinuationToken
	}
	var out []string
	for _, m := range matches {
		sub, err := ls.expand(ctx, api, bucket, m+rest)
		if err != nil {
			return nil, err
		}
		out = append(out, sub...)
	}
	return out, nil
}

// scan lists bucket under prefix from startAfter, handing each object to
// visit; visit returns a key to start after (a jump) and true to leave
// the page and list again from there.
func (ls *Listing) scan(ctx context.Context, api ListAPI, bucket, prefix, startAfter string, visit func(Object) (string, bool)) error {
	after := startAfter
	page := int32(1) // a probe: the first key says where to go
	for {
		ls.Requests++
		in := &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix), MaxKeys: aws.Int32(page)}
		if after != "" {
			in.StartAfter = aws.String(after)
		}
		res, err := api.ListObjectsV2(ctx, in)
		if err != nil {
			return err
		}
		jumped := false
		for _, o := range res.Contents {
			key := aws.ToString(o.Key)
			after = key
			obj := Object{Key: key, Size: aws.ToInt64(o.Size), Modified: aws.ToTime(o.LastModified)}
			if next, jump := visit(obj); jump && next > key {
				after, jumped = next, true
				break
			}
		}
		if !jumped && (!aws.ToBool(res.IsTruncated) || len(res.Contents) == 0) {
			return nil
		}
		switch {
		case jumped && strings.HasSuffix(after, "~"):
			page = 1 // to the next stream: its first key tells where to go
		case jumped:
			page = firstKeys
		default:
			page = min(2*page, maxKeys)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// scanDir lists one dated directory, skipping through each stream's keys
// to those stamped in [lo, hi].
func (ls *Listing) scanDir(ctx context.Context, api ListAPI, bucket, dir string, l *Layout, lo, hi time.Time) error {
	loText := lo.UTC().Format(l.StampLayout)
	return ls.scan(ctx, api, bucket, dir, "", func(o Object) (string, bool) {
		rel := o.Key[len(dir):]
		stream, t, ok := l.stamp(rel)
		switch {
		case !ok:
			ls.Passed++
			return "", false
		case t.Before(lo):
			ls.Passed++
			// To the stream's first key stamped lo or later (the stamp's
			// text sorts as its time: fixed width, biggest unit first).
			// When the stamp's text rounds lo down to this very key,
			// there is nothing to skip: go on.
			return dir + stream + loText, true
		case t.After(hi):
			ls.Passed++
			// Past the window: on to the next stream. '~' sorts after
			// every character a stamp is written with.
			return dir + stream + "~", true
		}
		o.Stamp = t
		ls.Objects = append(ls.Objects, o)
		return "", false
	})
}
