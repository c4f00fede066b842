package e2e

import (
	"encoding/json"
	"testing"
)

// manifestDigests lists the instance digests of a local manifest list.
func manifestDigests(t *testing.T, p *Pier, list string) []string {
	t.Helper()
	var idx struct {
		Manifests []struct{ Digest string }
	}
	if err := json.Unmarshal([]byte(p.MustRun("manifest", "inspect", list).Stdout), &idx); err != nil {
		t.Fatalf("manifest inspect %s: %v", list, err)
	}
	var out []string
	for _, m := range idx.Manifests {
		out = append(out, m.Digest)
	}
	return out
}

// `manifest remove` drops one instance from a list and keeps the list and
// the image; podman's errors for a missing instance, a bad digest and an
// image that is not a list.
func TestManifestRemoveInstance(t *testing.T) {
	p := newPier(t)
	id := p.MustRun("manifest", "create", "ml", Image).Out()
	ds := manifestDigests(t, p, "ml")
	if len(ds) != 1 {
		t.Fatalf("want one instance, got %v", ds)
	}
	if got := p.MustRun("manifest", "remove", "ml", ds[0]).Out(); got != id {
		t.Errorf("manifest remove printed %q, want the list ID %q", got, id)
	}
	if left := manifestDigests(t, p, "ml"); len(left) != 0 {
		t.Errorf("instance still listed after remove: %v", left)
	}
	p.MustRun("image", "exists", Image)
	p.ExpectEngineError(p.Run("manifest", "remove", "ml", ds[0]),
		`removing from manifest list ml: no instance matching digest "`+ds[0]+`" found in manifest list`)
	p.ExpectEngineError(p.Run("manifest", "remove", "ml", "abc"), `invalid image digest "abc"`)
	p.ExpectEngineError(p.Run("manifest", "remove", Image, ds[0]), "image is not a manifest list")
	p.ExpectEngineError(p.Run("manifest", "remove", "ml"), "accepts 2 arg(s), received 1")
}
