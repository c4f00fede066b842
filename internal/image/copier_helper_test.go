package image

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

func TestCopierHelperMatchesModules(t *testing.T) {
	mods := func(buildah, storage string) []*debug.Module {
		return []*debug.Module{
			{Path: "go.podman.io/buildah", Version: buildah, Sum: "h1:b"},
			{Path: "go.podman.io/other", Version: "v1.0.0"},
			{Path: "go.podman.io/storage", Version: storage, Sum: "h1:s"},
		}
	}
	want := copierModuleKey(mods("v1.44.0", "v1.64.2"))
	if want == "" {
		t.Fatal("no key for a module list with buildah and storage")
	}
	if got := copierModuleKey(mods("v1.44.0", "v1.64.2")[:2]); got != "" {
		t.Errorf("a list without storage should have no key: %q", got)
	}
	replaced := mods("v1.44.0", "v1.64.2")
	replaced[0] = &debug.Module{Path: "go.podman.io/buildah", Version: "v1.44.0", Sum: "h1:b",
		Replace: &debug.Module{Path: "example.com/fork", Version: "v0.0.1"}}
	for _, c := range []struct {
		name string
		bi   debug.BuildInfo
		ok   bool
	}{
		{"same modules", debug.BuildInfo{Path: copierHelperMain, Deps: mods("v1.44.0", "v1.64.2")}, true},
		{"other buildah", debug.BuildInfo{Path: copierHelperMain, Deps: mods("v1.43.0", "v1.64.2")}, false},
		{"other storage", debug.BuildInfo{Path: copierHelperMain, Deps: mods("v1.44.0", "v1.63.0")}, false},
		{"replaced buildah", debug.BuildInfo{Path: copierHelperMain, Deps: replaced}, false},
		{"another program", debug.BuildInfo{Path: "example.com/cmd/x", Deps: mods("v1.44.0", "v1.64.2")}, false},
	} {
		if got := copierHelperMatches(&c.bi, want); got != c.ok {
			t.Errorf("%s: matches %v, want %v", c.name, got, c.ok)
		}
	}
}

func TestFindCopierHelperSkipsNonGoFiles(t *testing.T) {
	saved := copierHelperDirs
	copierHelperDirs = nil
	t.Cleanup(func() { copierHelperDirs = saved })
	dir := t.TempDir()
	self := filepath.Join(dir, "pier")
	const want = "go.podman.io/buildah v1.44.0 h1:b; go.podman.io/storage v1.64.2 h1:s"
	if got := findCopierHelper(self, want); got != "" {
		t.Errorf("no helper beside pier: got %q", got)
	}
	if err := os.WriteFile(filepath.Join(dir, "pier-copier"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got := findCopierHelper(self, want); got != "" {
		t.Errorf("a script named pier-copier must not be used: got %q", got)
	}
}
