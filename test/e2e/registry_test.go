package e2e

import (
	"archive/tar"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// 6. Registries: pull, push, login against the real docker-registry.

var imageIDRe = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ExpectRegistryError is ExpectEngineError for commands that report
// progress before failing: exit 125 and the last stderr line "Error: ..."
// containing each of wants.
func (p *Pier) ExpectRegistryError(r Result, wants ...string) {
	p.t.Helper()
	if r.ExitCode != 125 {
		p.t.Errorf("want exit 125: %s", r)
		return
	}
	lines := strings.Split(strings.TrimRight(r.Stderr, "\n"), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "Error: ") {
		p.t.Errorf("want the last stderr line to be \"Error: ...\": %s", r)
	}
	for _, w := range wants {
		if !strings.Contains(last, w) {
			p.t.Errorf("the error should mention %q: %s", w, r)
		}
	}
}

// pullID checks podman's pull output shape (the image ID alone on the
// last stdout line) and returns the ID.
func pullID(t *testing.T, r Result) string {
	t.Helper()
	lines := r.Lines()
	if len(lines) == 0 || !imageIDRe.MatchString(lines[len(lines)-1]) {
		t.Fatalf("pull should print the image ID last on stdout: %s", r)
	}
	return lines[len(lines)-1]
}

func TestRegistryPushPullPlainHTTP(t *testing.T) {
	t.Parallel()
	reg := startRegistry(t, registryMode{})
	src := regPier(t, true)
	srcID := src.MustRun("images", "-q", "--no-trunc", Image).Out()
	srcID = strings.TrimPrefix(srcID, "sha256:")
	dest := reg.Host + "/pier/busybox:1"
	digestFile := filepath.Join(src.WorkDir(), "digest")
	r := src.MustRun("push", "--tls-verify=false", "--digestfile", digestFile, Image, dest)
	if r.Stdout != "" || !strings.Contains(r.Stderr, "Writing manifest to image destination") {
		t.Errorf("push prints progress on stderr only: %s", r)
	}
	pushed, err := os.ReadFile(digestFile)
	if err != nil {
		t.Fatal(err)
	}
	if got := reg.ManifestDigest("pier/busybox", "1"); string(pushed) != got {
		t.Errorf("--digestfile %q, registry has %q", pushed, got)
	}

	p := regPier(t, false)
	r = p.MustRun("pull", "--tls-verify=false", dest)
	id := pullID(t, r)
	if id != srcID {
		t.Errorf("pulled ID %s, pushed image %s", id, srcID)
	}
	for _, want := range []string{"Trying to pull " + dest + "...", "Getting image source signatures", "Copying blob", "Copying config", "Writing manifest"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("non-terminal progress should contain %q: %s", want, r)
		}
	}
	if got := p.MustRun("image", "inspect", "--format", "{{.Digest}}", dest).Out(); got != string(pushed) {
		t.Errorf("pulled image digest %q, pushed %q", got, pushed)
	}
	if got := p.MustRun("run", "--rm", dest, "echo", "ok").Out(); got != "ok" {
		t.Errorf("the pulled image should run: %q", got)
	}
	// -q: nothing but the ID.
	r = p.MustRun("pull", "-q", "--tls-verify=false", dest)
	if r.Stderr != "" || r.Out() != id {
		t.Errorf("pull -q prints the ID only: %s", r)
	}
	// `image pull` is the same command.
	if got := pullID(t, p.MustRun("image", "pull", "-q", "--tls-verify=false", dest)); got != id {
		t.Errorf("image pull: %s", got)
	}
	// Without --tls-verify=false an HTTP registry is refused (HTTPS
	// required), clearly.
	q := regPier(t, false)
	p.ExpectRegistryError(q.Run("pull", "--retry=0", dest), "http: server gave HTTP response to HTTPS client")
	if ids := q.ImageIDs(); len(ids) != 0 {
		t.Errorf("failed pull stored images: %v", ids)
	}
}

func TestRegistryLayerReuseAndPullPolicies(t *testing.T) {
	t.Parallel()
	reg := startRegistry(t, registryMode{})
	base := busyboxLayer(t)
	app1 := newTestImage(t, runtime.GOARCH, base, regTarOf(map[string]string{"app/one": "1\n"}), regTarOf(map[string]string{"app/conf": "one\n"}))
	app2 := newTestImage(t, runtime.GOARCH, base, regTarOf(map[string]string{"app/two": "2\n"}))
	reg.PushImage("multi/app", "one", app1)
	reg.PushImage("multi/app", "two", app2)
	baseBlob := regSHA(app1.Layers[0])

	p := regPier(t, false)
	ref1, ref2 := reg.Host+"/multi/app:one", reg.Host+"/multi/app:two"
	mark := reg.Mark()
	p.MustRun("pull", "-q", "--tls-verify=false", ref1)
	if got := len(blobGets(reg.Since(mark))); got != 4 { // 3 layers + config
		t.Errorf("first pull should fetch 4 blobs, fetched %d: %v", got, reg.Since(mark))
	}
	if got := p.MustRun("run", "--rm", ref1, "cat", "/app/one", "/app/conf").Stdout; got != "1\none\n" {
		t.Errorf("all layers of the multi-layer image should be visible: %q", got)
	}
	// The second image shares the base layer: only its own layer and
	// config are downloaded.
	mark = reg.Mark()
	p.MustRun("pull", "-q", "--tls-verify=false", ref2)
	gets := blobGets(reg.Since(mark))
	for _, g := range gets {
		if strings.Contains(g, baseBlob) {
			t.Errorf("the shared base layer was downloaded again: %v", gets)
		}
	}
	if len(gets) != 2 {
		t.Errorf("second pull should fetch 2 blobs (new layer, config): %v", gets)
	}
	if n := p.StorageLayers(); n != 4 { // base, one, conf, two: the base once
		t.Errorf("storage should hold 4 distinct layers, got %d", n)
	}

	// missing: an image present locally makes no request at all.
	mark = reg.Mark()
	r := p.MustRun("pull", "--policy", "missing", "--tls-verify=false", ref1)
	if reqs := reg.Since(mark); len(reqs) != 0 {
		t.Errorf("--policy missing with a local image should not touch the registry: %v", reqs)
	}
	if strings.Contains(r.Stderr, "Trying to pull") {
		t.Errorf("--policy missing with a local image is silent: %s", r)
	}
	// newer: a manifest check only, no blob.
	mark = reg.Mark()
	p.MustRun("pull", "--policy", "newer", "--tls-verify=false", ref1)
	reqs := reg.Since(mark)
	if len(blobGets(reqs)) != 0 || len(reqs) == 0 {
		t.Errorf("--policy newer with an unchanged image: one manifest check, no blobs: %v", reqs)
	}
	// newer pulls when the tag moved.
	reg.PushImage("multi/app", "one", app2)
	id2 := pullID(t, p.MustRun("pull", "--policy", "newer", "--tls-verify=false", ref1))
	if got := p.MustRun("image", "inspect", "--format", "{{.Id}}", ref2).Out(); got != id2 {
		t.Errorf("--policy newer should have pulled the moved tag: %s vs %s", id2, got)
	}
	// never: no pull, a clear error for a missing image.
	mark = reg.Mark()
	p.ExpectRegistryError(p.Run("pull", "--policy", "never", reg.Host+"/multi/app:absent"), "image not known")
	if reqs := reg.Since(mark); len(reqs) != 0 {
		t.Errorf("--policy never should not touch the registry: %v", reqs)
	}
	p.ExpectRegistryError(p.Run("pull", "--policy", "sometimes", ref1), `unsupported pull policy "sometimes"`)
}

func TestRegistryTLSCertDir(t *testing.T) {
	t.Parallel()
	reg := startRegistry(t, registryMode{TLS: true})
	src := regPier(t, true)
	dest := reg.Host + "/tls/busybox:latest"
	// Without the CA the certificate is refused, clearly.
	r := src.Run("push", "--retry=0", Image, dest)
	src.ExpectRegistryError(r, "certificate signed by unknown authority")
	src.MustRun("push", "-q", "--cert-dir", reg.CertDir, Image, dest)

	p := regPier(t, false)
	p.ExpectRegistryError(p.Run("pull", "--retry=0", dest), "certificate signed by unknown authority")
	id := pullID(t, p.MustRun("pull", "--cert-dir", reg.CertDir, dest))
	if got := p.MustRun("run", "--rm", id, "echo", "tls").Out(); got != "tls" {
		t.Errorf("run pulled image: %q", got)
	}
	// --tls-verify=false accepts the unknown CA too.
	q := regPier(t, false)
	pullID(t, q.MustRun("pull", "--tls-verify=false", dest))
	p.ExpectRegistryError(p.Run("pull", "--cert-dir", filepath.Join(p.WorkDir(), "nope"), dest), "nope")
}

func TestRegistryAuthLoginLogout(t *testing.T) {
	t.Parallel()
	reg := startRegistry(t, registryMode{TLS: true, Auth: true})
	p := regPier(t, true)
	dest := reg.Host + "/auth/busybox:1"
	tls := []string{"--cert-dir", reg.CertDir}

	// No credentials: 401, a clear error, nothing stored.
	q := regPier(t, false)
	reg.PushImage("auth/busybox", "1", newTestImage(t, runtime.GOARCH, busyboxLayer(t)))
	r := q.Run(append([]string{"pull"}, append(tls, dest)...)...)
	q.ExpectRegistryError(r, "authentication required")
	if ids := q.ImageIDs(); len(ids) != 0 || q.StorageLayers() != 0 {
		t.Errorf("a refused pull must store nothing: images %v, layers %d", ids, q.StorageLayers())
	}

	// Wrong password.
	r = p.RunWith(RunOpts{Stdin: strings.NewReader("wrong\n")}, append([]string{"login", "-u", registryUser, "--password-stdin"}, append(tls, reg.Host)...)...)
	p.ExpectRegistryError(r, fmt.Sprintf("logging into %q: invalid username/password", reg.Host))
	if _, err := os.Stat(p.AuthFile()); err == nil {
		t.Errorf("a failed login must not write %s", p.AuthFile())
	}
	// podman's argument checks.
	p.ExpectRegistryError(p.Run("login", "--password-stdin", "-p", "x", "-u", "u", reg.Host), "can't specify both --password-stdin and --password")
	p.ExpectRegistryError(p.Run("login", "--password-stdin", reg.Host), "must provide --username with --password-stdin")

	r = p.RunWith(RunOpts{Stdin: strings.NewReader(registryPass + "\n")}, append([]string{"login", "-u", registryUser, "--password-stdin"}, append(tls, reg.Host)...)...)
	if r.ExitCode != 0 || r.Out() != "Login Succeeded!" {
		t.Fatalf("login: %s", r)
	}
	var af struct {
		Auths map[string]struct{ Auth string } `json:"auths"`
	}
	b, err := os.ReadFile(p.AuthFile())
	if err != nil || json.Unmarshal(b, &af) != nil {
		t.Fatalf("auth.json after login: %v %s", err, b)
	}
	if got, want := af.Auths[reg.Host].Auth, base64.StdEncoding.EncodeToString([]byte(registryUser+":"+registryPass)); got != want {
		t.Errorf("auth.json entry for %s: %q, want %q (%s)", reg.Host, got, want, b)
	}
	if got := p.MustRun("login", "--get-login", reg.Host).Out(); got != registryUser {
		t.Errorf("login --get-login: %q", got)
	}
	r = p.MustRun(append([]string{"login"}, append(tls, reg.Host)...)...)
	if !strings.Contains(r.Stdout, "Existing credentials are valid. Already logged in to "+reg.Host) {
		t.Errorf("login again with stored credentials: %s", r)
	}
	// The stored credentials serve push and pull.
	p.MustRun(append([]string{"push", "-q"}, append(tls, Image, reg.Host+"/auth/mine:1")...)...)
	pullID(t, p.MustRun(append([]string{"pull"}, append(tls, dest)...)...))

	// --creds works without a login; an explicit --authfile too.
	pullID(t, q.MustRun(append([]string{"pull", "--creds", registryUser + ":" + registryPass}, append(tls, dest)...)...))
	other := filepath.Join(p.WorkDir(), "other-auth.json")
	p.ExpectRegistryError(p.Run("pull", "--authfile", other, dest), "credential file is not accessible")
	p.MustRun("login", "--authfile", other, "-u", registryUser, "-p", registryPass, "--cert-dir", reg.CertDir, reg.Host)
	if b, _ := os.ReadFile(other); !strings.Contains(string(b), reg.Host) {
		t.Errorf("login --authfile should write there: %s", b)
	}

	// logout, then the credentials are gone.
	if got := p.MustRun("logout", reg.Host).Out(); got != "Removed login credentials for "+reg.Host {
		t.Errorf("logout: %q", got)
	}
	p.ExpectRegistryError(p.Run("logout", reg.Host), "not logged into "+reg.Host)
	p.ExpectRegistryError(p.Run("login", "--get-login", reg.Host), "not logged into "+reg.Host)
	if got := p.MustRun("logout", "-a", "--authfile", other).Out(); got != "Removed login credentials for all registries" {
		t.Errorf("logout -a: %q", got)
	}
	if b, _ := os.ReadFile(other); strings.Contains(string(b), reg.Host) {
		t.Errorf("logout -a left credentials: %s", b)
	}
}

func TestRegistryAuthFileDefaultLocation(t *testing.T) {
	t.Parallel()
	reg := startRegistry(t, registryMode{Auth: true})
	p := newPierNoImage(t)
	runtimeDir := filepath.Join(p.Dir, "xdg-run")
	os.MkdirAll(runtimeDir, 0o700)
	env := []string{"XDG_RUNTIME_DIR=" + runtimeDir}
	r := p.RunWith(RunOpts{Env: env}, "login", "--tls-verify=false", "-u", registryUser, "-p", registryPass, reg.Host)
	if r.ExitCode != 0 {
		t.Fatalf("login: %s", r)
	}
	// Without --authfile and REGISTRY_AUTH_FILE, podman's default:
	// ${XDG_RUNTIME_DIR}/containers/auth.json.
	if b, err := os.ReadFile(filepath.Join(runtimeDir, "containers", "auth.json")); err != nil || !strings.Contains(string(b), reg.Host) {
		t.Errorf("default auth file: %v %s", err, b)
	}
	if r := p.RunWith(RunOpts{Env: env}, "login", "--get-login", reg.Host); r.Out() != registryUser {
		t.Errorf("--get-login from the default file: %s", r)
	}
}

func TestRegistryErrors(t *testing.T) {
	t.Parallel()
	reg := startRegistry(t, registryMode{})
	p := regPier(t, false)
	p.ExpectRegistryError(p.Run("pull", "--tls-verify=false", reg.Host+"/no/such:tag"),
		"initializing source docker://"+reg.Host+"/no/such:tag", "manifest unknown")
	r := p.Run("pull", "--tls-verify=false", "registry.invalid/x/y:1")
	p.ExpectRegistryError(r, "registry.invalid", "no such host")
	if r.Duration.Seconds() > 5 {
		t.Errorf("an unknown host should fail at once, not after retries: %s", r)
	}
	p.ExpectRegistryError(p.Run("pull", "--tls-verify=false", "Bad//Name"), "invalid reference format")
	p.ExpectRegistryError(p.Run("pull", "--platform", "linux", "--tls-verify=false", reg.Host+"/x:1"), "invalid platform")
	p.ExpectRegistryError(p.Run("pull", "--platform", "linux/arm64", "--arch", "arm64", reg.Host+"/x:1"), "--platform option can not be specified with --arch or --os")
	p.ExpectRegistryError(p.Run("pull", "sha256:"+strings.Repeat("a", 64)), "pull policy is always but image has been referred to by ID")
	// A connection refused is retried (podman's --retry), then fails.
	dead := regFreeAddr(t)
	r = p.Run("pull", "--tls-verify=false", "--retry=1", "--retry-delay=10ms", dead+"/x:1")
	p.ExpectRegistryError(r, "connection refused")
	if ids := p.ImageIDs(); len(ids) != 0 {
		t.Errorf("failed pulls stored images: %v", ids)
	}
	// Push of an unknown image.
	p.ExpectRegistryError(p.Run("push", "--tls-verify=false", "localhost/nope:1", reg.Host+"/nope:1"), "nope:1: image not known")
}

func TestRegistryMultiArch(t *testing.T) {
	t.Parallel()
	reg := startRegistry(t, registryMode{})
	host := runtime.GOARCH
	other := "arm64"
	if host == "arm64" {
		other = "amd64"
	}
	base := busyboxLayer(t)
	imgs := []testImage{
		newTestImage(t, host, base, regTarOf(map[string]string{"platform": host + "\n"})),
		newTestImage(t, other, base, regTarOf(map[string]string{"platform": other + "\n"})),
	}
	ref := reg.Host + "/multi/arch:1"
	idx := reg.PushIndex("multi/arch", "1", imgs...)

	p := regPier(t, false)
	pullID(t, p.MustRun("pull", "--tls-verify=false", ref))
	if got := p.MustRun("run", "--rm", ref, "cat", "/platform").Out(); got != host {
		t.Errorf("the host's platform should be chosen from the index: %q", got)
	}
	// As podman: the digest is the one pulled (the index's), and the
	// repo digests name both the index and the chosen instance.
	if got := p.MustRun("image", "inspect", "--format", "{{.Architecture}} {{.Digest}}", ref).Out(); got != host+" "+idx {
		t.Errorf("inspect after index pull: %q (want %s %s)", got, host, idx)
	}
	rd := p.MustRun("image", "inspect", "--format", "{{.RepoDigests}}", ref).Out()
	if !strings.Contains(rd, idx) || !strings.Contains(rd, imgs[0].Digest) {
		t.Errorf("RepoDigests should hold the index and instance digests: %s", rd)
	}

	q := regPier(t, false)
	id := pullID(t, q.MustRun("pull", "--platform", "linux/"+other, "--tls-verify=false", ref))
	if got := q.MustRun("image", "inspect", "--format", "{{.Architecture}}", id).Out(); got != other {
		t.Errorf("--platform linux/%s pulled %q", other, got)
	}
	if got := q.MustRun("run", "--rm", id, "cat", "/platform").Out(); got != other {
		t.Errorf("--platform content: %q", got)
	}
	r := q.Run("pull", "--arch", "s390x", "--tls-verify=false", ref)
	q.ExpectRegistryError(r, "no image found in", `for architecture "s390x"`)
}

func TestRegistrySignaturePolicy(t *testing.T) {
	t.Parallel()
	reg := startRegistry(t, registryMode{})
	reg.PushImage("sig/busybox", "1", newTestImage(t, runtime.GOARCH, busyboxLayer(t)))
	ref := reg.Host + "/sig/busybox:1"

	p := regPier(t, false)
	p.WritePolicy(`{"default":[{"type":"reject"}]}`)
	r := p.Run("pull", "--tls-verify=false", ref)
	p.ExpectRegistryError(r, "rejected by policy")
	if ids := p.ImageIDs(); len(ids) != 0 || p.StorageLayers() != 0 {
		t.Errorf("a rejected image must store nothing: images %v, layers %d", ids, p.StorageLayers())
	}
	// Scoped policy: reject by default, accept this registry.
	p.WritePolicy(fmt.Sprintf(`{"default":[{"type":"reject"}],"transports":{"docker":{%q:[{"type":"insecureAcceptAnything"}]}}}`, reg.Host+"/sig"))
	pullID(t, p.MustRun("pull", "--tls-verify=false", ref))
	// --signature-policy overrides the file.
	rej := filepath.Join(p.WorkDir(), "reject.json")
	os.WriteFile(rej, []byte(`{"default":[{"type":"reject"}]}`), 0o644)
	p.ExpectRegistryError(p.Run("pull", "--signature-policy", rej, "--tls-verify=false", ref), "rejected by policy")
	// signedBy with a key the image is not signed with: rejected.
	key := filepath.Join(p.WorkDir(), "key.gpg")
	os.WriteFile(key, []byte("not a key"), 0o644)
	p.WritePolicy(fmt.Sprintf(`{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":%q}]}`, key))
	q := regPier(t, false)
	q.WritePolicy(fmt.Sprintf(`{"default":[{"type":"signedBy","keyType":"GPGKeys","keyPath":%q}]}`, key))
	q.ExpectRegistryError(q.Run("pull", "--tls-verify=false", ref), "Source image rejected")
	if ids := q.ImageIDs(); len(ids) != 0 {
		t.Errorf("an unsigned image under signedBy must not be stored: %v", ids)
	}
	// No policy file at all is an error, as in podman 5.
	r = q.RunWith(RunOpts{Env: []string{"CONTAINERS_POLICY_JSON=" + filepath.Join(q.Dir, "absent.json")}}, "pull", "--tls-verify=false", ref)
	q.ExpectRegistryError(r, "signature policy")
}

func TestRegistryShortNames(t *testing.T) {
	t.Parallel()
	reg := startRegistry(t, registryMode{})
	reg.PushImage("shorty", "1", newTestImage(t, runtime.GOARCH, busyboxLayer(t), regTarOf(map[string]string{"which": "short\n"})))

	// unqualified-search-registries, tried in order: the first does not
	// resolve, the second has the image; registries.conf's insecure=true
	// allows plain HTTP without --tls-verify=false.
	p := regPier(t, false)
	p.WriteRegistriesConf(fmt.Sprintf(`unqualified-search-registries = ["nothere.invalid", %q]
short-name-mode = "permissive"
[[registry]]
location = %q
insecure = true
`, reg.Host, reg.Host))
	r := p.MustRun("pull", "shorty:1")
	pullID(t, r)
	for _, want := range []string{`Resolving "shorty" using unqualified-search registries`, "Trying to pull nothere.invalid/shorty:1...", "Trying to pull " + reg.Host + "/shorty:1..."} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr should contain %q: %s", want, r)
		}
	}
	p.MustRun("image", "exists", reg.Host+"/shorty:1")
	// The local image now answers the short name without network.
	mark := reg.Mark()
	p.MustRun("pull", "--policy", "missing", "shorty:1")
	if reqs := reg.Since(mark); len(reqs) != 0 {
		t.Errorf("short name with a local image and missing: %v", reqs)
	}

	// enforcing + ambiguous + no TTY: podman's error.
	q := regPier(t, false)
	q.WriteRegistriesConf(fmt.Sprintf(`unqualified-search-registries = ["nothere.invalid", %q]
short-name-mode = "enforcing"
`, reg.Host))
	q.ExpectRegistryError(q.Run("pull", "shorty:1"), "short-name resolution enforced but cannot prompt without a TTY")
	// No search registries at all.
	q.WriteRegistriesConf("unqualified-search-registries = []\n")
	q.ExpectRegistryError(q.Run("pull", "shorty:1"), `short-name "shorty:1" did not resolve to an alias and no unqualified-search registries are defined`)

	// Aliases win, even in enforcing mode.
	q.WriteRegistriesConf(fmt.Sprintf(`unqualified-search-registries = ["nothere.invalid", "other.invalid"]
short-name-mode = "enforcing"
[aliases]
"shorty" = "%s/shorty"
[[registry]]
location = %q
insecure = true
`, reg.Host, reg.Host))
	r = q.MustRun("pull", "shorty:1")
	if !strings.Contains(r.Stderr, `Resolved "shorty" as an alias`) {
		t.Errorf("alias resolution should be reported: %s", r)
	}

	// Mirrors: the name stays, the bytes come from the mirror.
	m := regPier(t, false)
	m.WriteRegistriesConf(fmt.Sprintf(`unqualified-search-registries = []
[[registry]]
prefix = "mirrored.invalid/lib"
location = "mirrored.invalid/lib"
[[registry.mirror]]
location = "%s"
insecure = true
`, reg.Host))
	mark = reg.Mark()
	pullID(t, m.MustRun("pull", "mirrored.invalid/lib/shorty:1"))
	if len(blobGets(reg.Since(mark))) == 0 {
		t.Errorf("the mirror should have served the blobs")
	}
	if got := m.MustRun("run", "--rm", "mirrored.invalid/lib/shorty:1", "cat", "/which").Out(); got != "short" {
		t.Errorf("mirrored image: %q", got)
	}
}

func TestRegistryTransportsAndAllTags(t *testing.T) {
	t.Parallel()
	reg := startRegistry(t, registryMode{})
	p := regPier(t, true)
	id := strings.TrimPrefix(p.MustRun("images", "-q", "--no-trunc", Image).Out(), "sha256:")
	w := p.WorkDir()

	// push to archives and directories, pull them back into a fresh root.
	dockerArchive := filepath.Join(w, "img.tar")
	ociArchive := filepath.Join(w, "img-oci.tar")
	ociDir := filepath.Join(w, "layout")
	dirDir := filepath.Join(w, "dir")
	p.MustRun("push", "-q", Image, "docker-archive:"+dockerArchive)
	p.MustRun("push", "-q", Image, "oci-archive:"+ociArchive+":localhost/fromoci:2")
	p.MustRun("push", "-q", Image, "oci:"+ociDir+":v1")
	p.MustRun("push", "-q", Image, "dir:"+dirDir)

	q := regPier(t, false)
	if got := pullID(t, q.MustRun("pull", "docker-archive:"+dockerArchive)); got != id {
		t.Errorf("docker-archive ID %s, want %s", got, id)
	}
	q.MustRun("image", "exists", Image) // the archive's own name
	pullID(t, q.MustRun("pull", "oci-archive:"+ociArchive))
	q.MustRun("image", "exists", "localhost/fromoci:2")
	pullID(t, q.MustRun("pull", "oci:"+ociDir+":v1"))
	q.MustRun("image", "exists", "localhost/v1:latest")
	dirID := pullID(t, q.MustRun("pull", "dir:"+dirDir))
	if got := q.MustRun("run", "--rm", dirID, "echo", "from-dir").Out(); got != "from-dir" {
		t.Errorf("image pulled from dir: %q", got)
	}
	q.ExpectRegistryError(q.Run("pull", "-a", "dir:"+dirDir), "pulling all tags is not supported for dir transport")

	// --all-tags pulls every tag, one ID line each.
	p.MustRun("push", "-q", "--tls-verify=false", Image, reg.Host+"/tags/bb:a")
	p.MustRun("push", "-q", "--tls-verify=false", Image, reg.Host+"/tags/bb:b")
	r := q.MustRun("pull", "-q", "--all-tags", "--tls-verify=false", reg.Host+"/tags/bb")
	if l := r.Lines(); len(l) != 2 || l[0] != id || l[1] != id {
		t.Errorf("pull --all-tags should print one ID per tag: %s", r)
	}
	q.MustRun("image", "exists", reg.Host+"/tags/bb:a")
	q.MustRun("image", "exists", reg.Host+"/tags/bb:b")
	// push without destination goes to the image's own name.
	p.MustRun("tag", Image, reg.Host+"/self/bb:1")
	p.MustRun("push", "-q", "--tls-verify=false", reg.Host+"/self/bb:1")
	if d := reg.ManifestDigest("self/bb", "1"); d == "" {
		t.Errorf("push without destination")
	}
	// --format oci and --remove-signatures are accepted.
	p.MustRun("push", "-q", "--tls-verify=false", "--format", "oci", "--remove-signatures", Image, reg.Host+"/fmt/bb:oci")
}

// hostileRegistry is a minimal registry (net/http) that serves whatever
// the test gives it, including content the real registry refuses to
// store: blobs whose bytes do not match their digest, and truncated
// bodies.
type hostileRegistry struct {
	manifests map[string][]byte // "repo:tag" -> OCI manifest
	blobs     map[string][]byte // digest -> bytes served
	truncate  map[string]bool   // digest -> announce the full length, send half
}

func (h *hostileRegistry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, "/v2/")
	switch {
	case r.URL.Path == "/v2/":
		w.WriteHeader(200)
	case strings.Contains(p, "/manifests/"):
		i := strings.Index(p, "/manifests/")
		m, ok := h.manifests[p[:i]+":"+p[i+len("/manifests/"):]]
		if !ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(404)
			fmt.Fprint(w, `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
		w.Header().Set("Docker-Content-Digest", regSHA(m))
		w.Header().Set("Content-Length", fmt.Sprint(len(m)))
		if r.Method != "HEAD" {
			w.Write(m)
		}
	case strings.Contains(p, "/blobs/"):
		d := p[strings.Index(p, "/blobs/")+len("/blobs/"):]
		b, ok := h.blobs[d]
		if !ok {
			w.WriteHeader(404)
			return
		}
		w.Header().Set("Content-Length", fmt.Sprint(len(b)))
		if h.truncate[d] {
			w.Write(b[:len(b)/2])
			// Returning with fewer bytes than announced makes net/http
			// close the connection: the client sees a cut body.
			return
		}
		w.Write(b)
	default:
		w.WriteHeader(404)
	}
}

func (h *hostileRegistry) add(repoTag string, img testImage) {
	h.manifests[repoTag] = img.Manifest
	h.blobs[regSHA(img.Config)] = img.Config
	for _, l := range img.Layers {
		h.blobs[regSHA(l)] = l
	}
}

func TestRegistryHostileContent(t *testing.T) {
	t.Parallel()
	h := &hostileRegistry{manifests: map[string][]byte{}, blobs: map[string][]byte{}, truncate: map[string]bool{}}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	canary := t.TempDir() // nothing may ever appear in here
	hostile := func(hdrs ...*tar.Header) []byte {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for _, hd := range hdrs {
			tw.WriteHeader(hd)
			if hd.Size > 0 {
				tw.Write(bytes.Repeat([]byte("x"), int(hd.Size)))
			}
		}
		tw.Close()
		return buf.Bytes()
	}
	rel := strings.Repeat("../", 12) + strings.TrimPrefix(canary, "/")

	// A layer whose bytes do not match its digest.
	good := newTestImage(t, runtime.GOARCH, regTarOf(map[string]string{"f": "good\n"}))
	h.add("bad/digest:1", good)
	h.blobs[regSHA(good.Layers[0])] = regGzip(regTarOf(map[string]string{"f": "evil\n"}))
	// A blob cut short.
	trunc := newTestImage(t, runtime.GOARCH, regTarOf(map[string]string{"big": strings.Repeat("0123456789", 10000)}))
	h.add("bad/trunc:1", trunc)
	h.truncate[regSHA(trunc.Layers[0])] = true
	// Tar entries that try to leave the layer.
	h.add("bad/dotdot:1", newTestImage(t, runtime.GOARCH, busyboxLayer(t), hostile(
		&tar.Header{Typeflag: tar.TypeReg, Name: rel + "/dotdot", Mode: 0o644, Size: 3})))
	h.add("bad/hardlink:1", newTestImage(t, runtime.GOARCH, hostile(
		&tar.Header{Typeflag: tar.TypeLink, Name: "hl", Linkname: strings.Repeat("../", 12) + "etc/passwd"})))
	h.add("bad/symlink:1", newTestImage(t, runtime.GOARCH, busyboxLayer(t), hostile(
		&tar.Header{Typeflag: tar.TypeSymlink, Name: "abs", Linkname: canary, Mode: 0o777},
		&tar.Header{Typeflag: tar.TypeReg, Name: "abs/through-symlink", Mode: 0o644, Size: 4},
		&tar.Header{Typeflag: tar.TypeChar, Name: "evil-null", Mode: 0o666, Devmajor: 1, Devminor: 3},
		&tar.Header{Typeflag: tar.TypeBlock, Name: "evil-sda", Mode: 0o666, Devmajor: 8, Devminor: 0})))

	// Every case gets a fresh engine, so that "nothing stored" is exact.
	pull := func(ref string) (*Pier, Result) {
		p := regPier(t, false)
		return p, p.Run("pull", "--retry=0", "--tls-verify=false", host+"/"+ref)
	}
	nothingStored := func(p *Pier, what string) {
		t.Helper()
		if ids := p.ImageIDs(); len(ids) != 0 {
			t.Errorf("%s: images stored: %v", what, ids)
		}
		if n := p.StorageLayers(); n != 0 {
			t.Errorf("%s: %d layers stored", what, n)
		}
	}
	p, r := pull("bad/digest:1")
	p.ExpectRegistryError(r, "Digest did not match, expected "+regSHA(good.Layers[0]))
	nothingStored(p, "digest mismatch")
	p, r = pull("bad/trunc:1")
	p.ExpectRegistryError(r, "unexpected EOF")
	nothingStored(p, "truncated blob")
	// A hard link must name a file of the layer: one that climbs out is
	// resolved inside the layer's root, where its target does not exist.
	p, r = pull("bad/hardlink:1")
	p.ExpectRegistryError(r, "unpacking failed", "no such file or directory")
	nothingStored(p, "hard link out of the layer")

	// "../" entries are unpacked chrooted into the layer, so they land
	// inside it. An absolute symlink is kept as a symlink inside the
	// layer; writing through it lands inside the layer too, never on the
	// host. Device nodes are created inside the layer as
	// containers/storage does for root (podman's behaviour); the
	// runtime's device cgroup keeps them unusable in a container.
	p, r = pull("bad/dotdot:1")
	id := pullID(t, r)
	if got := p.MustRun("run", "--rm", id, "cat", canary+"/dotdot").Out(); got != "xxx" {
		t.Errorf("the ../ entry should have landed inside the layer: %q", got)
	}
	p, r = pull("bad/symlink:1")
	id = pullID(t, r)
	if ents, _ := os.ReadDir(canary); len(ents) != 0 {
		t.Errorf("a tar entry escaped the storage root into %s: %v", canary, ents)
	}
	if got := p.MustRun("run", "--rm", id, "cat", canary+"/through-symlink").Out(); got != "xxxx" {
		t.Errorf("the entry written through the symlink should be inside the image: %q", got)
	}
	if got := p.MustRun("run", "--rm", id, "readlink", "/abs").Out(); got != canary {
		t.Errorf("absolute symlink target: %q", got)
	}
}

// On a terminal, pull shows containers/image's per-layer progress bars
// (bytes and rate while running, "done" when finished), as podman.
func TestRegistryProgressOnTerminal(t *testing.T) {
	t.Parallel()
	reg := startRegistry(t, registryMode{})
	reg.PushImage("tty/bb", "1", newTestImage(t, runtime.GOARCH, busyboxLayer(t)))
	p := regPier(t, false)
	code, got := p.RunInPty(40, 120, "pull", "--tls-verify=false", reg.Host+"/tty/bb:1")
	if code != 0 || !regexp.MustCompile(`Copying blob [0-9a-f]{12} done`).MatchString(got) ||
		!strings.Contains(got, "Copying config") || !strings.Contains(got, "\x1b[") {
		t.Errorf("pull on a terminal: exit %d, output %q; want progress bars ending in \"done\"", code, got)
	}
}
