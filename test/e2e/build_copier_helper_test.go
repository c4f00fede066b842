package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A build's copier children (every COPY) run in pier-copier when pier
// finds it, in pier itself otherwise, or when the helper named is gone:
// the image must be the same byte for byte either way.
func TestBuildCopierHelperSameImage(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	ctx := filepath.Join(p.WorkDir(), "ctx")
	files := map[string]string{
		"Containerfile": "FROM " + Image + " AS files\nCOPY files/ /files/\n\nFROM " + Image + "\nCOPY --from=files /files/ /copied/\nCOPY top.txt /\n",
		"top.txt":       "top\n",
	}
	for _, n := range []string{"a", "b", "sub/c"} {
		files["files/"+n] = "file " + n + "\n"
	}
	writeContext(t, ctx, files)
	// A wrapper in the helper's place records that the children went
	// through it, then becomes the real pier-copier.
	log := filepath.Join(p.WorkDir(), "helper.log")
	wrapper := filepath.Join(p.WorkDir(), "copier-wrapper")
	script := "#!/bin/bash\necho \"$0\" >>" + log + "\nexec -a buildah-copier " + filepath.Join(binDir, "pier-copier") + "\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	build := func(helper string) string {
		t.Helper()
		var env []string
		if helper != "" {
			env = []string{"PIER_COPIER_HELPER=" + helper}
		}
		r := p.RunWith(RunOpts{Env: env}, "build", "-q", "--no-cache", "--timestamp", "0", ctx)
		if r.ExitCode != 0 {
			t.Fatalf("build with PIER_COPIER_HELPER=%q: %s", helper, r)
		}
		return r.Out()
	}
	inPier := build("off")
	if _, err := os.Stat(log); err == nil {
		t.Fatal("with PIER_COPIER_HELPER=off no child should go through the helper")
	}
	if got := build(wrapper); got != inPier {
		t.Errorf("image built with pier-copier: %s, in pier: %s", got, inPier)
	}
	if b, err := os.ReadFile(log); err != nil || strings.Count(string(b), "\n") < 6 {
		t.Errorf("the copier children should have run in the helper (two COPY steps, several children each): log %q (%v)", b, err)
	}
	if got := build(filepath.Join(p.WorkDir(), "missing")); got != inPier {
		t.Errorf("image built with a missing helper: %s, in pier: %s", got, inPier)
	}
	if got := build(""); got != inPier {
		t.Errorf("image built with the helper found beside pier: %s, in pier: %s", got, inPier)
	}
}
