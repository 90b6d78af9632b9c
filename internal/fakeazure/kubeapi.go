package fakeazure

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/aztoken/aztoken/internal/mint"
)

// AKSServerApp is the application id AKS's API servers accept Entra ID
// tokens for (the "Azure Kubernetes Service AAD Server").
const AKSServerApp = "6dae42f8-4368-4678-94ff-3960e28e3630"

// KubeAPI is a fake Kubernetes API server of an AKS cluster with Entra ID
// integration, for the real kubectl: over HTTPS on loopback, it answers
// GET /version only with a bearer token the Entra fake signed for
// AKSServerApp and the cluster's tenant, and 401 otherwise.
type KubeAPI struct {
	srv    *httptest.Server
	cert   *serverCert
	issuer *mint.Minter
	tenant string

	mu     sync.Mutex
	ok     int
	unauth int
}

// NewKubeAPI starts the fake on 127.0.0.1.
func NewKubeAPI(issuer *mint.Minter, tenant string) (*KubeAPI, error) {
	k := &KubeAPI{issuer: issuer, tenant: tenant}
	cert, err := newServerCert("kube api")
	if err != nil {
		return nil, err
	}
	k.cert = cert
	k.srv = httptest.NewUnstartedServer(http.HandlerFunc(k.serve))
	startTLS(k.srv, cert)
	return k, nil
}

// URL is the server's https URL.
func (k *KubeAPI) URL() string { return k.srv.URL }

// CAData is its certificate as a kubeconfig's certificate-authority-data.
func (k *KubeAPI) CAData() string { return base64.StdEncoding.EncodeToString(k.cert.PEM()) }

// Close stops it.
func (k *KubeAPI) Close() { k.srv.Close() }

// Counts returns the requests it answered with a valid token and those it
// refused.
func (k *KubeAPI) Counts() (ok, refused int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.ok, k.unauth
}

func (k *KubeAPI) serve(w http.ResponseWriter, r *http.Request) {
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	valid := false
	if strings.EqualFold(scheme, "Bearer") {
		if c, err := Verify(k.issuer, tok); err == nil && c["aud"] == AKSServerApp && c["tid"] == k.tenant {
			valid = true
		}
	}
	k.mu.Lock()
	if valid {
		k.ok++
	} else {
		k.unauth++
	}
	k.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if !valid {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}`)
		return
	}
	if r.URL.Path != "/version" {
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","reason":"NotFound","code":404}`)
		return
	}
	_, _ = io.WriteString(w, `{"major":"1","minor":"31","gitVersion":"v1.31.2-aks-fake","platform":"linux/amd64"}`)
}
