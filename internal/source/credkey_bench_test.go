package source

import (
	"testing"

	"github.com/aztoken/aztoken/internal/env"
)

// What a cached get spends on the environment source's cache key, for
// each kind of credential (issue 23: a certificate should cost no more
// than a secret). The key needs no Entra ID, so none is started.
func BenchmarkEnvironmentCacheKey(b *testing.B) {
	base := map[string]string{
		"AZURE_AUTHORITY_HOST": "https://127.0.0.1:1/",
		"AZURE_TENANT_ID":      "72f988bf-0000-4000-8000-00000000fa4e",
		"AZURE_CLIENT_ID":      testClientID,
	}
	for _, c := range []struct {
		name string
		vars map[string]string
	}{
		{"secret", map[string]string{"AZURE_CLIENT_SECRET": testSecret}},
		{"pem", map[string]string{"AZURE_CLIENT_CERTIFICATE_PATH": certFixture("rsa-pkcs8.pem")}},
		{"pkcs12", map[string]string{"AZURE_CLIENT_CERTIFICATE_PATH": certFixture("rsa-password.pfx"), "AZURE_CLIENT_CERTIFICATE_PASSWORD": testCertPassword}},
	} {
		vars := map[string]string{}
		for k, v := range base {
			vars[k] = v
		}
		for k, v := range c.vars {
			vars[k] = v
		}
		s := NewEnvironment(Config{Env: env.Map(vars)})
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, ok := s.CacheKey(scopeReq); !ok {
					b.Fatal("no key")
				}
			}
		})
	}
}
