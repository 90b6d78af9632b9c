package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/resources"
)

// fuzzToken is what the fuzz server's provider hands out; it must never
// reach an error answer or the access log.
const fuzzToken = "eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJmdXp6In0.FUZZ-SERVE-TOKEN-SIGNATURE"

// fuzzServer is one of the configurations the fuzz target picks from.
type fuzzServer struct {
	addr        string
	allowRemote bool
	imds        IMDSMode
	allow       []string
}

var fuzzServers = []fuzzServer{
	{addr: "127.0.0.1:0", imds: IMDSAuto},
	{addr: "127.0.0.1:0", imds: IMDSRequireSecret, allow: []string{"https://vault.azure.net", "https://management.azure.com/"}},
	{addr: "127.0.0.1:0", imds: IMDSOff},
	{addr: "0.0.0.0:0", allowRemote: true, imds: IMDSAuto},
}

// FuzzServeRequest sends fuzzed requests through the handler. In method,
// target and the header values, "{secret}" stands for the server's
// secret, so the fuzzer can present it without guessing it.
func FuzzServeRequest(f *testing.F) {
	f.Add(uint8(0), "GET", "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/", "", "true", "", "", []byte(nil))
	f.Add(uint8(1), "GET", "/msi/token?api-version=2019-08-01&resource=https://vault.azure.net", "{secret}", "", "", "", []byte(nil))
	f.Add(uint8(3), "POST", "/cloudshell/{secret}", "", "true", "", "application/x-www-form-urlencoded", []byte("resource=https://storage.azure.com/"))
	f.Add(uint8(0), "GET", "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/", "", "true", "203.0.113.9", "", []byte(nil))
	f.Fuzz(func(t *testing.T, mode uint8, method, target, secret, metadata, forwarded, ctype string, body []byte) {
		fill := func(s string) string { return strings.ReplaceAll(s, "{secret}", testSecret) }
		method, target, secret = fill(method), fill(target), fill(secret)
		if !strings.HasPrefix(target, "/") {
			return
		}
		req, err := http.NewRequest(method, "http://127.0.0.1:8080"+target, bytes.NewReader(body))
		if err != nil {
			return
		}
		req.RemoteAddr = "127.0.0.1:50000"
		for name, v := range map[string]string{secretHeader: secret, "Metadata": metadata, "X-Forwarded-For": forwarded, "Content-Type": ctype} {
			if v != "" {
				req.Header.Set(name, v)
			}
		}

		cfg := fuzzServers[int(mode)%len(fuzzServers)]
		now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
		var log bytes.Buffer
		s, err := New(Options{
			Addr: cfg.addr, AllowRemote: cfg.allowRemote, IMDS: cfg.imds, AllowResources: cfg.allow,
			Secret: testSecret, AccessLog: &log, Now: func() time.Time { return now },
			Provider: providerFunc(func(context.Context, string, Identity) (chain.Token, error) {
				return chain.Token{AccessToken: fuzzToken, TokenType: "Bearer", ExpiresOn: now.Add(time.Hour)}, nil
			}),
		})
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = s.Shutdown(context.Background()) }()

		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		got := rec.Body.String()

		if rec.Code == http.StatusOK {
			checkGranted(t, cfg, req, got)
		}
		if rec.Code >= 400 && strings.Contains(got, fuzzToken) {
			t.Fatalf("a %d answer holds the token: %s", rec.Code, got)
		}
		line := log.String()
		if strings.Count(line, "\n") != 1 {
			t.Fatalf("the access log has %q for one request", line)
		}
		if strings.Contains(line, fuzzToken) {
			t.Fatalf("the access log holds the token: %q", line)
		}
		if strings.Contains(line, testSecret) {
			t.Fatalf("the access log holds the secret: %q", line)
		}
	})
}

// checkGranted fails unless a 200 was earned: the secret presented where
// the protocol takes it, or IMDS without one where the mode allows it,
// and a resource the server may serve.
func checkGranted(t *testing.T, cfg fuzzServer, req *http.Request, body string) {
	t.Helper()
	path := req.URL.Path
	headerOK := req.Header.Get(secretHeader) == testSecret
	metadataOK := strings.EqualFold(req.Header.Get("Metadata"), "true")
	switch {
	case path == PathAppService:
		if !headerOK || req.Method != http.MethodGet {
			t.Fatalf("200 on %s %s without the secret header", req.Method, path)
		}
	case path == PathIMDS:
		if cfg.imds == IMDSOff {
			t.Fatalf("200 on IMDS, which is off")
		}
		needSecret := cfg.imds == IMDSRequireSecret || !strings.HasPrefix(cfg.addr, "127.")
		if (needSecret && !headerOK) || !metadataOK || req.Header.Get("X-Forwarded-For") != "" || req.Method != http.MethodGet {
			t.Fatalf("200 on IMDS %s without what mode %v requires (headers %v)", req.Method, cfg.imds, req.Header)
		}
	case path == PathCloudShell || strings.HasPrefix(path, PathCloudShell+"/"):
		inPath := strings.TrimPrefix(strings.TrimPrefix(path, PathCloudShell), "/")
		if !(inPath == testSecret || inPath == "" && headerOK) || !metadataOK || req.Method != http.MethodPost {
			t.Fatalf("200 on Cloud Shell %s %s without the secret", req.Method, path)
		}
	default:
		t.Fatalf("200 on %s, which serves nothing", path)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		Resource    string `json:"resource"`
	}
	if err := json.Unmarshal([]byte(body), &tok); err != nil {
		t.Fatalf("200 answer is not JSON: %v: %s", err, body)
	}
	if tok.AccessToken != fuzzToken {
		t.Fatalf("200 answer does not carry the token: %s", body)
	}
	if resources.Validate(tok.Resource) != nil {
		t.Fatalf("token served for invalid resource %q", tok.Resource)
	}
	allowed := cfg.allow == nil
	for _, a := range cfg.allow {
		allowed = allowed || strings.EqualFold(strings.TrimRight(a, "/"), strings.TrimRight(tok.Resource, "/"))
	}
	if !allowed {
		t.Fatalf("token served for %q, outside the allow list %q", tok.Resource, cfg.allow)
	}
	if req.Method == http.MethodGet && tok.Resource != req.URL.Query().Get("resource") {
		t.Fatalf("token served for %q, but %q was asked for", tok.Resource, req.URL.Query().Get("resource"))
	}
}
