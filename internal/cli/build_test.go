package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	buildahdefine "go.podman.io/buildah/define"
)

func touch(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("FROM scratch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestBuildContextAsPodman(t *testing.T) {
	dir := t.TempDir()
	ctx := filepath.Join(dir, "ctx")
	touch(t, filepath.Join(ctx, "Dockerfile"))
	touch(t, filepath.Join(dir, "other", "Containerfile.alt"))

	// Without -f: Containerfile, else Dockerfile, in the context.
	c, files, _, err := buildContext([]string{ctx}, nil)
	if err != nil || c != ctx || len(files) != 1 || files[0] != filepath.Join(ctx, "Dockerfile") {
		t.Fatalf("got %q %q %v", c, files, err)
	}
	touch(t, filepath.Join(ctx, "Containerfile"))
	if _, files, _, _ = buildContext([]string{ctx}, nil); files[0] != filepath.Join(ctx, "Containerfile") {
		t.Errorf("Containerfile should win over Dockerfile: %q", files)
	}

	// -f alone: the file's directory is the context.
	alt := filepath.Join(dir, "other", "Containerfile.alt")
	if c, files, _, err = buildContext(nil, []string{alt}); err != nil || c != filepath.Dir(alt) || files[0] != alt {
		t.Errorf("-f without a context: got %q %q %v", c, files, err)
	}
	// -f relative to the context.
	if _, _, _, err = buildContext([]string{ctx}, []string{"Dockerfile"}); err != nil {
		t.Errorf("-f relative to the context: %v", err)
	}

	empty := filepath.Join(dir, "empty")
	os.MkdirAll(empty, 0o755)
	_, _, _, err = buildContext([]string{empty}, nil)
	if want := "no Containerfile or Dockerfile specified or found in context directory, " + empty + ": no such file or directory"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
	_, _, _, err = buildContext([]string{ctx}, []string{"Nope"})
	if want := "the specified Containerfile or Dockerfile does not exist, Nope: no such file or directory"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
	_, _, _, err = buildContext([]string{filepath.Join(ctx, "Dockerfile")}, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "context must be a directory: ") {
		t.Errorf("a file as context: %v", err)
	}
}

// podman's --squash keeps the base layers (buildah --layers=false);
// --squash-all squashes everything.
func TestPodmanSquash(t *testing.T) {
	var f buildFlags
	f.Squash = true
	bo := buildahdefine.BuildOptions{Squash: true, Layers: true}
	podmanSquash(true, false, false, &f, &bo)
	if bo.Squash || bo.Layers {
		t.Errorf("--squash: got squash=%v layers=%v, want false false", bo.Squash, bo.Layers)
	}
	f = buildFlags{squashAll: true}
	bo = buildahdefine.BuildOptions{Layers: true}
	podmanSquash(false, true, false, &f, &bo)
	if !bo.Squash || bo.Layers {
		t.Errorf("--squash-all: got squash=%v layers=%v, want true false", bo.Squash, bo.Layers)
	}
	bo = buildahdefine.BuildOptions{Layers: true}
	podmanSquash(false, true, true, &f, &bo)
	if !bo.Squash || !bo.Layers {
		t.Errorf("--squash-all --layers: got squash=%v layers=%v, want true true", bo.Squash, bo.Layers)
	}
}
