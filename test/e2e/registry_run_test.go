package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run and create pull a missing image (--pull missing is the default),
// honour --pull never/always, and a present image costs no request.
func TestRegistryRunPullsMissingImage(t *testing.T) {
	t.Parallel()
	reg := startRegistry(t, registryMode{})
	src := regPier(t, true)
	ref := reg.Host + "/pier/runme:1"
	src.MustRun("push", "--tls-verify=false", Image, ref)

	p := regPier(t, false)
	p.ExpectRegistryError(p.Run("run", "--rm", "--pull", "never", ref, "true"), "image not known")
	if ids := p.PsIDs(); len(ids) != 0 {
		t.Fatalf("--pull never with a missing image created %d containers", len(ids))
	}

	r := p.MustRun("run", "--rm", "--tls-verify=false", ref, "echo", "pulled-and-ran")
	if strings.TrimSpace(r.Stdout) != "pulled-and-ran" {
		t.Fatalf("run should pull then run: %s", r)
	}
	if !strings.Contains(r.Stderr, "Trying to pull "+ref) {
		t.Errorf("run should report the pull on stderr: %s", r)
	}
	if out := p.MustRun("images", "-q", ref).Out(); out == "" {
		t.Fatalf("the pulled image is not stored")
	}

	mark := reg.Mark()
	r = p.MustRun("run", "--rm", "--tls-verify=false", ref, "true")
	if reqs := reg.Since(mark); len(reqs) != 0 {
		t.Errorf("--pull missing with a local image must not touch the registry: %v", reqs)
	}
	if strings.Contains(r.Stderr, "Trying to pull") {
		t.Errorf("no pull expected: %s", r)
	}

	mark = reg.Mark()
	p.MustRun("create", "--pull", "always", "--tls-verify=false", ref, "true")
	if reqs := reg.Since(mark); len(reqs) == 0 {
		t.Errorf("--pull always must ask the registry")
	}
}

// A re-pull (policy always) of an image the registry still serves as we
// store it downloads no blob, yet the signature policy is still enforced.
func TestRegistryWarmRepull(t *testing.T) {
	t.Parallel()
	reg := startRegistry(t, registryMode{})
	src := regPier(t, true)
	ref := reg.Host + "/pier/warm:1"
	src.MustRun("push", "--tls-verify=false", Image, ref)

	p := regPier(t, false)
	first := pullID(t, p.MustRun("pull", "--tls-verify=false", ref))
	// The blob-info cache belongs to this root, not to the host's
	// /var/lib/containers/cache.
	if ents, err := os.ReadDir(filepath.Join(p.Root, "cache")); err != nil || len(ents) == 0 {
		t.Errorf("pull should keep its blob-info cache under --root: %v", err)
	}
	mark := reg.Mark()
	again := pullID(t, p.MustRun("pull", "--tls-verify=false", ref))
	if again != first {
		t.Errorf("re-pull gave %s, first pull %s", again, first)
	}
	for _, req := range reg.Since(mark) {
		if strings.Contains(req, "/blobs/") {
			t.Errorf("warm re-pull fetched a blob: %s", req)
		}
	}
	p.WritePolicy(`{"default":[{"type":"reject"}]}`)
	p.ExpectRegistryError(p.Run("pull", "--tls-verify=false", ref), "rejected")
}
