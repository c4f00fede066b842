package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// kube generate describes a container as podman does: a Pod named after
// it, with what differs from the image, its bind mount as hostPath and its
// named volume as a claim; the volume itself as a PersistentVolumeClaim.
func TestKubeGenerate(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("volume", "create", "vol1")
	host := t.TempDir()
	p.MustRun("create", "--name", "web", "-e", "FOO=bar", "-v", "vol1:/data", "-v", host+":/hosttmp:ro",
		"-w", "/tmp", "--user", "1000", Image, "sleep", "1000")
	out := p.MustRun("kube", "generate", "web", "vol1").Stdout
	for _, want := range []string{"# Created with pier-", "kind: PersistentVolumeClaim\n", "volume.podman.io/driver: local",
		"kind: Pod\n", "  name: web-pod\n", "    - sleep\n", "    - name: FOO\n      value: bar\n", "runAsUser: 1000",
		"workingDir: /tmp", "claimName: vol1", "path: " + host, "name: " + strings.ToLower(strings.ReplaceAll(strings.Trim(host, "/"), "/", "-")) + "-host-0"} {
		if !strings.Contains(out, want) {
			t.Errorf("generate lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "PATH") || strings.Contains(out, "resources: {}") {
		t.Errorf("generate has defaults:\n%s", out)
	}
	svc := p.MustRun("generate", "kube", "--service", "web").Stdout
	if !strings.Contains(svc, "kind: Service\n") || !strings.Contains(svc, "type: NodePort") {
		t.Errorf("--service:\n%s", svc)
	}
	f := filepath.Join(t.TempDir(), "out.yaml")
	p.MustRun("kube", "generate", "-f", f, "web")
	if b, err := os.ReadFile(f); err != nil || !strings.Contains(string(b), "kind: Pod") {
		t.Errorf("-f: %q %v", b, err)
	}
	r := p.Expect(125, "kube", "generate", "-f", f, "web")
	if !strings.Contains(r.Stderr, "file exists") {
		t.Errorf("-f over a file: %s", r)
	}
	r = p.Expect(125, "kube", "generate", "nosuch")
	if !strings.Contains(r.Stderr, `Error: name or ID "nosuch" not found`) {
		t.Errorf("missing object: %s", r)
	}
	p.MustRun("rm", "web")
	p.MustRun("volume", "rm", "vol1")
}
