package trust

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSetAndDescribe(t *testing.T) {
	dir := t.TempDir()
	pol := filepath.Join(dir, "policy.json")
	if err := Set(pol, SetInput{Scope: "docker.io", Type: "reject"}); err == nil || err.Error() != "default trust policy must be set" {
		t.Fatalf("scope before default: %v", err)
	}
	// Another transport's content is kept as written.
	os.WriteFile(pol, []byte(`{"default":[{"type":"reject"}],"transports":{"atomic":{"reg.example/ns":[{"type":"insecureAcceptAnything"}]},"docker-daemon":{"":[{"type":"insecureAcceptAnything"}]}}}`), 0o644)
	for _, in := range []SetInput{
		{Scope: "default", Type: "accept"},
		{Scope: "quay.io/libpod", Type: "signedBy", PubKeyFiles: []string{"/k1.gpg", "/k2.gpg"}},
		{Scope: "reg.example/ns", Type: "reject"},
		{Scope: "docker.io", Type: "sigstoreSigned", PubKeyFiles: []string{"/cosign.pub"}},
	} {
		if err := Set(pol, in); err != nil {
			t.Fatalf("Set(%+v): %v", in, err)
		}
	}
	raw, _ := os.ReadFile(pol)
	var generic map[string]map[string][]map[string]any
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(top["transports"], &generic)
	if got := generic["atomic"]["reg.example/ns"][0]["type"]; got != "reject" {
		t.Errorf("existing scope not changed in place: %s", raw)
	}
	if got := generic["docker"]["quay.io/libpod"]; len(got) != 2 || got[0]["keyType"] != "GPGKeys" || got[1]["keyPath"] != "/k2.gpg" {
		t.Errorf("signedBy entries: %s", raw)
	}

	regd := filepath.Join(dir, "registries.d")
	os.MkdirAll(regd, 0o755)
	os.WriteFile(filepath.Join(regd, "a.yaml"), []byte("default-docker:\n  lookaside: file:///def\ndocker:\n  quay.io:\n    sigstore: https://sig.example\n"), 0o644)
	ps, err := Describe(pol, regd)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, p := range ps {
		lines = append(lines, strings.Join([]string{p.Transport, p.RepoName, p.Type, p.GPGId, p.SignatureStore}, "|"))
	}
	want := []string{
		"all|default|accept||file:///def",
		"atomic|reg.example/ns|reject||file:///def",
		"repository|docker.io|sigstoreSigned|N/A|file:///def",
		"repository|quay.io/libpod|signed||https://sig.example",
		"repository|quay.io/libpod|signed||https://sig.example",
		"docker-daemon||accept||file:///def",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("Describe:\n%s\nwant\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}

	for _, c := range []struct {
		in  SetInput
		msg string
	}{
		{SetInput{Scope: "default", Type: "signedBy"}, "at least one public key must be defined for type 'signedBy'"},
		{SetInput{Scope: "default", Type: "bogus"}, `unknown trust type "bogus"`},
		{SetInput{Scope: "default", Type: "reject"}, ""},
	} {
		in, msg := c.in, c.msg
		err := Set(pol, in)
		if (msg == "" && err != nil) || (msg != "" && (err == nil || err.Error() != msg)) {
			t.Errorf("Set(%+v) = %v, want %q", in, err, msg)
		}
	}
	if err := Set(pol, SetInput{Scope: "default", Type: "accept", PubKeyFiles: []string{"/x"}}); err == nil || err.Error() != "1 public keys unexpectedly provided for trust type accept" {
		t.Errorf("keys for accept: %v", err)
	}
}
