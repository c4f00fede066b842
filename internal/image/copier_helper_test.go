package image

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFindCopierHelperChecksBuildahVersion(t *testing.T) {
	saved := copierHelperDirs
	copierHelperDirs = nil
	t.Cleanup(func() { copierHelperDirs = saved })
	dir := t.TempDir()
	self := filepath.Join(dir, "pier")
	helper := filepath.Join(dir, "pier-copier")
	write := func(line string) {
		t.Helper()
		if err := os.WriteFile(helper, []byte("#!/bin/sh\necho '"+line+"'\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	const want = "pier-copier buildah v1.44.0 h1:ours"
	if got := findCopierHelper(self, want); got != "" {
		t.Errorf("no helper beside pier: got %q", got)
	}
	write("pier-copier buildah v0.0.1 h1:other")
	if got := findCopierHelper(self, want); got != "" {
		t.Errorf("a helper built with another buildah must not be used: got %q", got)
	}
	write(want)
	if got := findCopierHelper(self, want); got != helper {
		t.Errorf("a helper built with pier's buildah: got %q, want %q", got, helper)
	}
}
