package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// -v's U and O, and --mount types glob and devpts, as the container and
// the host see them.
func TestRunMountOptionsUO(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	src := filepath.Join(p.WorkDir(), "src")
	os.MkdirAll(filepath.Join(src, "sub"), 0o755)
	os.WriteFile(filepath.Join(src, "f"), []byte("orig\n"), 0o644)

	out := p.MustRun("run", "--rm", "-v", src+":/data:O", Image, "sh", "-c", "echo new > /data/f; touch /data/g; cat /data/f; ls /data | tr '\\n' ' '").Lines()
	if len(out) != 2 || out[0] != "new" || out[1] != "f g sub " {
		t.Errorf("-v :O: the container should write over its overlay: %q", out)
	}
	if b, _ := os.ReadFile(filepath.Join(src, "f")); string(b) != "orig\n" {
		t.Errorf("-v :O must leave the source alone, f is %q", b)
	}
	if _, err := os.Stat(filepath.Join(src, "g")); err == nil {
		t.Error("-v :O must not create files in the source")
	}

	p.MustRun("run", "--rm", "--user", "1234:4321", "-v", src+":/data:U", Image, "true")
	for _, f := range []string{src, filepath.Join(src, "f"), filepath.Join(src, "sub")} {
		if st := mustStatOwner(t, f); st != "1234:4321" {
			t.Errorf("-v :U should give %s to 1234:4321, got %s", f, st)
		}
	}
	p.MustRun("run", "--rm", "--user", "42", "--mount", "type=bind,src="+src+",dst=/d,U=true", Image, "true")
	if st := mustStatOwner(t, src); st != "42:0" {
		t.Errorf("--mount U=true: want 42:0, got %s", st)
	}
}

func TestRunMountGlobDevpts(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	dir := filepath.Join(p.WorkDir(), "g")
	os.MkdirAll(dir, 0o755)
	for _, f := range []string{"a.so", "b.so", "c.txt"} {
		os.WriteFile(filepath.Join(dir, f), []byte(f), 0o644)
	}
	if got := p.MustRun("run", "--rm", "--mount", "type=glob,src="+dir+"/*.so,dst=/lib/x,ro", Image, "sh", "-c", "ls /lib/x | tr '\\n' ' '; cat /lib/x/a.so").Out(); got != "a.so b.so a.so" {
		t.Errorf("--mount type=glob: %q", got)
	}
	p.ExpectEngineError(p.Run("run", "--rm", "--mount", "type=glob,src="+dir+"/*.none,dst=/x", Image, "true"), "no file paths matching glob")
	out := p.MustRun("run", "--rm", "--mount", "type=devpts,destination=/dev/pts2,uid=5,mode=600", Image, "grep", " /dev/pts2 ", "/proc/self/mountinfo").Out()
	if !strings.Contains(out, "devpts") || !strings.Contains(out, "uid=5") || !strings.Contains(out, "mode=600") {
		t.Errorf("--mount type=devpts: %q", out)
	}
	p.ExpectEngineError(p.Run("run", "--rm", "--mount", "type=devpts,destination=/dev/pts2,uid=x", Image, "true"), `invalid devpts option "uid=x"`)
}

func mustStatOwner(t *testing.T, path string) string {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	return fmt.Sprintf("%d:%d", st.Uid, st.Gid)
}

// --mount type=image: the image's root filesystem, read-only, mounted for
// the run and released at its cleanup.
func TestRunMountImage(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	out := p.MustRun("run", "--rm", "--mount", "type=image,source="+Image+",destination=/img", Image, "sh", "-c",
		"test -x /img/bin/busybox && echo found; touch /img/x 2>/dev/null || echo readonly").Lines()
	if strings.Join(out, " ") != "found readonly" {
		t.Errorf("--mount type=image: want the image read-only at /img, got %q", out)
	}
	id := p.MustRun("run", "-d", "--mount", "type=image,src="+Image+",dst=/img", Image, "sleep", "100").Out()
	if got := p.MustRun("image", "mount").Out(); got == "" {
		t.Error("a running image mount should show in image mount")
	}
	if got := p.Inspect(id, "{{range .Mounts}}{{.Type}} {{.Destination}} {{.RW}}{{end}}"); got != "image /img false" {
		t.Errorf("inspect Mounts: %q", got)
	}
	p.MustRun("rm", "-f", "-t", "0", id)
	if got := p.MustRun("image", "mount").Out(); got != "" {
		t.Errorf("rm should release the image mount, still mounted: %q", got)
	}
	p.ExpectEngineError(p.Run("run", "--rm", "--mount", "type=image,src=nosuchimage,dst=/i", Image, "true"), "nosuchimage")
}
