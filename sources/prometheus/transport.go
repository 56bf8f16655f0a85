package prometheus

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/hindsight-sre/hindsight/internal/lines"
	"github.com/hindsight-sre/hindsight/sources/internal/httpapi"
)

// transport builds the HTTP transport of s: its TLS settings and credentials.
func transport(s *settings) (http.RoundTripper, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.TLS.CAFile != "" {
		pem, err := lines.ReadFile(s.TLS.CAFile, lines.MaxConfigFile) // a FIFO would block, a device never end
		if err != nil {
			return nil, fmt.Errorf("prometheus source %q: tls.ca_file: %w", s.Name, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("prometheus source %q: tls.ca_file %s: no PEM certificate in it; hint: give the CA certificate in PEM form", s.Name, s.TLS.CAFile)
		}
		tc.RootCAs = pool
	}
	if s.TLS.CertFile != "" {
		cert, err := httpapi.LoadKeyPair(s.TLS.CertFile, s.TLS.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("prometheus source %q: tls.cert_file/key_file: %w; hint: both must be PEM and belong together", s.Name, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	tc.InsecureSkipVerify = s.TLS.InsecureSkipVerify
	t := &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   10 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		TLSClientConfig:     tc,
		TLSHandshakeTimeout: 10 * time.Second,
		MaxIdleConnsPerHost: s.MaxConcurrency,
		IdleConnTimeout:     90 * time.Second,
		// A gzipped answer costs the server more CPU than the transfer
		// saves on this machine (7 days × 500 series: 8-13 s gzipped against
		// 2-3 s plain, BENCHMARKS.md), so it is asked for only over a network.
		DisableCompression: !compress(s),
	}
	return httpapi.WithAuth(t, s.BasicAuth.User, s.password, s.token, s.Headers), nil
}

// compress reports whether to ask for gzipped answers: Config.Compression,
// or by default when the server is not on this machine.
func compress(s *settings) bool {
	if s.Compression != nil {
		return *s.Compression
	}
	u, err := url.Parse(s.URL)
	if err != nil {
		return true
	}
	h := u.Hostname()
	if h == "localhost" {
		return false
	}
	ip := net.ParseIP(h)
	return ip == nil || !ip.IsLoopback()
}
