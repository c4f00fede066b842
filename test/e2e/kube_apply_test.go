package e2e

import (
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	v1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// apiRequest is what the stand-in API server received.
type apiRequest struct {
	Method, Path, ContentType string
	Body                      []byte
}

// fakeAPIServer is a real TLS server on 127.0.0.1 answering like a
// Kubernetes API server's create (201), or with status for every request.
func fakeAPIServer(t *testing.T, status int) (*httptest.Server, func() []apiRequest) {
	t.Helper()
	var mu sync.Mutex
	var got []apiRequest
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, apiRequest{r.Method, r.URL.Path, r.Header.Get("Content-Type"), b})
		mu.Unlock()
		w.WriteHeader(status)
		if status >= 300 {
			fmt.Fprint(w, `{"kind":"Status","message":"pods \"x\" already exists","reason":"AlreadyExists","code":409}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, func() []apiRequest {
		mu.Lock()
		defer mu.Unlock()
		return append([]apiRequest(nil), got...)
	}
}

// writeKubeconfig writes a kubeconfig naming srv; with caData its CA is
// inlined, else left to --ca-cert-file (written next to it).
func writeKubeconfig(t *testing.T, srv *httptest.Server, caData bool) (kubeconfig, caFile string) {
	t.Helper()
	dir := t.TempDir()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	caFile = filepath.Join(dir, "ca.crt")
	if err := os.WriteFile(caFile, ca, 0o644); err != nil {
		t.Fatal(err)
	}
	cluster := map[string]any{"server": srv.URL}
	if caData {
		cluster["certificate-authority-data"] = ca // []byte: base64 in the YAML
	}
	kc := map[string]any{"apiVersion": "v1", "kind": "Config",
		"clusters": []any{map[string]any{"name": "c", "cluster": cluster}},
		"users":    []any{map[string]any{"name": "u", "user": map[string]any{}}},
		"contexts": []any{map[string]any{"name": "x", "context": map[string]any{"cluster": "c", "user": "u"}}}}
	b, err := yaml.Marshal(kc)
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return kubeconfig, caFile
}

// kube apply of containers and a volume POSTs what kube generate makes of
// them, claims and Services before the Pod, under the namespace asked.
func TestKubeApplyGenerated(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	srv, requests := fakeAPIServer(t, http.StatusCreated)
	kc, _ := writeKubeconfig(t, srv, true)
	p.MustRun("volume", "create", "appvol")
	p.MustRun("create", "--name", "app", "-p", "8080:80", "-v", "appvol:/data", Image, "sleep", "100")
	out := p.MustRun("kube", "apply", "--kubeconfig", kc, "--ns", "proj", "-s", "app", "appvol").Out()
	if out != "Deploying to cluster...\nSuccessfully deployed workloads to cluster!" {
		t.Errorf("output %q", out)
	}
	got := requests()
	want := []string{"/api/v1/namespaces/proj/services", "/api/v1/namespaces/proj/persistentvolumeclaims", "/api/v1/namespaces/proj/pods"}
	if len(got) != len(want) {
		t.Fatalf("requests %+v", got)
	}
	for i, r := range got {
		if r.Method != http.MethodPost || r.Path != want[i] || r.ContentType != "application/yaml" {
			t.Errorf("request %d: %s %s %s", i, r.Method, r.Path, r.ContentType)
		}
	}
	var pod v1.Pod
	if err := yaml.UnmarshalStrict(got[2].Body, &pod); err != nil || pod.Name != "app-pod" || pod.Spec.Containers[0].Image != Image {
		t.Errorf("pod body %v: %s", err, got[2].Body)
	}
	var pvc v1.PersistentVolumeClaim
	if err := yaml.UnmarshalStrict(got[1].Body, &pvc); err != nil || pvc.Name != "appvol" {
		t.Errorf("claim body %v: %s", err, got[1].Body)
	}
	p.MustRun("rm", "app")
	p.MustRun("volume", "rm", "appvol")
}

// kube apply -f posts the file's objects to the "default" namespace,
// trusting --ca-cert-file; the server's refusal is the command's error;
// unsupported kinds and missing flags are refused before any request.
func TestKubeApplyFile(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	srv, requests := fakeAPIServer(t, http.StatusCreated)
	kc, ca := writeKubeconfig(t, srv, false)
	f := writeKube(t, "a.yaml", sleepPod("applied", ""))
	p.MustRun("kube", "apply", "-k", kc, "--ca-cert-file", ca, "-f", f)
	if got := requests(); len(got) != 1 || got[0].Path != "/api/v1/namespaces/default/pods" || !strings.Contains(string(got[0].Body), "name: applied") {
		t.Errorf("requests %+v", got)
	}
	r := p.Expect(125, "kube", "apply", "-k", kc, "-f", f)
	if !strings.Contains(r.Stderr, "certificate") {
		t.Errorf("untrusted server: %s", r)
	}
	bad, _ := fakeAPIServer(t, http.StatusConflict)
	kc2, _ := writeKubeconfig(t, bad, true)
	r = p.Expect(125, "kube", "apply", "-k", kc2, "-f", f)
	p.ExpectEngineError(r, `already exists`)
	dep := writeKube(t, "d.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n")
	r = p.Expect(125, "kube", "apply", "-k", kc, "--ca-cert-file", ca, "-f", dep)
	p.ExpectEngineError(r, `unsupported Kubernetes kind found: "Deployment"`)
	r = p.RunWith(RunOpts{Env: []string{"KUBECONFIG="}}, "kube", "apply", "-f", f)
	p.ExpectEngineError(r, "kubeconfig not given, unable to connect to cluster")
	r = p.Expect(125, "kube", "apply", "-k", kc, "-s", "-f", f)
	p.ExpectEngineError(r, "cannot set --service and --file at the same time")
	if n := len(requests()); n != 1 {
		t.Errorf("%d requests after the refusals, want 1", n)
	}
}
