package image

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/pier-engine/pier/internal/errdefs"
)

func changeSet(chs []Change) []string {
	var out []string
	for _, c := range chs {
		out = append(out, c.Kind+" "+c.Path)
	}
	slices.Sort(out)
	return out
}

func TestDiff(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	_, _ = baseAndChild(t, s)
	chs, err := s.Diff(ctx, "child", "", DiffImage, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := changeSet(chs), []string{"A /d", "A /d/f", "C /e", "C /hello", "D /e/g"}; !slices.Equal(got, want) {
		t.Errorf("diff child = %v, want %v", got, want)
	}
	// The base layer has no parent: everything in it is added.
	chs, err = s.Diff(ctx, "base", "", DiffImage, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := changeSet(chs); !slices.Contains(got, "A /bin/busybox") || !slices.Contains(got, "A /bin/sh") {
		t.Errorf("diff base = %v", got)
	}
	// Comparing base to child: what only child has is deleted.
	chs, err = s.Diff(ctx, "base", "child", DiffImage, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := changeSet(chs), []string{"D /d", "D /e", "D /hello"}; !slices.Equal(got, want) {
		t.Errorf("diff base child = %v, want %v", got, want)
	}
	if _, err := s.Diff(ctx, "base", "nosuch", DiffImage, nil); err == nil || err.Error() != "nosuch not found: nosuch: image not known" {
		t.Errorf("diff against a missing image: %v", err)
	}

	// A container's diff is its writable layer over its image.
	const ctr = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
	img, _ := s.Lookup(ctx, "base")
	if err := s.CreateContainer(ctx, ctr, img.ID, ContainerOptions{}); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.DeleteContainer(ctr) }()
	if chs, err = s.Diff(ctx, ctr, "", DiffContainer, nil); err != nil || len(chs) != 0 {
		t.Errorf("diff of a fresh container: %v %v", chs, err)
	}
	// The top-level diff finds a container by name after the images, and
	// names the last kind it tried when nothing matches (podman's text).
	if _, err := s.Diff(ctx, ctr[:12], "", DiffAll, nil); err != nil {
		t.Errorf("diff of a container by ID prefix: %v", err)
	}
	_, err = s.Diff(ctx, "nosuch", "", DiffAll, nil)
	if err == nil || err.Error() != "nosuch not found: layer not known" || !errors.Is(err, errdefs.ErrNotFound) {
		t.Errorf("diff of nothing: %v", err)
	}
	if _, err = s.Diff(ctx, "base", "", DiffContainer, nil); err == nil || err.Error() != "base not found: container not known" {
		t.Errorf("container diff of an image: %v", err)
	}
}
