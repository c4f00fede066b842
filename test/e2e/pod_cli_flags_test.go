package e2e

import (
	"path/filepath"
	"strings"
	"testing"
)

// pod start/stop --pod-id-file (the pod's name printed back, as podman),
// pod ps --ns with the container count, pod stats' heading over a plain
// template.
func TestPodCLIFlags(t *testing.T) {
	p := newPier(t)
	idFile := filepath.Join(t.TempDir(), "pod.id")
	p.MustRun("pod", "create", "--name", "idp", "--pod-id-file", idFile)
	if got := p.MustRun("pod", "start", "--pod-id-file", idFile).Out(); got != "idp" {
		t.Fatalf("pod start --pod-id-file printed %q", got)
	}
	p.MustRun("run", "-d", "--pod", "idp", "--name", "m", Image, "sleep", "100")
	if got := p.MustRun("pod", "ps", "--ns").Lines(); len(got) != 2 || !strings.HasSuffix(got[0], "NAMESPACES  # OF CONTAINERS") || !strings.HasSuffix(got[1], " 2") {
		t.Fatalf("pod ps --ns: %q", got)
	}
	if got := p.MustRun("pod", "stats", "--no-stream", "--format", "{{.Name}}", "idp").Lines(); len(got) != 3 || got[0] != "NAME" || got[2] != "m" {
		t.Fatalf("pod stats --format: %q", got)
	}
	if got := p.MustRun("pod", "stop", "-t", "0", "--pod-id-file", idFile).Out(); got != "idp" {
		t.Fatalf("pod stop --pod-id-file printed %q", got)
	}
	if st := p.Status("m"); st != "exited" {
		t.Fatalf("member after pod stop --pod-id-file: %s", st)
	}
	p.ExpectEngineError(p.Expect(125, "pod", "stop", "--pod-id-file", filepath.Join(t.TempDir(), "none")), "reading pod ID file")
	if r := p.Expect(125, "pod", "restart", "-t", "1", "idp"); !strings.HasPrefix(r.Stderr, "Error: unknown shorthand flag: 't' in -t") {
		t.Fatalf("pod restart -t (podman 5 has no -t there): %s", r)
	}
}
