package image

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.podman.io/image/v5/types"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

func TestParsePullPolicy(t *testing.T) {
	for in, want := range map[string]PullPolicy{
		"always": PullAlways, "Always": PullAlways, "missing": PullMissing, "IfNotPresent": PullMissing,
		"": PullMissing, "never": PullNever, "newer": PullNewer, "ifnewer": PullNewer,
	} {
		if got, err := ParsePullPolicy(in); err != nil || got != want {
			t.Errorf("ParsePullPolicy(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParsePullPolicy("sometimes"); !errors.Is(err, errdefs.ErrInvalidArgument) || !strings.Contains(err.Error(), `unsupported pull policy "sometimes"`) {
		t.Errorf("bad policy: %v", err)
	}
}

func TestParsePlatformAndCreds(t *testing.T) {
	if o, a, v, err := ParsePlatform("linux/arm64/v8"); err != nil || o != "linux" || a != "arm64" || v != "v8" {
		t.Errorf("ParsePlatform: %s %s %s %v", o, a, v, err)
	}
	for _, bad := range []string{"linux", "linux/", "/amd64", "a/b/c/d"} {
		if _, _, _, err := ParsePlatform(bad); !errors.Is(err, errdefs.ErrInvalidArgument) {
			t.Errorf("ParsePlatform(%q) should fail: %v", bad, err)
		}
	}
	if u, p, err := ParseCreds("me:pa:ss"); err != nil || u != "me" || p != "pa:ss" {
		t.Errorf("ParseCreds: %q %q %v", u, p, err)
	}
	for _, bad := range []string{":x", "nopass"} {
		if _, _, err := ParseCreds(bad); !errors.Is(err, errdefs.ErrInvalidArgument) {
			t.Errorf("ParseCreds(%q) should fail: %v", bad, err)
		}
	}
}

func TestRegistryContext(t *testing.T) {
	base := &types.SystemContext{BigFilesTemporaryDir: "/var/tmp"}
	f := false
	sys, err := registryContext(base, RegistryOptions{TLSVerify: &f, Creds: "u:p", Arch: "arm64", OS: "linux", Variant: "v8"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if sys.DockerInsecureSkipTLSVerify != types.OptionalBoolTrue || !sys.OCIInsecureSkipTLSVerify {
		t.Errorf("--tls-verify=false not applied: %+v", sys)
	}
	if sys.DockerAuthConfig == nil || sys.DockerAuthConfig.Username != "u" || sys.DockerAuthConfig.Password != "p" {
		t.Errorf("--creds not applied: %+v", sys.DockerAuthConfig)
	}
	if sys.ArchitectureChoice != "arm64" || sys.OSChoice != "linux" || sys.VariantChoice != "v8" || sys.BigFilesTemporaryDir != "/var/tmp" {
		t.Errorf("platform or base not kept: %+v", sys)
	}
	if base.DockerAuthConfig != nil {
		t.Errorf("the base context must not change")
	}
	// Without --tls-verify, registries.conf decides.
	sys, _ = registryContext(base, RegistryOptions{}, true)
	if sys.DockerInsecureSkipTLSVerify != types.OptionalBoolUndefined {
		t.Errorf("unset --tls-verify should leave the choice to registries.conf")
	}
	_, err = registryContext(base, RegistryOptions{AuthFile: filepath.Join(t.TempDir(), "absent.json")}, true)
	if err == nil || !strings.Contains(err.Error(), "credential file is not accessible") {
		t.Errorf("missing --authfile: %v", err)
	}
	// $REGISTRY_AUTH_FILE may name a file that login has not created yet.
	t.Setenv("REGISTRY_AUTH_FILE", filepath.Join(t.TempDir(), "later.json"))
	if sys, err := registryContext(base, RegistryOptions{}, true); err != nil || !strings.HasSuffix(sys.AuthFilePath, "later.json") {
		t.Errorf("REGISTRY_AUTH_FILE: %v %+v", err, sys)
	}
}

func TestCredentialsKey(t *testing.T) {
	for in, want := range map[string][2]string{
		"quay.io":                   {"quay.io", "quay.io"},
		"https://quay.io:5000/v2/":  {"quay.io:5000", "quay.io:5000"},
		"localhost:5000/ns/repo":    {"localhost:5000/ns/repo", "localhost:5000"},
		"docker.io/library/busybox": {"docker.io/library/busybox", "docker.io"},
	} {
		k, r, err := CredentialsKey(in)
		if err != nil || k != want[0] || r != want[1] {
			t.Errorf("CredentialsKey(%q) = %q %q %v, want %v", in, k, r, err, want)
		}
	}
	if _, _, err := CredentialsKey("quay.io/x/y:tag"); err == nil || !strings.Contains(err.Error(), "contains tag or digest") {
		t.Errorf("tagged key: %v", err)
	}
}

func TestParseSource(t *testing.T) {
	for in, want := range map[string]string{
		"busybox":                        "busybox",
		"localhost:5000/x:1":             "localhost:5000/x:1",
		"docker://busybox":               "docker.io/library/busybox:latest",
		"busybox:1@sha256:" + hex64("a"): "docker.io/library/busybox@sha256:" + hex64("a"),
	} {
		ref, name, err := parseSource(in)
		if err != nil || ref != nil {
			t.Errorf("parseSource(%q): %v %v", in, ref, err)
			continue
		}
		if strings.Contains(want, "@") {
			// The digest wins over the tag; normalization is left to the
			// resolver.
			if !strings.HasSuffix(name, "@sha256:"+hex64("a")) || strings.Contains(name, ":1@") {
				t.Errorf("parseSource(%q) = %q", in, name)
			}
			continue
		}
		if name != want {
			t.Errorf("parseSource(%q) = %q, want %q", in, name, want)
		}
	}
	for _, in := range []string{"docker-archive:/x.tar", "oci-archive:/x.tar:name", "oci:/dir:tag", "dir:/d"} {
		ref, _, err := parseSource(in)
		if err != nil || ref == nil {
			t.Errorf("parseSource(%q) should be a transport reference: %v", in, err)
		}
	}
	if _, _, err := parseSource("containers-storage:x"); !errors.Is(err, errdefs.ErrNotImplemented) {
		t.Errorf("unsupported transport: %v", err)
	}
}

func hex64(c string) string { return strings.Repeat(c, 64) }

func writeRegistriesConf(t *testing.T, content string) *types.SystemContext {
	t.Helper()
	p := filepath.Join(t.TempDir(), "registries.conf")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return &types.SystemContext{SystemRegistriesConfPath: p, SystemRegistriesConfDirPath: "/nonexistent", UserShortNameAliasConfPath: filepath.Join(t.TempDir(), "aliases.conf")}
}

func TestResolveShortName(t *testing.T) {
	s := &Store{}
	sys := writeRegistriesConf(t, `unqualified-search-registries = ["a.example", "b.example:5000"]
short-name-mode = "permissive"
[aliases]
"al" = "c.example/ns/aliased"
`)
	res, err := s.resolveShortName(sys, "x/y:2", nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range res.candidates {
		got = append(got, c.String())
	}
	if strings.Join(got, " ") != "a.example/x/y:2 b.example:5000/x/y:2" {
		t.Errorf("candidates: %v", got)
	}
	if !strings.Contains(res.description, `Resolving "x/y" using unqualified-search registries`) {
		t.Errorf("description: %q", res.description)
	}
	res, err = s.resolveShortName(sys, "al", nil)
	if err != nil || len(res.candidates) != 1 || res.candidates[0].String() != "c.example/ns/aliased:latest" {
		t.Errorf("alias: %+v %v", res, err)
	}
	res, err = s.resolveShortName(sys, "quay.io/x/y", nil)
	if err != nil || len(res.candidates) != 1 || res.candidates[0].String() != "quay.io/x/y:latest" {
		t.Errorf("qualified: %+v %v", res, err)
	}

	enf := writeRegistriesConf(t, `unqualified-search-registries = ["a.example", "b.example"]
short-name-mode = "enforcing"
`)
	if _, err := s.resolveShortName(enf, "x", nil); err == nil || !strings.Contains(err.Error(), "short-name resolution enforced but cannot prompt without a TTY") {
		t.Errorf("enforcing without TTY: %v", err)
	}
	var offered []string
	res, err = s.resolveShortName(enf, "x:3", func(c []string) (string, error) { offered = c; return c[1], nil })
	if err != nil || !res.record || len(res.candidates) != 1 || res.candidates[0].String() != "b.example/x:3" {
		t.Errorf("enforcing with a prompt: %+v %v (offered %v)", res, err, offered)
	}
	// A recorded choice becomes an alias.
	if err := recordAlias(enf, res.input, res.candidates[0]); err != nil {
		t.Fatal(err)
	}
	res, err = s.resolveShortName(enf, "x", nil)
	if err != nil || len(res.candidates) != 1 || res.candidates[0].String() != "b.example/x:latest" {
		t.Errorf("recorded alias: %+v %v", res, err)
	}

	none := writeRegistriesConf(t, "unqualified-search-registries = []\n")
	if _, err := s.resolveShortName(none, "x", nil); err == nil || !strings.Contains(err.Error(), `short-name "x" did not resolve to an alias and no unqualified-search registries are defined`) {
		t.Errorf("no registries: %v", err)
	}
}

func TestRetryableAndClassify(t *testing.T) {
	if !retryable(fmt.Errorf("x: %w", &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", errConnRefused())})) {
		t.Errorf("connection refused should be retried")
	}
	if retryable(&net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}) {
		t.Errorf("an unknown host should not be retried")
	}
	if !retryable(io.ErrUnexpectedEOF) {
		t.Errorf("a cut body should be retried")
	}
	if retryable(errors.New("manifest unknown")) {
		t.Errorf("a registry answer should not be retried")
	}
}

func errConnRefused() error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := l.Addr().String()
	l.Close()
	_, err = net.Dial("tcp", addr)
	var op *net.OpError
	if errors.As(err, &op) {
		var se *os.SyscallError
		if errors.As(op.Err, &se) {
			return se.Err
		}
	}
	return err
}

// TestPullPolicyLocal checks the policies that must not touch the network
// when the image is local: the registry named here refuses connections,
// and a request would also be seen by the counting server.
func TestPullPolicyLocal(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	var hits int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		if r.URL.Path == "/v2/" {
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(404)
		fmt.Fprint(w, `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	name := host + "/local/img:1"
	tarball := buildTar(t, []tarEntry{{name: "f", typ: '0', body: []byte("x"), mode: 0o644}})
	img, err := s.Import(ctx, bytes.NewReader(tarball), name, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	policy := writePolicy(t, `{"default":[{"type":"insecureAcceptAnything"}]}`)
	f := false
	ro := RegistryOptions{TLSVerify: &f, SignaturePolicyPath: policy}
	for _, pol := range []PullPolicy{PullMissing, PullNever} {
		got, err := s.Pull(ctx, name, PullOptions{RegistryOptions: ro, Policy: pol})
		if err != nil || got.ID != img.ID {
			t.Errorf("policy %s with a local image: %v %v", pol, got, err)
		}
	}
	if hits != 0 {
		t.Errorf("missing/never with a local image made %d requests", hits)
	}
	// newer asks the registry once, and keeps the local image when it
	// cannot tell.
	got, err := s.Pull(ctx, name, PullOptions{RegistryOptions: ro, Policy: PullNewer})
	if err != nil || got.ID != img.ID || hits == 0 {
		t.Errorf("newer: %v %v (hits %d)", got, err, hits)
	}
	// always must ask, and fails clearly (404 -> not found).
	start := time.Now()
	_, err = s.Pull(ctx, name, PullOptions{RegistryOptions: ro, Policy: PullAlways})
	if !errors.Is(err, errdefs.ErrNotFound) || !strings.Contains(err.Error(), "initializing source docker://"+name) {
		t.Errorf("always against a 404: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("a 404 must not be retried")
	}
	// never without the image: podman's "image not known".
	_, err = s.Pull(ctx, host+"/absent:1", PullOptions{RegistryOptions: ro, Policy: PullNever})
	if !errors.Is(err, define.ErrNoSuchImage) || !strings.Contains(err.Error(), "image not known") {
		t.Errorf("never without image: %v", err)
	}
}

func TestPullRejectedByPolicy(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	dir := t.TempDir()
	tarball := buildTar(t, []tarEntry{{name: "f", typ: '0', body: []byte("x"), mode: 0o644}})
	if _, err := s.Import(ctx, bytes.NewReader(tarball), "localhost/src:1", nil, ""); err != nil {
		t.Fatal(err)
	}
	layout := filepath.Join(dir, "layout")
	if err := s.Push(ctx, "localhost/src:1", "oci:"+layout+":v1", PushOptions{RegistryOptions: RegistryOptions{SignaturePolicyPath: writePolicy(t, `{"default":[{"type":"insecureAcceptAnything"}]}`)}}); err != nil {
		t.Fatal(err)
	}
	dest := newTestStore(t)
	_, err := dest.Pull(ctx, "oci:"+layout+":v1", PullOptions{RegistryOptions: RegistryOptions{SignaturePolicyPath: writePolicy(t, `{"default":[{"type":"reject"}]}`)}})
	if err == nil || !strings.Contains(err.Error(), "rejected by policy") {
		t.Fatalf("reject policy: %v", err)
	}
	if imgs, _ := dest.store.Images(); len(imgs) != 0 {
		t.Errorf("a rejected image was stored: %v", imgs)
	}
	// The same pull with an accepting policy works and names the image
	// from the layout's reference.
	img, err := dest.Pull(ctx, "oci:"+layout+":v1", PullOptions{RegistryOptions: RegistryOptions{SignaturePolicyPath: writePolicy(t, `{"default":[{"type":"insecureAcceptAnything"}]}`)}})
	if err != nil || len(img.Names) != 1 || img.Names[0] != "localhost/v1:latest" {
		t.Errorf("pull from oci layout: %+v %v", img, err)
	}
	// A missing policy file is an error, as in podman 5.
	_, err = dest.Pull(ctx, "oci:"+layout+":v1", PullOptions{RegistryOptions: RegistryOptions{SignaturePolicyPath: filepath.Join(dir, "absent.json")}})
	if err == nil || !strings.Contains(err.Error(), "reading signature policy") {
		t.Errorf("missing policy: %v", err)
	}
}

func writePolicy(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "policy.json")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
