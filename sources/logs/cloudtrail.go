package logs

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"

	"github.com/hindsight-sre/hindsight/internal/lines"
	"github.com/hindsight-sre/hindsight/sources"
	"github.com/hindsight-sre/hindsight/sources/internal/cloudtrail"
)

// FormatCloudTrail is a CloudTrail log file: one JSON document
// {"Records": [...]} per file, not lines (the CloudTrail user guide,
// "CloudTrail record contents"). A file is read as a stream of records,
// never held whole: a busy account writes files of hundreds of megabytes.
const FormatCloudTrail = "cloudtrail"

// trailRecord is what is read of a record.
type trailRecord struct {
	EventTime    time.Time `json:"eventTime"`
	EventSource  string    `json:"eventSource"`
	EventName    string    `json:"eventName"`
	EventID      string    `json:"eventID"`
	AWSRegion    string    `json:"awsRegion"`
	ErrorCode    string    `json:"errorCode"`
	ReadOnly     *bool     `json:"readOnly"`
	UserIdentity struct {
		Type           string `json:"type"`
		UserName       string `json:"userName"`
		ARN            string `json:"arn"`
		InvokedBy      string `json:"invokedBy"`
		SessionContext struct {
			SessionIssuer struct {
				UserName string `json:"userName"`
			} `json:"sessionIssuer"`
		} `json:"sessionContext"`
	} `json:"userIdentity"`
	Resources []struct {
		ARN string `json:"ARN"`
	} `json:"resources"`
	RequestParameters map[string]any `json:"requestParameters"`
}

// trailKind is the event kind of a record, "" when it is no event.
func trailKind(rec *trailRecord) sources.EventKind {
	if rec.ErrorCode != "" || rec.ReadOnly != nil && *rec.ReadOnly {
		return "" // a refused call changed nothing; a read changes nothing
	}
	return cloudtrail.Kind(rec.EventName)
}

// trailResources names what a record acted on: the resources' names (the
// ARN's last part), else the ids among the request's parameters.
func trailResources(rec *trailRecord) []string {
	var out []string
	for _, r := range rec.Resources {
		n := r.ARN
		if i := strings.LastIndexAny(n, "/:"); i >= 0 {
			n = n[i+1:]
		}
		if n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		keys := make([]string, 0, len(rec.RequestParameters))
		for k := range rec.RequestParameters {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if s, ok := rec.RequestParameters[k].(string); ok && (strings.HasSuffix(k, "Id") || strings.HasSuffix(k, "Identifier") || strings.HasSuffix(k, "Name")) {
				out = append(out, s)
			}
		}
	}
	return out
}

// readCloudTrail streams one CloudTrail file: every record in the window
// is counted in its pattern ("ec2: RebootInstances", "s3: GetObject
// AccessDenied"), and the changes become events.
func (a *aggregator) readCloudTrail(ctx context.Context, fr *fileReader, path string) error {
	var r io.Reader
	if fr.remote != nil {
		rc, err := fr.remote(path)
		if err != nil {
			return err
		}
		defer rc.Close()
		r = rc
	} else {
		f, err := lines.Open(path)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				a.gap(path, errVanished{err}.gap())
				return nil
			}
			return fmt.Errorf("logs source %s: %w; hint: check the path and that hindsight may read it", a.s.c.Name, err)
		}
		defer f.Close()
		r = f
	}
	br := bufio.NewReaderSize(r, 256<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			a.gap(path, errNotGzip{err}.Error())
			return nil
		}
		defer zr.Close()
		r = zr
	} else {
		r = br
	}
	dec := json.NewDecoder(r)
	n, err := a.trailRecords(ctx, dec, path)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("logs source %s: read %s: %w", a.s.c.Name, path, ctx.Err())
		}
		a.gap(path, fmt.Sprintf("not a readable CloudTrail file after record %d (%v); kept the records before it", n, err))
	}
	return nil
}

// trailRecords reads {"Records": [...]} and returns how many records it read.
func (a *aggregator) trailRecords(ctx context.Context, dec *json.Decoder, path string) (int, error) {
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return 0, fmt.Errorf("no JSON object: %v", errOr(err, "starts with %v", tok))
	}
	n := 0
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return n, err
		}
		if key, _ := tok.(string); key != "Records" {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return n, err
			}
			continue
		}
		if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
			return n, fmt.Errorf("Records is not a list: %v", errOr(err, "%v", tok))
		}
		for dec.More() {
			var rec trailRecord
			if err := dec.Decode(&rec); err != nil {
				return n, err
			}
			n++
			if n%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return n, err
				}
			}
			a.trailRecord(&rec, path, n)
		}
		if _, err := dec.Token(); err != nil {
			return n, err
		}
	}
	return n, nil
}

func errOr(err error, format string, args ...any) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf(format, args...)
}

// trailRecord counts one record; n is its number in the file.
func (a *aggregator) trailRecord(rec *trailRecord, path string, n int) {
	if rec.EventTime.IsZero() {
		return
	}
	t := rec.EventTime.UTC()
	a.cover(t)
	if t.Before(a.w.From) || !t.Before(a.w.To) {
		return
	}
	svc := strings.TrimSuffix(rec.EventSource, ".amazonaws.com")
	msg := rec.EventName
	level := "info"
	if rec.ErrorCode != "" {
		msg += " " + rec.ErrorCode
		level = "warn"
	}
	r := Record{T: t, Program: svc, Message: msg, Level: level, Bytes: -1, RequestTime: -1}
	a.add(FormatCloudTrail, &r, path, n, []byte(svc+": "+msg))
	kind := trailKind(rec)
	if kind == "" {
		return
	}
	res := trailResources(rec)
	title := string(kind) + ": " + svc + " " + rec.EventName
	if len(res) > 0 {
		title += " " + strings.Join(res[:min(len(res), 3)], ",")
	}
	who := rec.UserIdentity.UserName
	if who == "" {
		who = rec.UserIdentity.SessionContext.SessionIssuer.UserName
	}
	if who == "" {
		who = rec.UserIdentity.InvokedBy
	}
	detail := "CloudTrail " + svc + " " + rec.EventName
	if who != "" {
		detail += " by " + who
	}
	if len(res) > 3 {
		detail += fmt.Sprintf(" (%d resources)", len(res))
	}
	ev := &sources.Event{Source: a.s.c.Name, Kind: kind, Severity: sources.Info, Title: title, Detail: detail}
	a.addEvent(heldEvent{ev: ev, t: t, path: path, n: n})
}

// isCloudTrail reports whether a set's objects are CloudTrail files.
func (a *aggregator) isCloudTrail() bool {
	if a.set.spec != nil {
		return a.set.spec.name == FormatCloudTrail
	}
	return a.s.spec.name == FormatCloudTrail
}
