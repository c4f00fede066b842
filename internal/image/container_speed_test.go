package image

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A second CreateContainer of an existing container (every start does one,
// to repair a crash) must not touch storage: c/storage would create a
// layer and delete it again.
func TestCreateContainerExistingWritesNothing(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	img := importBusybox(t, s, "mybox")
	const ctr = "1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	if err := s.CreateContainer(ctx, ctr, img.ID, ContainerOptions{}); err != nil {
		t.Fatal(err)
	}
	layers := filepath.Join(s.Storage().GraphRoot(), s.Storage().GraphDriverName()+"-layers", "layers.json")
	before, err := os.Stat(layers)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond) // mtime granularity
	if err := s.CreateContainer(ctx, ctr, img.ID, ContainerOptions{}); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(layers)
	if err != nil {
		t.Fatal(err)
	}
	if !after.ModTime().Equal(before.ModTime()) {
		t.Errorf("layers.json rewritten by a CreateContainer of an existing container")
	}
	if err := s.CreateContainer(ctx, ctr, "0000000000000000000000000000000000000000000000000000000000000000", ContainerOptions{}); err == nil {
		t.Errorf("CreateContainer of an existing ID with another image succeeded")
	}
}

// --rm containers are volatile, as podman makes them: storage skips fsync
// of their metadata and mounts them with overlay's volatile option.
func TestCreateContainerVolatile(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	img := importBusybox(t, s, "mybox")
	const vol, plain = "2123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"3123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	if err := s.CreateContainer(ctx, vol, img.ID, ContainerOptions{Volatile: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateContainer(ctx, plain, img.ID, ContainerOptions{}); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]bool{vol: true, plain: false} {
		c, err := s.Storage().Container(id)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := c.Flags["Volatile"].(bool); got != want {
			t.Errorf("container %s: Volatile flag %v, want %v", id[:4], got, want)
		}
	}
}
