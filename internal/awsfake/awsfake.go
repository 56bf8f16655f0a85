// Package awsfake is a local stand-in for the AWS APIs hindsight reads
// (CloudWatch, CloudTrail, CloudWatch Synthetics, Route 53, STS), for tests
// of the real aws-sdk-go-v2 client. No CloudWatch emulator can be installed
// here, so this server speaks the protocols the pinned SDK really sends and
// checks what AWS checks first:
//
//   - every request's SigV4 signature is recomputed with the SDK's own
//     signer (aws/signer/v4) from the secret the server holds for the
//     access key, and refused as AWS refuses it (SignatureDoesNotMatch,
//     InvalidClientTokenId, ExpiredToken);
//   - CloudWatch is Smithy RPC v2 CBOR (POST
//     /service/GraniteServiceVersion20100801/operation/NAME, bodies in
//     CBOR, query-compatible errors with X-Amzn-Query-Error), as
//     service/cloudwatch v1.76.0 sends it; decoded and encoded with
//     smithy-go's CBOR package;
//   - CloudTrail is AWS JSON 1.1 (X-Amz-Target CloudTrail_20131101.NAME),
//     Synthetics REST-JSON, Route 53 REST-XML, STS the query protocol.
//
// Responses are built in the shapes of AWS's documented examples and the
// SDK's recorded response snapshots (service/cloudwatch/response_snapshot).
// GetMetricData aggregates raw samples the test puts in per period with the
// statistic asked (Average, Sum, Minimum, Maximum, SampleCount, pNN), drops
// what the retention tiers no longer hold at that period, and pages results
// with NextToken once a response holds PageDatapoints datapoints. It is a
// test double, not an emulator: metric-math expressions answer from a table
// the test fills.
package awsfake

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Sample is one raw value of a metric.
type Sample struct {
	T time.Time
	V float64
}

// Metric is one CloudWatch metric and its raw samples.
type Metric struct {
	Namespace, Name string
	Dims            map[string]string
	Samples         []Sample // sorted by time
	// Partial makes GetMetricData answer PartialData for this metric, with
	// no further page: what CloudWatch does when it could not read all of
	// a metric's data in time.
	Partial bool
	// Region is where the metric lives; empty for the server's region.
	Region string
}

// AlarmChange is one alarm state update.
type AlarmChange struct {
	Alarm    string
	T        time.Time
	From, To string // OK, ALARM, INSUFFICIENT_DATA
	Reason   string
}

// TrailEvent is one CloudTrail management event.
type TrailEvent struct {
	ID, Name, Source, User string
	T                      time.Time
	ReadOnly               bool
	Resources              []string
	ErrorCode              string
}

// CanaryRun is one Synthetics canary run.
type CanaryRun struct {
	Canary      string
	Start, End  time.Time
	State       string // PASSED, FAILED
	StateReason string
}

// HealthCheck is one Route 53 health check.
type HealthCheck struct {
	ID, FQDN, Type, Path string
	Port                 int
}

// Request is what the server saw of one request.
type Request struct {
	Service, Op string
	Region      string
	AccessKey   string
	Body        []byte
}

// Server is the stand-in. Fill its data before the client asks; the fault
// knobs may be changed between requests.
type Server struct {
	*httptest.Server
	Region string

	mu      sync.Mutex
	keys    map[string]key
	metrics []*Metric
	exprs   map[string][]Sample
	alarms  []AlarmChange
	trail   []TrailEvent
	runs    []CanaryRun
	checks  []HealthCheck
	reqs    []Request
	now     func() time.Time
	roles   Roles

	// Throttle is the number of coming requests answered with a 400
	// ThrottlingException (CloudWatch: Throttling in X-Amzn-Query-Error).
	Throttle int
	// PageDatapoints caps the datapoints of one GetMetricData response;
	// 0 is AWS's 100,800.
	PageDatapoints int
	// PageItems caps the items of one list response (alarm history,
	// CloudTrail, canary runs, ListMetrics); 0 is 100.
	PageItems int
}

type key struct {
	secret  string
	token   string    // session token, for temporary credentials
	expires time.Time // zero: never
}

// New starts a server on 127.0.0.1 for region. now is the server's clock
// (retention and token expiry); nil is time.Now.
func New(region string, now func() time.Time) *Server {
	if now == nil {
		now = time.Now
	}
	s := &Server{Region: region, keys: map[string]key{}, exprs: map[string][]Sample{}, now: now}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// AddKey lets an access key in. token is the session token temporary
// credentials carry ("" for long-term keys); expires zero never expires.
func (s *Server) AddKey(id, secret, token string, expires time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[id] = key{secret, token, expires}
}

// AddMetric adds a metric; its samples must be sorted.
func (s *Server) AddMetric(m *Metric) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.metrics = append(s.metrics, m)
}

// SetExpression makes a metric-math expression answer with samples (taken
// as already at the asked period).
func (s *Server) SetExpression(expr string, samples []Sample) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.exprs[expr] = samples
}

// AddAlarmChanges, AddTrailEvents, AddCanaryRuns and AddHealthChecks fill
// the other APIs.
func (s *Server) AddAlarmChanges(a ...AlarmChange) {
	s.mu.Lock()
	s.alarms = append(s.alarms, a...)
	s.mu.Unlock()
}
func (s *Server) AddTrailEvents(e ...TrailEvent) {
	s.mu.Lock()
	s.trail = append(s.trail, e...)
	s.mu.Unlock()
}
func (s *Server) AddCanaryRuns(r ...CanaryRun) {
	s.mu.Lock()
	s.runs = append(s.runs, r...)
	s.mu.Unlock()
}
func (s *Server) AddHealthChecks(h ...HealthCheck) {
	s.mu.Lock()
	s.checks = append(s.checks, h...)
	s.mu.Unlock()
}

// Requests returns what the server saw, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// Count is the number of requests for one operation.
func (s *Server) Count(op string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Op == op {
			n++
		}
	}
	return n
}

func (s *Server) pageItems() int {
	if s.PageItems > 0 {
		return s.PageItems
	}
	return 100
}

// apiError is an error in the shape of the protocol of the request.
type apiError struct {
	status        int
	code, message string
	queryCode     string // CloudWatch's query-compatible code
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	svc := serviceOf(r)
	cred, aerr := s.verify(r, body)
	op := opOf(r, svc, body)
	s.mu.Lock()
	s.reqs = append(s.reqs, Request{Service: svc, Op: op, Region: cred.region, AccessKey: cred.id, Body: body})
	throttle := s.Throttle > 0 && aerr == nil
	if throttle {
		s.Throttle--
	}
	s.mu.Unlock()
	if aerr == nil && throttle {
		aerr = &apiError{status: 400, code: "ThrottlingException", message: "Rate exceeded", queryCode: "Throttling"}
	}
	if aerr == nil {
		switch svc {
		case "monitoring":
			aerr = s.cloudwatch(w, r, op, body)
		case "cloudtrail":
			aerr = s.cloudtrail(w, op, body)
		case "synthetics":
			aerr = s.synthetics(w, r, op, body)
		case "route53":
			aerr = s.route53(w, op)
		case "sts":
			aerr = s.sts(w, r, body)
		default:
			aerr = &apiError{status: 400, code: "UnknownOperationException", message: "no such service " + svc}
		}
	}
	if aerr != nil {
		writeError(w, svc, aerr)
	}
}

type credInfo struct{ id, region string }

// verify recomputes the request's SigV4 signature with the SDK's signer.
func (s *Server) verify(r *http.Request, body []byte) (credInfo, *apiError) {
	auth := r.Header.Get("Authorization")
	const algo = "AWS4-HMAC-SHA256 "
	if !strings.HasPrefix(auth, algo) {
		return credInfo{}, &apiError{status: 403, code: "MissingAuthenticationToken", message: "Request is missing Authentication Token"}
	}
	parts := map[string]string{}
	for _, p := range strings.Split(strings.TrimPrefix(auth, algo), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		parts[k] = v
	}
	scope := strings.Split(parts["Credential"], "/")
	if len(scope) != 5 || scope[4] != "aws4_request" {
		return credInfo{}, &apiError{status: 403, code: "IncompleteSignature", message: "bad credential scope"}
	}
	ci := credInfo{id: scope[0], region: scope[2]}
	s.mu.Lock()
	k, ok := s.keys[scope[0]]
	s.mu.Unlock()
	if !ok {
		return ci, &apiError{status: 403, code: "InvalidClientTokenId", message: "The security token included in the request is invalid."}
	}
	if k.token != "" && r.Header.Get("X-Amz-Security-Token") != k.token {
		return ci, &apiError{status: 403, code: "InvalidClientTokenId", message: "The security token included in the request is invalid."}
	}
	if !k.expires.IsZero() && s.now().After(k.expires) {
		return ci, &apiError{status: 400, code: "ExpiredToken", message: "The security token included in the request is expired"}
	}
	t, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return ci, &apiError{status: 403, code: "IncompleteSignature", message: "missing X-Amz-Date"}
	}
	// Rebuild the request as the client signed it: the signed headers only.
	u := *r.URL
	u.Scheme, u.Host = "http", r.Host
	re, _ := http.NewRequest(r.Method, u.String(), bytes.NewReader(body))
	re.Host = r.Host
	re.ContentLength = r.ContentLength
	for _, h := range strings.Split(parts["SignedHeaders"], ";") {
		if h == "host" || h == "content-length" {
			continue
		}
		re.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: scope[0], SecretAccessKey: k.secret, SessionToken: r.Header.Get("X-Amz-Security-Token")}
	if err := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = scope[3] == "s3" }).SignHTTP(context.Background(), creds, re, hex.EncodeToString(sum[:]), scope[3], scope[2], t); err != nil {
		return ci, &apiError{status: 500, code: "InternalFailure", message: err.Error()}
	}
	if re.Header.Get("Authorization") != auth {
		return ci, &apiError{status: 403, code: "SignatureDoesNotMatch", message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method."}
	}
	return ci, nil
}

func serviceOf(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	if i := strings.Index(auth, "Credential="); i >= 0 {
		scope := strings.Split(strings.SplitN(auth[i+len("Credential="):], ",", 2)[0], "/")
		if len(scope) == 5 {
			return scope[3]
		}
	}
	switch {
	case strings.HasPrefix(r.URL.Path, "/service/"):
		return "monitoring"
	case strings.HasPrefix(r.Header.Get("X-Amz-Target"), "CloudTrail"):
		return "cloudtrail"
	case strings.HasPrefix(r.URL.Path, "/2013-04-01/"):
		return "route53"
	case strings.HasPrefix(r.URL.Path, "/canar"):
		return "synthetics"
	}
	return "sts"
}

func opOf(r *http.Request, svc string, body []byte) string {
	switch svc {
	case "monitoring":
		_, op, _ := strings.Cut(r.URL.Path, "/operation/")
		return op
	case "cloudtrail":
		_, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
		return op
	case "synthetics":
		if r.URL.Path == "/canaries" {
			return "DescribeCanaries"
		}
		if strings.HasSuffix(r.URL.Path, "/runs") {
			return "GetCanaryRuns"
		}
	case "route53":
		if strings.HasSuffix(r.URL.Path, "/healthcheck") {
			return "ListHealthChecks"
		}
	case "sts":
		q, _ := parseForm(body)
		return q["Action"]
	}
	return r.Method + " " + r.URL.Path
}

func parseForm(body []byte) (map[string]string, error) {
	out := map[string]string{}
	r, _ := http.NewRequest("POST", "/", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	for k, v := range r.PostForm {
		out[k] = v[0]
	}
	return out, nil
}

func writeError(w http.ResponseWriter, svc string, e *apiError) {
	w.Header().Set("X-Amzn-Requestid", "00000000-0000-4000-8000-000000000000")
	switch svc {
	case "monitoring":
		if e.queryCode == "" {
			e.queryCode = e.code
		}
		fault := "Sender"
		if e.status >= 500 {
			fault = "Receiver"
		}
		w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
		w.Header().Set("Content-Type", "application/cbor")
		w.Header().Set("X-Amzn-Query-Error", e.queryCode+";"+fault)
		w.WriteHeader(e.status)
		w.Write(cborError(e.code, e.message))
	case "cloudtrail", "synthetics":
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("X-Amzn-Errortype", e.code)
		w.WriteHeader(e.status)
		json.NewEncoder(w).Encode(map[string]string{"__type": e.code, "message": e.message})
	default: // route53, sts: XML
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(e.status)
		var b bytes.Buffer
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<ErrorResponse><Error><Type>Sender</Type><Code>")
		xml.EscapeText(&b, []byte(e.code))
		b.WriteString("</Code><Message>")
		xml.EscapeText(&b, []byte(e.message))
		b.WriteString("</Message></Error><RequestId>00000000-0000-4000-8000-000000000000</RequestId></ErrorResponse>")
		w.Write(b.Bytes())
	}
}

// bucket aggregates the samples of [t, t+period) with stat.
func aggregate(ss []Sample, stat string) (float64, bool) {
	if len(ss) == 0 {
		return 0, false
	}
	switch stat {
	case "Sum":
		v := 0.0
		for _, s := range ss {
			v += s.V
		}
		return v, true
	case "Average":
		v := 0.0
		for _, s := range ss {
			v += s.V
		}
		return v / float64(len(ss)), true
	case "Minimum":
		v := math.Inf(1)
		for _, s := range ss {
			v = min(v, s.V)
		}
		return v, true
	case "Maximum":
		v := math.Inf(-1)
		for _, s := range ss {
			v = max(v, s.V)
		}
		return v, true
	case "SampleCount":
		return float64(len(ss)), true
	}
	if strings.HasPrefix(stat, "p") {
		q, err := strconv.ParseFloat(stat[1:], 64)
		if err != nil {
			return 0, false
		}
		vs := make([]float64, len(ss))
		for i, s := range ss {
			vs[i] = s.V
		}
		sort.Float64s(vs)
		// nearest rank
		i := int(math.Ceil(q/100*float64(len(vs)))) - 1
		return vs[max(0, min(i, len(vs)-1))], true
	}
	return 0, false
}

// kept is the finest period the retention tiers still hold for data of
// age d (1 minute for 15 days, 5 for 63, an hour for 455).
func kept(d time.Duration) time.Duration {
	switch {
	case d <= 15*24*time.Hour:
		return time.Minute
	case d <= 63*24*time.Hour:
		return 5 * time.Minute
	case d <= 455*24*time.Hour:
		return time.Hour
	}
	return 0
}

func (s *Server) series(m *Metric, from, to time.Time, period time.Duration, stat string) []Sample {
	var out []Sample
	i := sort.Search(len(m.Samples), func(i int) bool { return !m.Samples[i].T.Before(from) })
	now := s.now()
	for t := from; t.Before(to); t = t.Add(period) {
		end := t.Add(period)
		j := i
		for j < len(m.Samples) && m.Samples[j].T.Before(end) {
			j++
		}
		if k := kept(now.Sub(t)); k != 0 && period%k == 0 {
			if v, ok := aggregate(m.Samples[i:j], stat); ok {
				out = append(out, Sample{t, v})
			}
		}
		i = j
	}
	return out
}
