package image

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func mountinfoHas(t *testing.T, path string) bool {
	t.Helper()
	mi, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(string(mi), " "+path+" ")
}

func TestMountUnmountImage(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	img := importBusybox(t, s, "mybox")
	if m, err := s.MountedImages(ctx); err != nil || len(m) != 0 {
		t.Fatalf("mounted before mount: %v %v", m, err)
	}
	m, err := s.MountImage(ctx, "mybox")
	if err != nil {
		t.Fatal(err)
	}
	if m.ID != img.ID || m.RepoTags[0] != "localhost/mybox:latest" || m.Digest != img.Digest {
		t.Errorf("mounted image: %+v", m)
	}
	if _, err := os.Stat(filepath.Join(m.Path, "bin/busybox")); err != nil {
		t.Errorf("mount lacks busybox: %v", err)
	}
	if !mountinfoHas(t, m.Path) {
		t.Errorf("%s is not a mount point", m.Path)
	}
	// Images are mounted read-only: a write is refused by the kernel.
	if err := os.WriteFile(filepath.Join(m.Path, "x"), []byte("x"), 0o644); !errors.Is(err, syscall.EROFS) {
		t.Errorf("write into an image mount: %v", err)
	}
	// A second mount counts; the path is the same.
	m2, err := s.MountImage(ctx, img.ID[:12])
	if err != nil || m2.Path != m.Path {
		t.Fatalf("second mount: %+v %v", m2, err)
	}
	list, err := s.MountedImages(ctx)
	if err != nil || len(list) != 1 || list[0].ID != img.ID || list[0].Path != m.Path {
		t.Fatalf("MountedImages = %+v, %v", list, err)
	}
	// Without force one count goes; with force all.
	if id, ok, err := s.UnmountImage(ctx, "mybox", false); err != nil || !ok || id != img.ID {
		t.Fatalf("unmount: %s %v %v", id, ok, err)
	}
	if !mountinfoHas(t, m.Path) {
		t.Error("one unmount of two mounts removed the mount")
	}
	if _, ok, err := s.UnmountImage(ctx, "mybox", true); err != nil || !ok {
		t.Fatalf("forced unmount: %v %v", ok, err)
	}
	if mountinfoHas(t, m.Path) {
		t.Error("still mounted after a forced unmount")
	}
	if _, ok, err := s.UnmountImage(ctx, "mybox", false); err != nil || ok {
		t.Errorf("unmount of an unmounted image: %v %v", ok, err)
	}
	if list, _ := s.MountedImages(ctx); len(list) != 0 {
		t.Errorf("still listed: %+v", list)
	}
	if _, err := s.MountImage(ctx, "nosuch"); err == nil || err.Error() != "nosuch: image not known" {
		t.Errorf("mount of a missing image: %v", err)
	}
}
