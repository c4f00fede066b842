package e2e

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// This file runs the real CNCF distribution registry (Debian's
// docker-registry) for the registry tests, and builds test images by
// talking the registry HTTP API directly, so that fixtures never depend on
// the pier code under test.

// registryMode selects how a test registry is served.
type registryMode struct {
	TLS  bool // HTTPS with a certificate from a CA generated per registry
	Auth bool // htpasswd basic auth (user "pier", password "s3cret")
}

// testRegistry is one running docker-registry.
type testRegistry struct {
	t       *testing.T
	Host    string // 127.0.0.1:port
	CertDir string // for --cert-dir: holds ca.crt (TLS mode)
	User    string
	Pass    string
	scheme  string
	client  *http.Client
	out     *safeBuffer // the registry's log, including its access log
}

const (
	registryUser = "pier"
	registryPass = "s3cret"
)

// startRegistry starts docker-registry on a free port of 127.0.0.1 with a
// generated configuration and filesystem storage in a temporary
// directory, and stops it at the end of the test. A missing binary fails
// the test naming the Debian package.
func startRegistry(t *testing.T, mode registryMode) *testRegistry {
	t.Helper()
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		if _, serr := os.Stat("/usr/bin/docker-registry"); serr != nil {
			t.Fatalf("docker-registry not found in PATH nor at /usr/bin/docker-registry: apt-get install docker-registry")
		}
		bin = "/usr/bin/docker-registry"
	}
	dir := t.TempDir()
	r := &testRegistry{t: t, scheme: "http", out: &safeBuffer{}}
	tr := &http.Transport{}
	r.client = &http.Client{Transport: tr, Timeout: time.Minute}
	var tlsConf, authConf string
	if mode.TLS {
		caPEM, certFile, keyFile := writeTestCerts(t, dir)
		r.CertDir = filepath.Join(dir, "client-certs")
		if err := os.MkdirAll(r.CertDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(r.CertDir, "ca.crt"), caPEM, 0o644); err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(caPEM)
		tr.TLSClientConfig = &tls.Config{RootCAs: pool}
		r.scheme = "https"
		tlsConf = fmt.Sprintf("  tls:\n    certificate: %s\n    key: %s\n", certFile, keyFile)
	}
	if mode.Auth {
		hash, err := bcrypt.GenerateFromPassword([]byte(registryPass), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		htpasswd := filepath.Join(dir, "htpasswd")
		if err := os.WriteFile(htpasswd, []byte(registryUser+":"+string(hash)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		r.User, r.Pass = registryUser, registryPass
		authConf = fmt.Sprintf("auth:\n  htpasswd:\n    realm: pier-test\n    path: %s\n", htpasswd)
	}
	var cmd *exec.Cmd
	for attempt := 0; ; attempt++ {
		r.Host = regFreeAddr(t)
		conf := fmt.Sprintf("version: 0.1\nlog:\n  level: warn\n  formatter: text\n"+
			"storage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\n"+
			"http:\n  addr: %s\n  secret: pier-e2e\n%s%s",
			filepath.Join(dir, "data"), r.Host, tlsConf, authConf)
		confPath := filepath.Join(dir, "config.yml")
		if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		r.out.Reset()
		cmd = exec.Command(bin, "serve", confPath)
		cmd.Stdout, cmd.Stderr = r.out, r.out
		if err := cmd.Start(); err != nil {
			t.Fatalf("starting docker-registry: %v", err)
		}
		if r.waitReady(cmd, 15*time.Second) {
			break
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		// Another process may have taken the port between probe and
		// start: try a new one a few times.
		if attempt == 2 {
			t.Fatalf("docker-registry did not become ready on %s:\n%s", r.Host, r.out.String())
		}
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("docker-registry log:\n%s", regTail(r.out.String(), 15))
		}
	})
	return r
}

func (r *testRegistry) waitReady(cmd *exec.Cmd, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		resp, err := r.client.Get(r.url("/v2/"))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 || resp.StatusCode == 401 {
				return true
			}
		}
		if cmd.ProcessState != nil {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

func (r *testRegistry) url(path string) string { return r.scheme + "://" + r.Host + path }

// freeAddr returns a 127.0.0.1 address with a port free right now.
func regFreeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// writeTestCerts writes a CA and a server certificate for 127.0.0.1 and
// returns the CA in PEM and the server certificate and key paths.
func writeTestCerts(t *testing.T, dir string) ([]byte, string, string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "pier e2e CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(srvKey)
	if err != nil {
		t.Fatal(err)
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	certFile, keyFile := filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srvDER}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return caPEM, certFile, keyFile
}

func regTail(s string, n int) string {
	l := strings.Split(s, "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

var accessRe = regexp.MustCompile(`"(GET|HEAD|PUT|POST|PATCH|DELETE) (/v2/[^ ]*) HTTP/`)

// Requests returns "METHOD /path" for every request in the registry's
// access log so far, once the log is quiet (the registry writes a line
// after the response, so a line may land just after pier exited).
func (r *testRegistry) Requests() []string {
	var prev string
	for i := 0; i < 20; i++ {
		cur := r.out.String()
		if cur == prev && i > 0 {
			break
		}
		prev = cur
		time.Sleep(25 * time.Millisecond)
	}
	var reqs []string
	for _, m := range accessRe.FindAllStringSubmatch(prev, -1) {
		reqs = append(reqs, m[1]+" "+m[2])
	}
	return reqs
}

// Mark returns the number of requests so far; Since returns the requests
// after a mark.
func (r *testRegistry) Mark() int { return len(r.Requests()) }

func (r *testRegistry) Since(mark int) []string { return r.Requests()[mark:] }

// blobGets counts blob downloads among reqs.
func blobGets(reqs []string) []string {
	var out []string
	for _, q := range reqs {
		if strings.HasPrefix(q, "GET ") && strings.Contains(q, "/blobs/sha256:") {
			out = append(out, q)
		}
	}
	return out
}

// testImage is an OCI image built in memory.
type testImage struct {
	Manifest, Config []byte
	Digest           string   // manifest digest
	Layers           [][]byte // gzip-compressed
	Arch             string
}

func regSHA(b []byte) string { return fmt.Sprintf("sha256:%x", sha256.Sum256(b)) }

func regGzip(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// tarOf builds an uncompressed layer with the given regular files.
func regTarOf(files map[string]string) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mtime := time.Unix(1700000000, 0)
	for name, content := range files {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(content)), ModTime: mtime})
		tw.Write([]byte(content))
	}
	tw.Close()
	return buf.Bytes()
}

// busyboxLayer is the hermetic busybox rootfs as an uncompressed layer.
func busyboxLayer(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(imageTar)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newTestImage builds an OCI image of the given uncompressed layers for
// linux/arch.
func newTestImage(t *testing.T, arch string, layers ...[]byte) testImage {
	t.Helper()
	img := testImage{Arch: arch}
	var diffIDs []string
	type desc struct {
		MediaType string `json:"mediaType"`
		Digest    string `json:"digest"`
		Size      int    `json:"size"`
	}
	var lds []desc
	for _, l := range layers {
		diffIDs = append(diffIDs, regSHA(l))
		c := regGzip(l)
		img.Layers = append(img.Layers, c)
		lds = append(lds, desc{"application/vnd.oci.image.layer.v1.tar+gzip", regSHA(c), len(c)})
	}
	cfg := map[string]any{
		"architecture": arch, "os": "linux", "created": "2024-01-01T00:00:00Z",
		"config": map[string]any{"Cmd": []string{"/bin/sh"}, "Env": []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}},
		"rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs},
	}
	var err error
	if img.Config, err = json.Marshal(cfg); err != nil {
		t.Fatal(err)
	}
	m := map[string]any{
		"schemaVersion": 2,
		"mediaType":     "application/vnd.oci.image.manifest.v1+json",
		"config":        desc{"application/vnd.oci.image.config.v1+json", regSHA(img.Config), len(img.Config)},
		"layers":        lds,
	}
	if img.Manifest, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	img.Digest = regSHA(img.Manifest)
	return img
}

func (r *testRegistry) do(req *http.Request) (*http.Response, error) {
	if r.User != "" {
		req.SetBasicAuth(r.User, r.Pass)
	}
	return r.client.Do(req)
}

// PutBlob uploads a blob (monolithic upload).
func (r *testRegistry) PutBlob(repo string, blob []byte) {
	r.t.Helper()
	req, _ := http.NewRequest("POST", r.url("/v2/"+repo+"/blobs/uploads/"), nil)
	resp, err := r.do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		r.t.Fatalf("starting upload to %s: %s", repo, resp.Status)
	}
	loc := resp.Header.Get("Location")
	if !strings.HasPrefix(loc, "http") {
		loc = r.url(loc)
	}
	sep := "?"
	if strings.Contains(loc, "?") {
		sep = "&"
	}
	req, _ = http.NewRequest("PUT", loc+sep+"digest="+regSHA(blob), bytes.NewReader(blob))
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err = r.do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		r.t.Fatalf("uploading blob to %s: %s", repo, resp.Status)
	}
}

// PutManifest stores a manifest or index under ref (a tag or digest).
func (r *testRegistry) PutManifest(repo, ref, mediaType string, body []byte) {
	r.t.Helper()
	req, _ := http.NewRequest("PUT", r.url("/v2/"+repo+"/manifests/"+ref), bytes.NewReader(body))
	req.Header.Set("Content-Type", mediaType)
	resp, err := r.do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		r.t.Fatalf("putting manifest %s:%s: %s %s", repo, ref, resp.Status, msg)
	}
}

// PushImage uploads img's blobs and tags its manifest.
func (r *testRegistry) PushImage(repo, tag string, img testImage) {
	r.t.Helper()
	for _, l := range img.Layers {
		r.PutBlob(repo, l)
	}
	r.PutBlob(repo, img.Config)
	r.PutManifest(repo, tag, "application/vnd.oci.image.manifest.v1+json", img.Manifest)
}

// PushIndex uploads the images and an OCI index of them under tag, and
// returns the index digest.
func (r *testRegistry) PushIndex(repo, tag string, imgs ...testImage) string {
	r.t.Helper()
	var ms []map[string]any
	for _, img := range imgs {
		r.PushImage(repo, img.Digest, img)
		ms = append(ms, map[string]any{
			"mediaType": "application/vnd.oci.image.manifest.v1+json",
			"digest":    img.Digest, "size": len(img.Manifest),
			"platform": map[string]string{"architecture": img.Arch, "os": "linux"},
		})
	}
	idx, _ := json.Marshal(map[string]any{
		"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": ms,
	})
	r.PutManifest(repo, tag, "application/vnd.oci.image.index.v1+json", idx)
	return regSHA(idx)
}

// Manifest returns the digest the registry reports for repo:ref.
func (r *testRegistry) ManifestDigest(repo, ref string) string {
	r.t.Helper()
	req, _ := http.NewRequest("HEAD", r.url("/v2/"+repo+"/manifests/"+ref), nil)
	req.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json")
	resp, err := r.do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		r.t.Fatalf("HEAD manifest %s:%s: %s", repo, ref, resp.Status)
	}
	return resp.Header.Get("Docker-Content-Digest")
}

// regPier is a fresh engine whose credentials go to a file of its own
// (never the host's /run/containers/0/auth.json).
func regPier(t *testing.T, withImage bool) *Pier {
	t.Helper()
	var p *Pier
	if withImage {
		p = newPier(t)
	} else {
		p = newPierNoImage(t)
	}
	p.Env = append(p.Env, "REGISTRY_AUTH_FILE="+p.AuthFile())
	return p
}

// AuthFile is the test's auth.json.
func (p *Pier) AuthFile() string { return filepath.Join(p.Dir, "auth.json") }

// WriteRegistriesConf replaces the test's registries.conf.
func (p *Pier) WriteRegistriesConf(content string) {
	p.t.Helper()
	if err := os.WriteFile(filepath.Join(p.Dir, "registries.conf"), []byte(content), 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// WritePolicy replaces the test's policy.json.
func (p *Pier) WritePolicy(content string) {
	p.t.Helper()
	if err := os.WriteFile(filepath.Join(p.Dir, "policy.json"), []byte(content), 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// ImageIDs lists the full IDs of all local images.
func (p *Pier) ImageIDs() []string {
	p.t.Helper()
	var ids []string
	for _, l := range p.MustRun("images", "-aq", "--no-trunc").Lines() {
		ids = append(ids, strings.TrimPrefix(strings.TrimSpace(l), "sha256:"))
	}
	return ids
}

// StorageLayers counts the layers in containers/storage (overlay driver).
func (p *Pier) StorageLayers() int {
	p.t.Helper()
	b, err := os.ReadFile(filepath.Join(p.Root, "overlay-layers", "layers.json"))
	if os.IsNotExist(err) {
		return 0
	}
	if err != nil {
		p.t.Fatal(err)
	}
	var layers []any
	if err := json.Unmarshal(b, &layers); err != nil {
		p.t.Fatalf("parsing layers.json: %v", err)
	}
	return len(layers)
}
