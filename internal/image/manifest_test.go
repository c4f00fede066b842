package image

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	digest "github.com/opencontainers/go-digest"
	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/copy"
	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/image/v5/oci/layout"
	"go.podman.io/storage"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

func parseIndex(t *testing.T, blob []byte) ([]ociv1.Descriptor, string) {
	t.Helper()
	mt := manifest.GuessMIMEType(blob)
	descs, _, err := parseListBlob(blob, mt)
	if err != nil {
		t.Fatalf("parsing list %s: %v", blob, err)
	}
	return descs, mt
}

func TestManifestLocal(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	amd := importBusybox(t, s, "mybox")
	id, err := s.ManifestCreate(ctx, "mylist", nil, ManifestAddOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Stored as podman stores lists: an image without layers whose
	// "manifest" item is the list, plus instances.json.
	simg, err := s.store.Image("localhost/mylist:latest")
	if err != nil || simg.ID != id || simg.TopLayer != "" {
		t.Fatalf("list image: %+v %v", simg, err)
	}
	blob, err := s.ManifestInspect(ctx, "mylist", RegistryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if descs, mt := parseIndex(t, blob); mt != manifest.DockerV2ListMediaType || len(descs) != 0 || !strings.Contains(string(blob), `"manifests":[]`) {
		t.Errorf("empty list: %s", blob)
	}
	if _, err := s.ManifestCreate(ctx, "mylist", nil, ManifestAddOptions{}); !errors.Is(err, errdefs.ErrConflict) {
		t.Errorf("second create with the same name: %v", err)
	}

	listID, d, err := s.ManifestAdd(ctx, "mylist", "mybox", ManifestAddOptions{Annotations: []string{"k=v"}})
	if err != nil {
		t.Fatal(err)
	}
	if listID != id || d.String() != amd.Digest {
		t.Errorf("add: list %s digest %s, want %s %s", listID, d, id, amd.Digest)
	}
	if _, err := s.ManifestAnnotate(ctx, "mylist", d.String(), ManifestAnnotateOptions{Arch: "arm64", Variant: "v8", OSFeatures: []string{"f1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ManifestAnnotate(ctx, "mylist", "", ManifestAnnotateOptions{Index: true, Annotations: []string{"idx=1"}}); err != nil {
		t.Fatal(err)
	}
	blob, _ = s.ManifestInspect(ctx, "mylist", RegistryOptions{})
	descs, mt := parseIndex(t, blob)
	if mt != ociv1.MediaTypeImageIndex || len(descs) != 1 {
		t.Fatalf("list after add: %s", blob)
	}
	p := descs[0].Platform
	if descs[0].Digest.String() != amd.Digest || p.OS != "linux" || p.Architecture != "arm64" || p.Variant != "v8" ||
		!slices.Equal(p.OSFeatures, []string{"f1"}) || descs[0].Annotations["k"] != "v" || !strings.Contains(string(blob), `"idx":"1"`) {
		t.Errorf("instance: %s", blob)
	}
	raw, err := s.store.ImageBigData(id, mlistInstancesKey)
	if err != nil {
		t.Fatal(err)
	}
	var inst map[digest.Digest]string
	if err := json.Unmarshal(raw, &inst); err != nil || !strings.HasPrefix(inst[d], "containers-storage:") || !strings.HasSuffix(inst[d], amd.ID) {
		t.Errorf("instances.json: %s %v", raw, err)
	}
	// Re-adding replaces the entry.
	if _, _, err := s.ManifestAdd(ctx, "mylist", "containers-storage:"+amd.ID, ManifestAddOptions{}); err != nil {
		t.Fatal(err)
	}
	blob, _ = s.ManifestInspect(ctx, "mylist", RegistryOptions{})
	if descs, _ = parseIndex(t, blob); len(descs) != 1 || descs[0].Platform.Architecture != "amd64" {
		t.Errorf("re-add: %s", blob)
	}

	if ok, err := s.ManifestExists(ctx, "mylist"); !ok || err != nil {
		t.Errorf("exists mylist: %v %v", ok, err)
	}
	for _, n := range []string{"mybox", "nosuch"} {
		if ok, err := s.ManifestExists(ctx, n); ok || err != nil {
			t.Errorf("exists %s: %v %v", n, ok, err)
		}
	}
	if _, _, err := s.ManifestAdd(ctx, "mybox", "mybox", ManifestAddOptions{}); !errors.Is(err, ErrNotAManifestList) ||
		err.Error() != "localhost/mybox:latest: image is not a manifest list" {
		t.Errorf("add to an image: %v", err)
	}
	if _, err := s.ManifestAnnotate(ctx, "mylist", "sha256:"+strings.Repeat("0", 64), ManifestAnnotateOptions{Arch: "x"}); !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("annotate a missing instance: %v", err)
	}
	if _, err := s.ManifestAnnotate(ctx, "mylist", "sha256:", ManifestAnnotateOptions{}); !errors.Is(err, errdefs.ErrInvalidArgument) {
		t.Errorf("annotate a bad digest: %v", err)
	}

	untagged, deleted, err := s.ManifestRemove(ctx, []string{"mylist", "mybox", "nosuch"})
	if !slices.Equal(untagged, []string{"localhost/mylist:latest"}) || !slices.Equal(deleted, []string{id}) ||
		!errors.Is(err, ErrNotAManifestList) || !errors.Is(err, define.ErrNoSuchImage) {
		t.Errorf("rm: %v %v %v", untagged, deleted, err)
	}
	if _, err := s.store.Image(amd.ID); err != nil {
		t.Errorf("removing the list removed its instance: %v", err)
	}
	if _, err := s.store.Image(id); !errors.Is(err, storage.ErrImageUnknown) {
		t.Errorf("list image still stored: %v", err)
	}
}

// TestManifestPushRegistry builds a two-platform list from a local image
// and an image that is only in the registry, pushes it with all its
// instances to a real registry, and reads everything back.
func TestManifestPushRegistry(t *testing.T) {
	reg := startExtrasRegistry(t)
	s := newTestStore(t)
	ctx := context.Background()
	no := false
	ro := RegistryOptions{TLSVerify: &no}

	amd := buildLayeredImage(t, s, "multi-amd64", "amd64", "", []testLayer{{"ADD", busyboxTar(t)}})
	arm := buildLayeredImage(t, s, "multi-arm64", "arm64", "v8", []testLayer{
		{"ADD", busyboxTar(t)},
		{"RUN", buildTar(t, []tarEntry{{name: "arm", typ: '0', body: []byte("arm"), mode: 0o644}})},
	})
	pushForTest(t, s, arm, reg+"/src/arm:1")

	if _, err := s.ManifestCreate(ctx, "multi", []string{"multi-amd64"}, ManifestAddOptions{Registry: ro}); err != nil {
		t.Fatal(err)
	}
	_, armDigest, err := s.ManifestAdd(ctx, "multi", "docker://"+reg+"/src/arm:1", ManifestAddOptions{Registry: ro, Annotations: []string{"a=b"}})
	if err != nil {
		t.Fatal(err)
	}
	blob, err := s.ManifestInspect(ctx, "multi", RegistryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	descs, _ := parseIndex(t, blob)
	if len(descs) != 2 || descs[0].Digest.String() != amd.Digest || descs[1].Digest != armDigest ||
		descs[1].Platform.Architecture != "arm64" || descs[1].Platform.Variant != "v8" || descs[0].Platform.Architecture != "amd64" {
		t.Fatalf("list: %s", blob)
	}

	// Adding a registry list without --all takes the host's instance; with
	// --all every instance.
	if _, err := s.ManifestPush(ctx, "multi", reg+"/pushed/multi:1", ManifestPushOptions{All: true, Registry: ro}); err != nil {
		t.Fatal(err)
	}
	pushed := fetchManifest(t, s, reg+"/pushed/multi:1", nil)
	pdescs, _ := parseIndex(t, pushed)
	if len(pdescs) != 2 {
		t.Fatalf("pushed list: %s", pushed)
	}
	archs := map[string]digest.Digest{}
	for _, d := range pdescs {
		archs[d.Platform.Architecture+d.Platform.Variant] = d.Digest
		// Every instance is in the pushed repository.
		m := fetchManifest(t, s, reg+"/pushed/multi:1", &d.Digest)
		if got := digest.FromBytes(m); got != d.Digest {
			t.Errorf("instance %s served as %s", d.Digest, got)
		}
	}
	if archs["arm64v8"] != armDigest || archs["amd64"] == "" {
		t.Errorf("pushed platforms: %v", archs)
	}
	if pdescs[1].Annotations["a"] != "b" {
		t.Errorf("annotation lost on push: %s", pushed)
	}
	// All blobs made it: copy the whole list out of the registry.
	copyListOut(t, s, reg+"/pushed/multi:1")

	// Both instances again, from a registry list this time, converted
	// to Docker schema 2 on push.
	if _, err := s.ManifestCreate(ctx, "fromreg", nil, ManifestAddOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.ManifestAdd(ctx, "fromreg", reg+"/pushed/multi:1", ManifestAddOptions{Registry: ro, All: true}); err != nil {
		t.Fatal(err)
	}
	blob, _ = s.ManifestInspect(ctx, "fromreg", RegistryOptions{})
	if descs, _ = parseIndex(t, blob); len(descs) != 2 {
		t.Fatalf("add --all of a registry list: %s", blob)
	}
	if _, err := s.ManifestPush(ctx, "fromreg", "docker://"+reg+"/pushed/v2s2:1", ManifestPushOptions{All: true, Format: "v2s2", Registry: ro}); err != nil {
		t.Fatal(err)
	}
	pushed = fetchManifest(t, s, reg+"/pushed/v2s2:1", nil)
	pdescs, _ = parseIndex(t, pushed)
	for _, d := range pdescs {
		if d.MediaType != manifest.DockerV2Schema2MediaType {
			t.Errorf("instance not converted to v2s2: %s", pushed)
		}
	}
	copyListOut(t, s, reg+"/pushed/v2s2:1")

	if _, err := s.ManifestCreate(ctx, "one", []string{reg + "/pushed/multi:1"}, ManifestAddOptions{Registry: ro}); err != nil {
		t.Fatal(err)
	}
	blob, _ = s.ManifestInspect(ctx, "one", RegistryOptions{})
	if descs, _ = parseIndex(t, blob); len(descs) != 1 || descs[0].Platform.Architecture != "amd64" {
		t.Errorf("add of a list without --all: %s", blob)
	}

	// inspect falls back to the registry for a name that is not local.
	blob, err = s.ManifestInspect(ctx, reg+"/pushed/multi:1", ro)
	if err != nil || !slices.Equal(blob, fetchManifest(t, s, reg+"/pushed/multi:1", nil)) {
		t.Errorf("remote inspect: %s %v", blob, err)
	}
	// A registry that is not there: a clear error, nothing added.
	if _, _, err := s.ManifestAdd(ctx, "one", "127.0.0.1:1/nothing:1", ManifestAddOptions{Registry: ro}); err == nil || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("add from a dead registry: %v", err)
	}
	// A local instance removed after it was added: push fails, naming it.
	if _, _, err := s.Remove(ctx, []string{"multi-amd64"}, RemoveOptions{Force: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ManifestPush(ctx, "multi", reg+"/pushed/broken:1", ManifestPushOptions{All: true, Registry: ro}); err == nil || !strings.Contains(err.Error(), amd.Digest) {
		t.Errorf("push with a removed local instance: %v", err)
	}
	resp, err := http.Get("http://" + reg + "/v2/pushed/broken/tags/list")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("a failed push left a tag in the registry")
		}
	}
}

func fetchManifest(t *testing.T, s *Store, ref string, d *digest.Digest) []byte {
	t.Helper()
	r, err := docker.ParseReference("//" + ref)
	if err != nil {
		t.Fatal(err)
	}
	src, err := r.NewImageSource(context.Background(), insecureSys(s))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	b, _, err := src.GetManifest(context.Background(), d)
	if err != nil {
		t.Fatalf("fetching %s %v: %v", ref, d, err)
	}
	return b
}

// copyListOut copies a list and all its instances from the registry to an
// OCI layout: it fails if any blob is missing.
func copyListOut(t *testing.T, s *Store, ref string) {
	t.Helper()
	src, err := docker.ParseReference("//" + ref)
	if err != nil {
		t.Fatal(err)
	}
	dest, err := layout.NewReference(filepath.Join(t.TempDir(), "out"), "x")
	if err != nil {
		t.Fatal(err)
	}
	policy, err := localPolicy()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = policy.Destroy() }()
	if _, err := copy.Image(context.Background(), policy, dest, src, &copy.Options{
		SourceCtx: insecureSys(s), ImageListSelection: copy.CopyAllImages,
	}); err != nil {
		t.Fatalf("copying %s out of the registry: %v", ref, err)
	}
}
