// Command goclient is the container tests' Go app: an unmodified program
// that asks azidentity's DefaultAzureCredential and
// ManagedIdentityCredential for an Azure Resource Manager token, with
// nothing configured, as an app on an Azure VM would.
//
// For each credential it prints one line that identifies the token
// without showing it:
//
//	DefaultAzureCredential ok sha256=1f2e3d4c5b6a tid=... aud=... emulated=true
//
// and exits 1 at the first credential that fails, with the SDK's error.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

const scope = "https://management.azure.com/.default"

func main() {
	dac, err := azidentity.NewDefaultAzureCredential(nil)
	if err != nil {
		fail("DefaultAzureCredential", err)
	}
	mic, err := azidentity.NewManagedIdentityCredential(nil)
	if err != nil {
		fail("ManagedIdentityCredential", err)
	}
	for _, c := range []struct {
		name string
		cred azcore.TokenCredential
	}{{"DefaultAzureCredential", dac}, {"ManagedIdentityCredential", mic}} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		tok, err := c.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{scope}})
		cancel()
		if err != nil {
			fail(c.name, err)
		}
		fmt.Printf("%s ok %s\n", c.name, describe(tok.Token))
	}
}

// describe names a token by a hash of it and a few of its claims.
func describe(token string) string {
	sum := sha256.Sum256([]byte(token))
	var claims struct {
		Tid      string `json:"tid"`
		Aud      string `json:"aud"`
		Emulated bool   `json:"aztoken_emulated"`
	}
	if parts := strings.Split(token, "."); len(parts) == 3 {
		if b, err := base64.RawURLEncoding.DecodeString(parts[1]); err == nil {
			_ = json.Unmarshal(b, &claims)
		}
	}
	return fmt.Sprintf("sha256=%s tid=%s aud=%s emulated=%t", hex.EncodeToString(sum[:6]), claims.Tid, claims.Aud, claims.Emulated)
}

func fail(name string, err error) {
	fmt.Printf("%s failed: %v\n", name, err)
	os.Exit(1)
}
