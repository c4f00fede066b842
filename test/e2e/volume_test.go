package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Named volumes: created on first use, data kept across containers, in
// podman's inspect shape, refused for removal while used (exit 2).
func TestVolumeNamed(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "--rm", "-v", "data:/vol", Image, "sh", "-c", "echo kept >/vol/f")
	if got := p.MustRun("run", "--rm", "-v", "data:/mnt:ro", Image, "cat", "/mnt/f").Out(); got != "kept" {
		t.Errorf("data across containers: %q", got)
	}
	if got := p.MustRun("run", "--rm", "--mount", "type=volume,src=data,dst=/m,ro", Image, "cat", "/m/f").Out(); got != "kept" {
		t.Errorf("--mount type=volume: %q", got)
	}
	r0 := p.Run("run", "--rm", "--mount", "type=volume,src=data,dst=/m,ro", Image, "touch", "/m/g")
	if r0.ExitCode == 0 {
		t.Errorf("--mount ro is writable: %s", r0)
	}
	mp := p.MustRun("volume", "inspect", "--format", "{{.Mountpoint}}", "data").Out()
	if want := filepath.Join(p.Root, "volumes", "data", "_data"); mp != want {
		t.Errorf("mountpoint %q, want %q", mp, want)
	}
	if b, err := os.ReadFile(filepath.Join(mp, "f")); err != nil || string(b) != "kept\n" {
		t.Errorf("data on the host: %q %v", b, err)
	}

	// A new volume belongs to the container's user (podman's chown at
	// first use) when the image has nothing at the destination.
	p.MustRun("run", "--rm", "-u", "1000:1000", "-v", "owned:/newdir", Image, "touch", "/newdir/x")
	if got := p.MustRun("run", "--rm", "-v", "owned:/o", Image, "stat", "-c", "%u:%g", "/o", "/o/x").Out(); got != "1000:1000\n1000:1000" {
		t.Errorf("owner of a new volume: %q", got)
	}
	p.MustRun("volume", "rm", "owned")
	p.MustRun("create", "--name", "user", "-v", "data:/vol", Image, "true")
	if got := p.Inspect("user", "{{range .Mounts}}{{.Type}} {{.Name}} {{.Driver}} {{.Source}}{{end}}"); got != "volume data local "+mp {
		t.Errorf("inspect Mounts: %q", got)
	}
	id := p.Inspect("user", "{{.Id}}")
	r := p.Expect(2, "volume", "rm", "data")
	if want := "Error: volume data is being used by the following container(s): " + id + ": volume is being used"; strings.TrimSpace(r.Stderr) != want {
		t.Errorf("in-use error: %q, want %q", r.Stderr, want)
	}
	if got := p.MustRun("volume", "ls", "--filter", "dangling=true", "-q").Out(); got != "" {
		t.Errorf("a used volume is not dangling: %q", got)
	}
	if got := p.MustRun("volume", "rm", "-f", "data").Out(); got != "data" {
		t.Errorf("rm -f: %q", got)
	}
	if r := p.Run("container", "exists", "user"); r.ExitCode != 1 {
		t.Errorf("rm -f removes the user: %s", r)
	}
	if _, err := os.Stat(mp); !os.IsNotExist(err) {
		t.Errorf("volume data left: %v", err)
	}
	r = p.Expect(1, "volume", "rm", "data")
	if !strings.Contains(r.Stderr, `no volume with name "data" found: no such volume`) {
		t.Errorf("rm of a missing volume: %s", r)
	}
}

// Anonymous volumes come from -v /dst and the image's VOLUMEs, are filled
// from the image (copy-up, nocopy honoured) and go with rm -v and run --rm.
func TestVolumeAnonymousCopyUp(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "--name", "src", Image, "sh", "-c", "mkdir -p /data && echo from-image >/data/seed")
	p.MustRun("commit", "-q", "-c", "VOLUME /data", "src", "withvol")
	p.MustRun("rm", "src")

	p.MustRun("create", "--name", "a", "withvol", "cat", "/data/seed")
	name := p.Inspect("a", "{{range .Mounts}}{{.Name}}{{end}}")
	if len(name) != 64 {
		t.Fatalf("image VOLUME should get an anonymous volume: %q", name)
	}
	if got := p.MustRun("start", "-a", "a").Out(); got != "from-image" {
		t.Errorf("copy-up of image content: %q", got)
	}
	mp := p.MustRun("volume", "inspect", "--format", "{{.Mountpoint}} {{.Anonymous}}", name).Out()
	if !strings.HasSuffix(mp, " true") {
		t.Errorf("anonymous volume inspect: %q", mp)
	}
	p.MustRun("rm", "-v", "a")
	if r := p.Run("volume", "exists", name); r.ExitCode != 1 {
		t.Errorf("rm -v keeps the anonymous volume: %s", r)
	}

	// nocopy: the volume starts empty.
	if got := p.MustRun("run", "--rm", "-v", "nc:/data:nocopy", "withvol", "ls", "/data").Out(); got != "" {
		t.Errorf("nocopy volume not empty: %q", got)
	}
	// run --rm takes -v /dst's volume with it; a named one stays.
	p.MustRun("run", "--rm", "-v", "/scratch", Image, "touch", "/scratch/x")
	if got := p.MustRun("volume", "ls", "-q").Out(); got != "nc" {
		t.Errorf("volumes after run --rm: %q", got)
	}
	if got := p.MustRun("volume", "prune", "-f").Out(); got != "nc" {
		t.Errorf("prune: %q", got)
	}
}

// Bad volume input: one line, nothing created.
func TestVolumeBadInput(t *testing.T) {
	t.Parallel()
	p := newPierNoImage(t)
	p.ExpectEngineError(p.Run("volume", "create", "b@d"), "names must match")
	p.ExpectEngineError(p.Run("volume", "create", "-o", "foo=bar", "x"), "invalid mount option foo for driver 'local'")
	p.ExpectEngineError(p.Run("volume", "create", "-o", "device=/x", "x"), "must provide a type option")
	p.ExpectEngineError(p.Run("volume", "create", "-d", "bogus", "x"), "volume x uses volume plugin bogus but it could not be retrieved: no volume plugin with name bogus available: required plugin missing")
	p.MustRun("volume", "create", "x")
	p.MustRun("volume", "create", "y")
	if got := p.MustRun("volume", "prune", "-f", "--filter", "name=y").Out(); got != "y" {
		t.Errorf("prune --filter name: %q", got)
	}
	p.ExpectEngineError(p.Run("volume", "create", "x"), "volume with name x already exists: volume already exists")
	if got := p.MustRun("volume", "create", "--ignore", "x").Out(); got != "x" {
		t.Errorf("--ignore: %q", got)
	}
	if got := p.MustRun("volume", "ls", "--format", "{{.Name}}").Out(); got != "x" {
		t.Errorf("volumes: %q", got)
	}
	p.MustRun("volume", "rm", "-a")
}

// system df counts volumes and their bytes; system prune --volumes
// removes the unused ones and reports them.
func TestVolumeSystemDfPrune(t *testing.T) {
	t.Parallel()
	p := newPierNoImage(t)
	mp := p.MustRun("volume", "create", "--label", "k=v", "dfv").Out()
	mp = filepath.Join(p.Root, "volumes", mp, "_data")
	if err := os.WriteFile(filepath.Join(mp, "f"), []byte("hi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := p.MustRun("system", "df", "--format", "{{.Type}} {{.Total}} {{.Size}}").Lines(); len(got) != 3 || got[2] != "Local Volumes 1 3B" {
		t.Errorf("system df: %q", got)
	}
	p.MustRun("system", "prune", "-f", "--volumes", "--filter", "label=other")
	if got := p.MustRun("volume", "ls", "-q").Out(); got != "dfv" {
		t.Errorf("prune --filter took a volume it does not match: %q", got)
	}
	if got := p.MustRun("system", "prune", "-f", "--volumes").Out(); got != "Deleted Volumes\ndfv\nTotal reclaimed space: 3B" {
		t.Errorf("system prune --volumes: %q", got)
	}
}

// A volume's lock file lives as long as the volume: rm -a's lock GC keeps
// a live volume's and removes an orphan's.
func TestVolumeLockGC(t *testing.T) {
	t.Parallel()
	p := newPierNoImage(t)
	p.MustRun("volume", "create", "my-vol")
	dir := filepath.Join(p.RunRoot, "pier", "locks")
	if err := os.WriteFile(filepath.Join(dir, "volume-gone.lock"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	p.MustRun("rm", "-a")
	if locks := p.LockFiles(); len(locks) != 1 || locks[0] != "volume-my-vol.lock" {
		t.Errorf("lock files after GC: %v", locks)
	}
	p.MustRun("volume", "rm", "my-vol")
	if locks := p.LockFiles(); len(locks) != 0 {
		t.Errorf("lock files after volume rm: %v", locks)
	}
}

// system reset removes volumes, also where --volumepath puts them outside
// the graph root.
func TestVolumeSystemReset(t *testing.T) {
	t.Parallel()
	p := newPierNoImage(t)
	vp := filepath.Join(p.Dir, "vols")
	p.MustRun("--volumepath", vp, "volume", "create", "keep")
	if _, err := os.Stat(filepath.Join(vp, "keep", "_data")); err != nil {
		t.Fatalf("--volumepath: %v", err)
	}
	p.MustRun("--volumepath", vp, "system", "reset", "-f")
	if _, err := os.Stat(filepath.Join(vp, "keep")); !os.IsNotExist(err) {
		t.Errorf("system reset left the volume: %v", err)
	}
}
