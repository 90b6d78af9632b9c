package output

import "testing"

func FuzzParseExecInfo(f *testing.F) {
	f.Add("")
	f.Add(`{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}`)
	f.Add(`{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{"cluster":{"server":"https://127.0.0.1"}}}`)
	f.Add(`{"apiVersion":"client.authentication.k8s.io/v1alpha1"}`)
	f.Add(`{"apiVersion":null}`)
	f.Add(`{} {}`)
	f.Add(`[`)
	f.Fuzz(func(t *testing.T, info string) {
		v, err := ParseExecInfo(info)
		if err != nil {
			if v != "" {
				t.Errorf("error %v with version %q", err, v)
			}
			return
		}
		if v != execV1 && v != execV1beta1 {
			t.Errorf("ParseExecInfo(%q) = %q, not a version kubectl speaks", info, v)
		}
		again, err := ParseExecInfo(info)
		if again != v || err != nil {
			t.Errorf("not deterministic: %q then %q, %v", v, again, err)
		}
	})
}
