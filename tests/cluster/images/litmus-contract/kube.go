package main

// A minimal Kubernetes REST client on net/http: the pod's service-account token and CA, as client-go's
// in-cluster config uses them, and nothing else (no client-go: the Litmus Go modules cannot be had here,
// and the point is to play the contract, not to reuse litmus-go's code).

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// CONTRACT_SA_DIR lets a test run the binary outside a pod, with a token it requested for the account.
var saDir = envOr("CONTRACT_SA_DIR", "/var/run/secrets/kubernetes.io/serviceaccount")

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

type kube struct {
	base  string
	token string
	http  *http.Client
}

// apiError is a non-2xx answer of the API server.
type apiError struct {
	Code int
	Body string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("HTTP %d: %s", e.Code, strings.TrimSpace(e.Body))
}

func isCode(err error, code int) bool {
	ae, ok := err.(*apiError)
	return ok && ae.Code == code
}

// newKube reads the in-cluster config. The endpoint is KUBERNETES_SERVICE_HOST/PORT (as client-go),
// or CONTRACT_API_SERVER (a URL) when the pod's network has no Service routing; CONTRACT_API_SOCKET
// dials a unix socket (a relay to the API server) while TLS still verifies the URL's host.
func newKube() (*kube, error) {
	token, err := os.ReadFile(saDir + "/token")
	if err != nil {
		return nil, fmt.Errorf("no service-account token: %w", err)
	}
	caPEM, err := os.ReadFile(saDir + "/ca.crt")
	if err != nil {
		return nil, fmt.Errorf("no service-account CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("no certificate in %s/ca.crt", saDir)
	}
	base := os.Getenv("CONTRACT_API_SERVER")
	if base == "" {
		host, port := os.Getenv("KUBERNETES_SERVICE_HOST"), os.Getenv("KUBERNETES_SERVICE_PORT")
		if host == "" || port == "" {
			return nil, fmt.Errorf("neither CONTRACT_API_SERVER nor KUBERNETES_SERVICE_HOST/PORT is set")
		}
		base = "https://" + net.JoinHostPort(host, port)
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("bad API server URL %q: %w", base, err)
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: u.Hostname()}}
	if sock := os.Getenv("CONTRACT_API_SOCKET"); sock != "" {
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		}
	}
	return &kube{
		base:  strings.TrimRight(base, "/"),
		token: strings.TrimSpace(string(token)),
		http:  &http.Client{Transport: tr, Timeout: 20 * time.Second},
	}, nil
}

// serviceAccount is the `sub` claim of the token: system:serviceaccount:<ns>:<name>.
func (k *kube) serviceAccount() string {
	parts := strings.Split(k.token, ".")
	if len(parts) < 2 {
		return ""
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var claims struct {
		Sub string `json:"sub"`
	}
	_ = json.Unmarshal(raw, &claims)
	return claims.Sub
}

func (k *kube) do(method, path string, in any, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, k.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+k.token)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := k.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return &apiError{Code: resp.StatusCode, Body: string(data)}
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

type obj = map[string]any

func (k *kube) get(path string) (obj, error) {
	var o obj
	err := k.do("GET", path, nil, &o)
	return o, err
}

// sub walks nested maps, creating them on the way.
func sub(o obj, keys ...string) obj {
	for _, key := range keys {
		next, ok := o[key].(map[string]any)
		if !ok {
			next = obj{}
			o[key] = next
		}
		o = next
	}
	return o
}

func str(o obj, keys ...string) string {
	last := keys[len(keys)-1]
	m := o
	for _, key := range keys[:len(keys)-1] {
		next, ok := m[key].(map[string]any)
		if !ok {
			return ""
		}
		m = next
	}
	s, _ := m[last].(string)
	return s
}
