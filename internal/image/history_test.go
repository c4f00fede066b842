package image

import (
	"archive/tar"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	digest "github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/oci/layout"
)

// testLayer is one layer of a hermetic multi-layer image; a nil tar is an
// empty-layer history entry (ENV, CMD...).
type testLayer struct {
	createdBy string
	tar       []byte
}

// buildLayeredImage stores a multi-layer image (which `import` cannot
// make) by writing an OCI layout by hand and copying it into storage, as
// a pull would. arch sets the configuration's platform.
func buildLayeredImage(t *testing.T, s *Store, name, arch, variant string, layers []testLayer) *Image {
	t.Helper()
	dir := t.TempDir()
	blobs := filepath.Join(dir, "blobs", "sha256")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		t.Fatal(err)
	}
	put := func(mt string, b []byte) ociv1.Descriptor {
		d := digest.FromBytes(b)
		if err := os.WriteFile(filepath.Join(blobs, d.Encoded()), b, 0o644); err != nil {
			t.Fatal(err)
		}
		return ociv1.Descriptor{MediaType: mt, Digest: d, Size: int64(len(b))}
	}
	created := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	cfg := ociv1.Image{
		Created:  &created,
		Platform: ociv1.Platform{OS: "linux", Architecture: arch, Variant: variant},
		RootFS:   ociv1.RootFS{Type: "layers"},
		Config:   ociv1.ImageConfig{Cmd: []string{"/bin/sh"}},
	}
	m := ociv1.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ociv1.MediaTypeImageManifest}
	for i, l := range layers {
		when := created.Add(time.Duration(i) * time.Minute)
		h := ociv1.History{Created: &when, CreatedBy: l.createdBy, EmptyLayer: l.tar == nil}
		cfg.History = append(cfg.History, h)
		if l.tar == nil {
			continue
		}
		m.Layers = append(m.Layers, put(ociv1.MediaTypeImageLayer, l.tar))
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, digest.FromBytes(l.tar))
	}
	cb, _ := json.Marshal(cfg)
	m.Config = put(ociv1.MediaTypeImageConfig, cb)
	mb, _ := json.Marshal(m)
	md := put(ociv1.MediaTypeImageManifest, mb)
	md.Annotations = map[string]string{ociv1.AnnotationRefName: "latest"}
	idx, _ := json.Marshal(ociv1.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ociv1.MediaTypeImageIndex, Manifests: []ociv1.Descriptor{md}})
	if err := os.WriteFile(filepath.Join(dir, "index.json"), idx, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	src, err := layout.NewReference(dir, "latest")
	if err != nil {
		t.Fatal(err)
	}
	named, err := NormalizeName(name)
	if err != nil {
		t.Fatal(err)
	}
	dest, err := s.storageRef(ctx, named.String(), src)
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.copyImage(ctx, src, dest, false)
	if err != nil {
		t.Fatalf("storing %s: %v", name, err)
	}
	img, err := s.Lookup(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// layerChain lists an image's layer IDs from the base up.
func layerChain(t *testing.T, s *Store, img *Image) []string {
	t.Helper()
	var ids []string
	for id := img.TopLayer; id != ""; {
		l, err := s.store.Layer(id)
		if err != nil {
			t.Fatal(err)
		}
		ids = append([]string{id}, ids...)
		id = l.Parent
	}
	return ids
}

// baseAndChild stores "base" (busybox) and "child": base plus a layer
// adding /hello and /e/g, a layer adding /d/f, deleting /e/g and changing
// /hello, and an empty ENV entry.
func baseAndChild(t *testing.T, s *Store) (base, child *Image) {
	t.Helper()
	bb := busyboxTar(t)
	base = buildLayeredImage(t, s, "base", "amd64", "", []testLayer{{"/bin/sh -c #(nop) ADD file:busybox in /", bb}})
	l2 := buildTar(t, []tarEntry{
		{name: "hello", typ: tar.TypeReg, body: []byte("hi\n"), mode: 0o644},
		{name: "e/", typ: tar.TypeDir},
		{name: "e/g", typ: tar.TypeReg, body: []byte("1\n"), mode: 0o644},
	})
	l3 := buildTar(t, []tarEntry{
		{name: "d/", typ: tar.TypeDir},
		{name: "d/f", typ: tar.TypeReg, body: []byte("x\n"), mode: 0o644},
		{name: "e/", typ: tar.TypeDir},
		{name: "e/.wh.g", typ: tar.TypeReg, mode: 0o644},
		{name: "hello", typ: tar.TypeReg, body: []byte("2\n"), mode: 0o644},
	})
	child = buildLayeredImage(t, s, "child", "amd64", "", []testLayer{
		{"/bin/sh -c #(nop) ADD file:busybox in /", bb},
		{"/bin/sh -c echo hi > /hello && mkdir /e && echo 1 > /e/g", l2},
		{"/bin/sh -c mkdir /d && echo x > /d/f && rm /e/g && echo 2 > /hello && a very long command line", l3},
		{"/bin/sh -c #(nop) ENV A=b", nil},
	})
	return base, child
}

func TestHistory(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	base, child := baseAndChild(t, s)
	h, err := s.History(ctx, "child")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range h {
		ids = append(ids, e.ID)
	}
	// The newest entry is the image itself; the layers below its top
	// that no image ends on are "<missing>"; the base layer is base's.
	if want := []string{child.ID, MissingID, MissingID, base.ID}; !slices.Equal(ids, want) {
		t.Fatalf("history IDs = %v, want %v", ids, want)
	}
	if h[0].Size != 0 || h[1].Size == 0 || h[3].Size < 1_000_000 {
		t.Errorf("sizes: %d %d %d %d", h[0].Size, h[1].Size, h[2].Size, h[3].Size)
	}
	if h[0].CreatedBy != "/bin/sh -c #(nop) ENV A=b" || !h[3].Created.Equal(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("entries: %+v", h)
	}
	if !slices.Equal(h[3].Tags, []string{"localhost/base:latest"}) {
		t.Errorf("tags of the base entry: %v", h[3].Tags)
	}
	// An imported image has one entry. Its layer is base's (same
	// content): podman names an entry after the first image ending on its
	// layer, even the newest one.
	_ = importBusybox(t, s, "imported")
	h, err = s.History(ctx, "imported")
	if err != nil || len(h) != 1 || h[0].ID != base.ID || h[0].Comment != "imported for test" ||
		!slices.Equal(h[0].Tags, []string{"localhost/base:latest", "localhost/imported:latest"}) {
		t.Errorf("history of an imported image: %+v, %v", h, err)
	}
	if _, err := s.History(ctx, "nosuch"); err == nil || err.Error() != "nosuch: image not known" {
		t.Errorf("history of a missing image: %v", err)
	}
}
