package s3src

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// Config is how to reach S3: the AWS SDK's default chain (environment,
// shared config and credentials files, SSO, instance role) with an
// optional named profile and region; Endpoint and PathStyle for
// S3-compatible stores (MinIO, versitygw, Ceph).
type Config struct {
	Profile   string `mapstructure:"aws_profile"`
	Region    string `mapstructure:"region"`
	Endpoint  string `mapstructure:"endpoint"`
	PathStyle bool   `mapstructure:"path_style"`
}

// Client reads objects and counts what it fetched.
type Client struct {
	API     *s3.Client
	cfg     Config
	objects atomic.Int64
	bytes   atomic.Int64
}

// NewClient loads the AWS configuration (no request is made).
func NewClient(ctx context.Context, c Config) (*Client, error) {
	var opts []func(*config.LoadOptions) error
	if c.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(c.Profile))
	}
	if c.Region != "" {
		opts = append(opts, config.WithRegion(c.Region))
	}
	ac, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, Explain(err, c)
	}
	if ac.Region == "" {
		// S3 needs a region to sign with; us-east-1 answers for every
		// bucket's listing with a redirect that names the right one.
		ac.Region = "us-east-1"
	}
	api := s3.NewFromConfig(ac, func(o *s3.Options) {
		if c.Endpoint != "" {
			o.BaseEndpoint = aws.String(c.Endpoint)
		}
		o.UsePathStyle = c.PathStyle
		// Checksums are asked for only where S3 requires them: an
		// S3-compatible store may not know the newer headers.
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	return &Client{API: api, cfg: c}, nil
}

// Fetched is how many objects and bytes (as stored, before inflating)
// were read.
func (c *Client) Fetched() (objects, bytes int64) { return c.objects.Load(), c.bytes.Load() }

// Open streams an object. An object gone since it was listed is
// ErrGone.
func (c *Client) Open(ctx context.Context, bucket, key string) (io.ReadCloser, error) {
	res, err := c.API.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		var nsk *types.NoSuchKey
		if errors.As(err, &nsk) || apiCode(err) == "NoSuchKey" {
			return nil, fmt.Errorf("s3://%s/%s: %w", bucket, key, ErrGone)
		}
		return nil, fmt.Errorf("s3://%s/%s: %w", bucket, key, Explain(err, c.cfg))
	}
	c.objects.Add(1)
	return &countBody{rc: res.Body, n: &c.bytes}, nil
}

// ErrGone: an object listed a moment ago is not there any more (deleted
// by a lifecycle rule, moved).
var ErrGone = errors.New("the object was deleted after it was listed")

type countBody struct {
	rc io.ReadCloser
	n  *atomic.Int64
}

func (b *countBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.n.Add(int64(n))
	return n, err
}

func (b *countBody) Close() error { return b.rc.Close() }

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// Explain turns an SDK error into one line that says what is wrong and
// what to do next. It never includes a secret: the SDK's errors name
// the access key id at most.
func Explain(err error, c Config) error {
	if err == nil {
		return nil
	}
	profile := c.Profile
	if profile == "" {
		profile = "default"
	}
	var hint string
	msg := err.Error()
	low := strings.ToLower(msg)
	switch code := apiCode(err); {
	case code == "InvalidAccessKeyId":
		hint = "the access key is not known to S3; hint: check aws_profile (" + profile + ") or AWS_ACCESS_KEY_ID, and that the key is active"
	case code == "SignatureDoesNotMatch":
		hint = "S3 refused the request's signature: the secret key does not match the access key; hint: check the secret of aws_profile " + profile + " (or AWS_SECRET_ACCESS_KEY)"
	case code == "ExpiredToken" || code == "TokenRefreshRequired" || code == "InvalidToken":
		hint = "the session token has expired; hint: aws sso login --profile " + profile + " (or renew the temporary credentials)"
	case code == "NoSuchBucket":
		hint = "no such bucket; hint: check the bucket name in paths (s3://BUCKET/...)"
	case code == "AccessDenied" || code == "AllAccessDisabled":
		hint = "access denied; hint: the credentials of aws_profile " + profile + " need s3:ListBucket on the bucket and s3:GetObject on the logs"
	case code == "PermanentRedirect" || code == "AuthorizationHeaderMalformed" || code == "IllegalLocationConstraintException":
		hint = "the bucket is in another region; hint: set region to the bucket's region"
	case strings.Contains(low, "sso") && (strings.Contains(low, "expired") || strings.Contains(low, "refresh") || strings.Contains(low, "token")):
		hint = "the SSO session has expired; hint: aws sso login --profile " + profile
	case strings.Contains(low, "failed to retrieve credentials") || strings.Contains(low, "no valid credential") ||
		strings.Contains(low, "failed to get shared config profile") || strings.Contains(low, "shared config profile"):
		hint = "no AWS credentials found; hint: set aws_profile to a profile in ~/.aws/config, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
	default:
		var ne net.Error
		var oe *net.OpError
		if errors.As(err, &oe) || errors.As(err, &ne) || strings.Contains(low, "connection refused") || strings.Contains(low, "no such host") {
			where := "S3"
			if c.Endpoint != "" {
				where = c.Endpoint
			}
			hint = where + " is unreachable; hint: check the network, and endpoint in the source's config"
		}
	}
	if hint == "" {
		return err
	}
	return &explained{err: err, text: hint}
}

type explained struct {
	err  error
	text string
}

// Error says what is wrong, the service's answer, then the hint.
func (e *explained) Error() string {
	what, hint, _ := strings.Cut(e.text, "; hint: ")
	return what + " (" + short(e.err) + "); hint: " + hint
}
func (e *explained) Unwrap() error { return e.err }

// short is the SDK error without its request ids and wrappers: the
// operation and the service's code and message.
func short(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	s := err.Error()
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}
