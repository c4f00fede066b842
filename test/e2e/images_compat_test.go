package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestImageKeptByRowOnlyContainer: a container whose state row exists but
// whose storage does not (a CLI killed between the two) still holds its
// image against rmi and image prune -a, as a created container must.
func TestImageKeptByRowOnlyContainer(t *testing.T) {
	p := newPier(t)
	r := p.RunWith(RunOpts{Env: []string{"PIER_FAILPOINT=create-after-state"}}, "create", "--name", "half", Image, "true")
	if r.Signal != syscall.SIGKILL {
		t.Fatalf("failpoint did not fire: %s", r)
	}
	iid := p.MustRun("image", "inspect", "--format", "{{.ID}}", Image).Out()
	r = p.Expect(2, "rmi", Image)
	if !strings.Contains(r.Stderr, "image is in use by a container") {
		t.Errorf("rmi of an image under a row-only container: %s", r)
	}
	p.MustRun("image", "prune", "-a", "-f")
	p.MustRun("image", "exists", iid)
	if got := p.MustRun("images", "--format", "{{.Containers}}", Image).Out(); got != "1" {
		t.Errorf("containers of the image = %q, want 1", got)
	}
	if got := p.MustRun("images", "-q", "--filter", "containers=true").Out(); got != iid[:12] {
		t.Errorf("containers=true lists %q", got)
	}
	// rmi -f removes the half-made container through the engine, then the image.
	p.MustRun("rmi", "-f", Image)
	if out := p.MustRun("ps", "-a", "-q").Out(); out != "" {
		t.Errorf("container left after rmi -f: %q", out)
	}
}

// TestRmiIgnoreAndForceBogus: podman's rmi --ignore, and rmi --force of an
// unknown image succeeding silently.
func TestRmiIgnoreAndForceBogus(t *testing.T) {
	p := newPier(t)
	r := p.Expect(1, "rmi", "bogus")
	if strings.TrimSpace(r.Stderr) != "Error: bogus: image not known" {
		t.Errorf("rmi bogus: %s", r)
	}
	for _, args := range [][]string{{"rmi", "--ignore", "bogus"}, {"image", "rm", "--force", "bogus"}, {"rmi", "-i", "bogus"}} {
		r := p.MustRun(args...)
		if r.Stdout != "" || r.Stderr != "" {
			t.Errorf("%v printed %s", args, r)
		}
	}
}

// TestImagesSortAndRows: one row per tagged name, sorted per row as podman
// (tag, repository then tag); a digest-only name adds no row.
func TestImagesSortAndRows(t *testing.T) {
	p := newPier(t)
	p.MustRun("tag", Image, "a.b/c:zz", "zz.example/x:aa")
	got := p.MustRun("images", "--sort", "tag", "--format", "{{.Repository}}:{{.Tag}}").Lines()
	want := []string{"zz.example/x:aa", Image, "a.b/c:zz"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("--sort tag = %v, want %v", got, want)
	}
	got = p.MustRun("images", "--sort", "repository", "--format", "{{.Repository}}").Lines()
	if len(got) != 3 || got[0] != "a.b/c" || got[2] != "zz.example/x" {
		t.Errorf("--sort repository = %v", got)
	}
	r := p.Expect(125, "images", "--sort", "bogus")
	if !strings.Contains(r.Stderr, `invalid argument "bogus" for "--sort" flag: "bogus" is not a valid value.  Choose from: "created, id, repository, size, tag"`) {
		t.Errorf("--sort bogus: %s", r)
	}
	r = p.Expect(125, "images", "--filter", "dangling=true", Image)
	if strings.TrimSpace(r.Stderr) != "Error: cannot specify an image and a filter(s)" {
		t.Errorf("image and filter: %s", r)
	}
	// A format without "table" is written as is: the tab stays a tab.
	if out := p.MustRun("images", "--format", `{{.Tag}}\t{{.Tag}}`, "a.b/c:zz").Stdout; out != "zz\tzz\n" {
		t.Errorf("tab in format: %q", out)
	}
}

// TestSaveLoadPodmanForms: save -m writes several images, save IMAGE TAG
// adds tags, --uncompressed keeps OCI layers as plain tar, and load of a
// non-archive says what podman says.
func TestSaveLoadPodmanForms(t *testing.T) {
	p := newPier(t)
	p.MustRun("import", "-c", "ENV X=2", imageTar, "localhost/second:v2")
	multi := filepath.Join(p.Dir, "multi.tar")
	p.MustRun("save", "-m", "-o", multi, Image, "localhost/second:v2")
	p.MustRun("rmi", "-f", Image, "localhost/second:v2")
	r := p.MustRun("load", "-i", multi)
	for _, n := range []string{Image, "localhost/second:v2"} {
		if !strings.Contains(r.Stdout, "Loaded image: "+n) {
			t.Errorf("load of a multi-image archive: %s", r)
		}
		p.MustRun("image", "exists", n)
	}

	tagged := filepath.Join(p.Dir, "tagged.tar")
	p.MustRun("save", "-o", tagged, "localhost/second:v2", "localhost/extra:t1")
	p.MustRun("rmi", "-f", "localhost/second:v2")
	p.MustRun("load", "-i", tagged)
	p.MustRun("image", "exists", "localhost/extra:t1")
	r = p.Expect(125, "save", "-m", "--format", "oci-archive", "-o", filepath.Join(p.Dir, "x.tar"), Image, "localhost/extra:t1")
	if !strings.Contains(r.Stderr, `unsupported format "oci-archive" for saving multiple images (only docker-archive)`) {
		t.Errorf("multi-image oci-archive: %s", r)
	}

	r = p.Expect(125, "save", "--format", "bogus", "-o", filepath.Join(p.Dir, "y.tar"), Image)
	if strings.TrimSpace(r.Stderr) != "Error: format value must be one of oci-dir oci-archive docker-dir docker-archive" {
		t.Errorf("save --format bogus: %s", r)
	}
	dir := filepath.Join(p.Dir, "ocidir")
	p.MustRun("save", "--format", "oci-dir", "--uncompressed", "-o", dir, Image)
	blobs, _ := filepath.Glob(filepath.Join(dir, "blobs", "sha256", "*"))
	plain := 0
	for _, b := range blobs {
		if head, err := os.ReadFile(b); err == nil && len(head) > 262 && string(head[257:262]) == "ustar" {
			plain++
		}
	}
	if plain == 0 {
		t.Errorf("--uncompressed: no plain tar layer among %d blobs", len(blobs))
	}

	// Directories load too, unnamed, as podman.
	iid := p.MustRun("image", "inspect", "--format", "{{.ID}}", Image).Out()
	ddir := filepath.Join(p.Dir, "dockerdir")
	p.MustRun("save", "--format", "docker-dir", "-o", ddir, Image)
	for _, d := range []string{dir, ddir} {
		p.MustRun("rmi", "-f", iid)
		if out := p.MustRun("load", "-q", "-i", d).Out(); out != "Loaded image: sha256:"+iid {
			t.Errorf("load -i %s: %q", d, out)
		}
	}

	bad := filepath.Join(p.Dir, "invalid")
	os.WriteFile(bad, []byte("not an image\n"), 0o644)
	r = p.Expect(125, "load", "-i", bad)
	if !strings.HasPrefix(r.Stderr, "Error: payload does not match any of the supported image formats:\n * oci: ") {
		t.Errorf("load of an invalid file: %s", r)
	}
}

// TestIntermediateVersusDangling: an unnamed image is intermediate (hidden
// without -a, kept by prune) only when another image extends it (commit
// of a container on it); an unnamed image that merely shares layers with
// another is dangling, as podman's libimage decides.
func TestIntermediateVersusDangling(t *testing.T) {
	p := newPier(t)
	parent := p.MustRun("image", "inspect", "--format", "{{.ID}}", Image).Out()
	p.MustRun("run", "--name", "c", Image, "sh", "-c", "echo x > /f")
	p.MustRun("commit", "-q", "c", "localhost/child:1")
	p.MustRun("rm", "c")
	p.MustRun("untag", Image)
	if got := p.MustRun("images", "-q", "--no-trunc").Out(); strings.Contains(got, parent) {
		t.Errorf("intermediate parent listed without -a: %q", got)
	}
	if got := p.MustRun("images", "-a", "-q", "--no-trunc").Out(); !strings.Contains(got, parent) {
		t.Errorf("intermediate parent not listed with -a: %q", got)
	}
	if got := p.MustRun("images", "-a", "-q", "--no-trunc", "--filter", "intermediate=true").Out(); got != "sha256:"+parent {
		t.Errorf("intermediate=true: %q", got)
	}
	if got := p.MustRun("images", "-a", "-q", "--filter", "dangling=true").Out(); got != "" {
		t.Errorf("dangling=true lists %q", got)
	}
	p.MustRun("image", "prune", "-f")
	p.MustRun("image", "exists", parent)

	// An unrelated unnamed image sharing the base layer is dangling.
	p.MustRun("import", "-m", "another history", imageTar)
	if got := p.MustRun("images", "-q", "--filter", "dangling=true").Lines(); len(got) != 1 {
		t.Errorf("dangling import: %q", got)
	}
}

// TestRmiPrunesDanglingParents: removing an image also removes the parent
// it leaves dangling (unnamed, no other child, no container), unless
// --no-prune, as podman's rmi.
func TestRmiPrunesDanglingParents(t *testing.T) {
	p := newPier(t)
	parent := p.MustRun("image", "inspect", "--format", "{{.ID}}", Image).Out()
	child := func(name string) string {
		p.MustRun("run", "--name", "c", parent, "sh", "-c", "echo x > /f")
		id := p.MustRun("commit", "-q", "c", name).Out()
		p.MustRun("rm", "c")
		return strings.TrimPrefix(id, "sha256:")
	}
	id := child("localhost/child:1")
	p.MustRun("untag", Image)
	out := p.MustRun("rmi", "--no-prune", "localhost/child:1").Stdout
	if out != "Untagged: localhost/child:1\nDeleted: "+id+"\n" {
		t.Errorf("rmi --no-prune: %q", out)
	}
	p.MustRun("image", "exists", parent)
	id = child("localhost/child:2")
	out = p.MustRun("rmi", "localhost/child:2").Stdout
	if out != "Untagged: localhost/child:2\nDeleted: "+id+"\nDeleted: "+parent+"\n" {
		t.Errorf("rmi: %q", out)
	}
	if r := p.Run("image", "exists", parent); r.ExitCode != 1 {
		t.Errorf("dangling parent left: %s", r)
	}
}

// TestLoadRefusesTerminal: `load` without -i on a terminal stdin says
// podman's words, nothing else, and exits 125.
func TestLoadRefusesTerminal(t *testing.T) {
	p := newPier(t)
	code, out := p.RunInPty(24, 80, "load")
	if code != 125 || strings.TrimSpace(strings.ReplaceAll(out, "\r", "")) != "Error: cannot read from terminal, use command-line redirection or the --input flag" {
		t.Errorf("load on a terminal: exit %d, %q", code, out)
	}
}
