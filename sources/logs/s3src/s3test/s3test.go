// Package s3test starts a real S3 server for tests: versitygw (Apache-2.0)
// over a temporary directory, on a free port of 127.0.0.1, stopped by PID
// when the test ends. versitygw checks SigV4 signatures as strictly as
// AWS does. scripts/test.sh installs it into .cache/bin; HINDSIGHT_VERSITYGW
// names another binary. A test skips only when HINDSIGHT_SKIP_INTEGRATION=1.
//
// It imports testing and so belongs only in _test files.
package s3test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Version is the versitygw the tests are written against.
const Version = "v1.8.0"

// Server is a running versitygw.
type Server struct {
	Endpoint       string // http://127.0.0.1:PORT
	Access, Secret string
	Region         string
	Client         *s3.Client // signed with Access and Secret, path-style
	Data           string     // the posix backend's directory: <Data>/<bucket>/<key>
	cmd            *exec.Cmd
}

// Binary finds versitygw: $HINDSIGHT_VERSITYGW, the repository's
// .cache/bin, then $PATH.
func Binary() (string, error) {
	if p := os.Getenv("HINDSIGHT_VERSITYGW"); p != "" {
		return p, nil
	}
	if root := repoRoot(); root != "" {
		p := filepath.Join(root, ".cache", "bin", "versitygw")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("versitygw not found\nhint: run ./scripts/test.sh (it runs go install github.com/versity/versitygw/cmd/versitygw@%s into .cache/bin), or set HINDSIGHT_SKIP_INTEGRATION=1 to skip on purpose", Version)
}

func repoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Start runs a versitygw for the test, with its own data directory.
func Start(t testing.TB) *Server {
	t.Helper()
	if os.Getenv("HINDSIGHT_SKIP_INTEGRATION") == "1" {
		t.Skip("HINDSIGHT_SKIP_INTEGRATION=1: skipping the test against a real S3 server (versitygw)")
	}
	bin, err := Binary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir() // a filesystem with user xattrs (ext4, tmpfs)
	data := filepath.Join(dir, "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	s := &Server{Access: "hindsighttest", Secret: "hindsight-test-secret-0123456789", Region: "us-east-1"}
	var port int
	for attempt := 0; attempt < 5; attempt++ {
		port = freePort(t)
		s.cmd = exec.Command(bin, "--access", s.Access, "--secret", s.Secret, "--region", s.Region,
			"--port", fmt.Sprintf("127.0.0.1:%d", port), "--quiet", "posix", data)
		log, err := os.Create(filepath.Join(dir, "versitygw.log"))
		if err != nil {
			t.Fatal(err)
		}
		s.cmd.Stdout, s.cmd.Stderr = log, log
		if err := s.cmd.Start(); err != nil {
			t.Fatalf("start versitygw: %v", err)
		}
		exited := make(chan error, 1)
		go func() { exited <- s.cmd.Wait() }()
		pid := s.cmd.Process.Pid
		t.Cleanup(func() {
			if p, err := os.FindProcess(pid); err == nil {
				p.Kill()
			}
			select {
			case <-exited:
			case <-time.After(5 * time.Second):
			}
		})
		s.Endpoint = fmt.Sprintf("http://127.0.0.1:%d", port)
		if ready(s.Endpoint, exited) {
			break
		}
		if attempt == 4 {
			out, _ := os.ReadFile(filepath.Join(dir, "versitygw.log"))
			t.Fatalf("versitygw did not answer on %s:\n%s", s.Endpoint, out)
		}
	}
	s.Data = data
	s.Client = s.NewClient(s.Access, s.Secret)
	return s
}

// NewClient is a path-style client of the server with the given keys.
func (s *Server) NewClient(access, secret string) *s3.Client {
	return s3.New(s3.Options{
		Region:       s.Region,
		BaseEndpoint: aws.String(s.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(access, secret, ""),
	})
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// ready waits for the server to answer HTTP (any status: an anonymous
// request is refused).
func ready(endpoint string, exited <-chan error) bool {
	deadline := time.Now().Add(10 * time.Second)
	c := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		if res, err := c.Get(endpoint); err == nil {
			res.Body.Close()
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// Bucket creates a bucket.
func (s *Server) Bucket(t testing.TB, name string) {
	t.Helper()
	if _, err := s.Client.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
}

// Put stores an object.
func (s *Server) Put(t testing.TB, bucket, key string, body []byte) {
	t.Helper()
	if _, err := s.Client.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body),
	}); err != nil {
		t.Fatalf("put s3://%s/%s: %v", bucket, key, err)
	}
}

// PutAll stores objects (key -> body), eight at a time.
func (s *Server) PutAll(t testing.TB, bucket string, objects map[string][]byte) {
	t.Helper()
	type kv struct {
		k string
		v []byte
	}
	work := make(chan kv)
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			var first error
			for o := range work {
				if first != nil {
					continue
				}
				_, first = s.Client.PutObject(context.Background(), &s3.PutObjectInput{
					Bucket: aws.String(bucket), Key: aws.String(o.k), Body: bytes.NewReader(o.v),
				})
			}
			errs <- first
		}()
	}
	for k, v := range objects {
		work <- kv{k, v}
	}
	close(work)
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatalf("put into %s: %v", bucket, err)
		}
	}
}

// Delete removes an object.
func (s *Server) Delete(t testing.TB, bucket, key string) {
	t.Helper()
	if _, err := s.Client.DeleteObject(context.Background(), &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}); err != nil {
		t.Fatalf("delete s3://%s/%s: %v", bucket, key, err)
	}
}

// Profile writes shared config and credentials files naming the server's
// keys (the secret given, to test a wrong one) under profile name, and
// points the AWS SDK at them for the rest of the test. It returns the
// profile's name.
func (s *Server) Profile(t testing.TB, name, secret string) string {
	t.Helper()
	dir := t.TempDir()
	creds := filepath.Join(dir, "credentials")
	conf := filepath.Join(dir, "config")
	if err := os.WriteFile(creds, fmt.Appendf(nil, "[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n", name, s.Access, secret), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conf, fmt.Appendf(nil, "[profile %s]\nregion = %s\n", name, s.Region), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", creds)
	t.Setenv("AWS_CONFIG_FILE", conf)
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	// No instance metadata lookups from a test.
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return name
}

// CPU is the CPU time the server has used so far (Linux: from
// /proc/PID/stat; 0 where that cannot be read), for benchmarks on a
// shared machine.
func (s *Server) CPU() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the command's closing parenthesis: state is the
	// first, utime and stime the 12th and 13th (fields 14 and 15).
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 13 {
		return 0
	}
	var ut, st int64
	fmt.Sscan(string(f[11]), &ut)
	fmt.Sscan(string(f[12]), &st)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ
}
