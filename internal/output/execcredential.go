package output

import (
	"encoding/json"
	"strings"

	"github.com/aztoken/aztoken/internal/chain"
	"github.com/aztoken/aztoken/internal/usage"
)

// The ExecCredential versions kubectl speaks. v1alpha1 was removed from
// client-go in Kubernetes 1.24, so it is not offered.
const (
	execV1      = "client.authentication.k8s.io/v1"
	execV1beta1 = "client.authentication.k8s.io/v1beta1"
)

// ParseExecInfo reads KUBERNETES_EXEC_INFO (its errors are usage errors:
// the caller's environment is wrong, whatever a source would answer), the JSON ExecCredential kubectl
// puts in a credential plugin's environment, and returns the apiVersion
// the answer must carry. An empty value (kubectl older than 1.22, or the
// plugin run by hand) means v1. Only apiVersion and kind are read; the
// rest (spec.cluster, spec.interactive) is not needed to answer.
func ParseExecInfo(info string) (apiVersion string, err error) {
	if strings.TrimSpace(info) == "" {
		return execV1, nil
	}
	var v struct {
		Kind       *string `json:"kind"`
		APIVersion *string `json:"apiVersion"`
	}
	dec := json.NewDecoder(strings.NewReader(info))
	if err := dec.Decode(&v); err != nil {
		return "", usage.New("KUBERNETES_EXEC_INFO is not a JSON ExecCredential object; unset it or run aztoken from kubectl.")
	}
	if dec.More() {
		return "", usage.New("KUBERNETES_EXEC_INFO has text after its JSON object; unset it or run aztoken from kubectl.")
	}
	if v.Kind != nil && *v.Kind != "ExecCredential" {
		return "", usage.Errorf("KUBERNETES_EXEC_INFO has kind %q, not ExecCredential; unset it or run aztoken from kubectl.", *v.Kind)
	}
	if v.APIVersion == nil || *v.APIVersion == "" {
		return execV1, nil
	}
	switch *v.APIVersion {
	case execV1, execV1beta1:
		return *v.APIVersion, nil
	}
	return "", usage.Errorf("KUBERNETES_EXEC_INFO asks for apiVersion %q; aztoken answers %s and %s only, so upgrade kubectl or set apiVersion in the kubeconfig's exec section to one of them.", *v.APIVersion, execV1, execV1beta1)
}

type execCredential struct {
	Kind       string               `json:"kind"`
	APIVersion string               `json:"apiVersion"`
	Spec       execCredentialSpec   `json:"spec"`
	Status     execCredentialStatus `json:"status"`
}

type execCredentialSpec struct {
	Interactive bool `json:"interactive"`
}

type execCredentialStatus struct {
	Token string `json:"token"`
	// ExpirationTimestamp tells kubectl when to run the plugin again;
	// without it kubectl would reuse the token until a request fails.
	ExpirationTimestamp string `json:"expirationTimestamp,omitempty"`
}

func execCredentialJSON(t chain.Token, info string) (string, error) {
	version, err := ParseExecInfo(info)
	if err != nil {
		return "", err
	}
	return marshalLine(execCredential{
		Kind:       "ExecCredential",
		APIVersion: version,
		Status: execCredentialStatus{
			Token:               t.AccessToken,
			ExpirationTimestamp: rfc3339(t.ExpiresOn),
		},
	})
}
