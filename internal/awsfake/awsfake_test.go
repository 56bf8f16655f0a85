package awsfake

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go/encoding/cbor"
)

var now = time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC)

func mustServer(t *testing.T) *Server {
	t.Helper()
	s := New("eu-central-1", func() time.Time { return now })
	t.Cleanup(s.Close)
	s.AddKey("AKIDFAKE", "secret", "", time.Time{})
	var ss []Sample
	for m := range 120 {
		ss = append(ss, Sample{T: now.Add(-2 * time.Hour).Add(time.Duration(m) * time.Minute), V: float64(m)})
	}
	s.AddMetric(&Metric{Namespace: "AWS/EC2", Name: "CPUUtilization", Dims: map[string]string{"InstanceId": "i-1"}, Samples: ss})
	s.AddAlarmChanges(AlarmChange{Alarm: "cpu", T: now.Add(-time.Hour), From: "OK", To: "ALARM", Reason: "Threshold Crossed"})
	return s
}

// post sends a body signed with the SDK's signer for service.
func post(t *testing.T, s *Server, path string, hdr map[string]string, body []byte, secret string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("POST", s.URL+path, bytes.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: "AKIDFAKE", SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "monitoring", "eu-central-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

var cborHdr = map[string]string{"Smithy-Protocol": "rpc-v2-cbor", "Content-Type": "application/cbor", "Accept": "application/cbor"}

func TestRefusesWhatAWSRefuses(t *testing.T) {
	s := mustServer(t)
	body := cbor.Encode(cbor.Map{"Namespace": cbor.String("AWS/EC2")})
	const op = "/service/GraniteServiceVersion20100801/operation/ListMetrics"
	if resp, _ := post(t, s, op, cborHdr, body, "secret"); resp.StatusCode != 200 {
		t.Fatalf("a correctly signed CBOR ListMetrics: %s", resp.Status)
	}
	resp, b := post(t, s, op, cborHdr, body, "wrong")
	if resp.StatusCode != 403 || resp.Header.Get("X-Amzn-Query-Error") != "SignatureDoesNotMatch;Sender" || !bytes.Contains(b, []byte("SignatureDoesNotMatch")) {
		t.Errorf("a wrong secret: %s %v %q", resp.Status, resp.Header, b)
	}
	// The body changed after signing.
	req, _ := http.NewRequest("POST", s.URL+op, bytes.NewReader(body))
	for k, v := range cborHdr {
		req.Header.Set(k, v)
	}
	sum := sha256.Sum256(body)
	v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKIDFAKE", SecretAccessKey: "secret"}, req, hex.EncodeToString(sum[:]), "monitoring", "eu-central-1", time.Now())
	req.Body = io.NopCloser(bytes.NewReader(cbor.Encode(cbor.Map{"Namespace": cbor.String("AWS/RDS")})))
	if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != 403 {
		t.Errorf("a body changed after signing was let in: %v %v", r.Status, err)
	}
	// The query protocol of older SDKs is not what this SDK speaks.
	resp, _ = post(t, s, "/", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, []byte("Action=ListMetrics&Version=2010-08-01"), "secret")
	if resp.StatusCode != 400 {
		t.Errorf("a query-protocol request: %s, want 400", resp.Status)
	}
}

// snapshot reads the body of one of the SDK's recorded response snapshots.
func snapshot(t *testing.T, op string) cbor.Map {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/aws/aws-sdk-go-v2/service/cloudwatch").Output()
	if err != nil {
		t.Fatalf("locate the SDK module: %v", err)
	}
	raw, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "response_snapshot", op+".response.snap"))
	if err != nil {
		t.Fatal(err)
	}
	_, body, ok := bytes.Cut(raw, []byte("\n\n"))
	if !ok {
		t.Fatalf("%s: no body", op)
	}
	v, err := cbor.Decode(body)
	if err != nil {
		t.Fatal(err)
	}
	return v.(cbor.Map)
}

// sameShape checks that every key of got is in want with a value of the
// same CBOR type, recursively (lists by their first element).
func sameShape(t *testing.T, path string, got, want cbor.Value) {
	if fmt.Sprintf("%T", got) != fmt.Sprintf("%T", want) {
		t.Errorf("%s: %T, the SDK's snapshot has %T", path, got, want)
		return
	}
	switch g := got.(type) {
	case cbor.Map:
		w := want.(cbor.Map)
		keys := make([]string, 0, len(g))
		for k := range g {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			wv, ok := w[k]
			if !ok {
				t.Errorf("%s.%s: not in the SDK's snapshot", path, k)
				continue
			}
			sameShape(t, path+"."+k, g[k], wv)
		}
	case cbor.List:
		w := want.(cbor.List)
		if len(g) > 0 && len(w) > 0 {
			sameShape(t, path+"[0]", g[0], w[0])
		}
	case *cbor.Tag:
		if w := want.(*cbor.Tag); g.ID != w.ID {
			t.Errorf("%s: tag %d, the SDK's snapshot has %d", path, g.ID, w.ID)
		}
		sameShape(t, path+"#", g.Value, want.(*cbor.Tag).Value)
	}
}

// The stand-in's responses have the shape of the SDK's own recorded
// responses (service/cloudwatch/response_snapshot): the same member names,
// the same CBOR types, epoch-seconds timestamps under tag 1.
func TestResponsesHaveTheSDKsRecordedShapes(t *testing.T) {
	s := mustServer(t)
	for op, in := range map[string]cbor.Map{
		"ListMetrics":          {"Namespace": cbor.String("AWS/EC2")},
		"DescribeAlarmHistory": {"StartDate": ctime(now.Add(-3 * time.Hour)), "EndDate": ctime(now)},
		"GetMetricData": {"StartTime": ctime(now.Add(-2 * time.Hour)), "EndTime": ctime(now), "MetricDataQueries": cbor.List{
			cbor.Map{"Id": cbor.String("m0"), "MetricStat": cbor.Map{"Metric": cbor.Map{"Namespace": cbor.String("AWS/EC2"), "MetricName": cbor.String("CPUUtilization"),
				"Dimensions": cbor.List{cbor.Map{"Name": cbor.String("InstanceId"), "Value": cbor.String("i-1")}}}, "Period": cbor.Uint(300), "Stat": cbor.String("Average")}},
		}},
	} {
		t.Run(op, func(t *testing.T) {
			resp, b := post(t, s, "/service/GraniteServiceVersion20100801/operation/"+op, cborHdr, cbor.Encode(in), "secret")
			if resp.StatusCode != 200 || resp.Header.Get("Smithy-Protocol") != "rpc-v2-cbor" {
				t.Fatalf("%s %q", resp.Status, b)
			}
			got, err := cbor.Decode(b)
			if err != nil {
				t.Fatal(err)
			}
			if m, ok := got.(cbor.Map); !ok || len(m) == 0 {
				t.Fatalf("empty answer %v", got)
			}
			sameShape(t, op, got, snapshot(t, op))
		})
	}
	// And the real client reads them.
	cl := cloudwatch.New(cloudwatch.Options{Region: "eu-central-1", BaseEndpoint: aws.String(s.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDFAKE", SecretAccessKey: "secret"}, nil
		})})
	out, err := cl.GetMetricData(context.Background(), &cloudwatch.GetMetricDataInput{StartTime: aws.Time(now.Add(-2 * time.Hour)), EndTime: aws.Time(now),
		MetricDataQueries: []cwQuery{{Id: aws.String("m0"), MetricStat: &cwStat{Metric: &cwMetric{Namespace: aws.String("AWS/EC2"), MetricName: aws.String("CPUUtilization"),
			Dimensions: []cwDim{{Name: aws.String("InstanceId"), Value: aws.String("i-1")}}}, Period: aws.Int32(300), Stat: aws.String("Maximum")}}}})
	if err != nil {
		t.Fatal(err)
	}
	r := out.MetricDataResults[0]
	if len(r.Values) != 24 || r.Values[0] != 4 || !r.Timestamps[0].Equal(now.Add(-2*time.Hour)) {
		t.Errorf("5-minute maxima: %v at %v", r.Values, r.Timestamps)
	}
}

type (
	cwQuery  = types.MetricDataQuery
	cwStat   = types.MetricStat
	cwMetric = types.Metric
	cwDim    = types.Dimension
)
