package e2e

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// volume export writes the volume's files as a tar; volume import unpacks
// one (from a file or stdin) into another volume, which a container then
// sees. Errors are podman's.
func TestVolumeExportImport(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("volume", "create", "src")
	p.MustRun("run", "--rm", "-v", "src:/data", Image, "sh", "-c", "mkdir /data/d && echo hello >/data/d/f")
	out := filepath.Join(p.Dir, "src.tar")
	p.MustRun("volume", "export", "-o", out, "src")
	if names := tarNames(t, out); !names["d/f"] {
		t.Fatalf("export holds %v, want d/f", names)
	}
	stdoutTar := filepath.Join(p.Dir, "stdout.tar")
	if err := os.WriteFile(stdoutTar, []byte(p.MustRun("volume", "export", "src").Stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	if names := tarNames(t, stdoutTar); !names["d/f"] {
		t.Errorf("export to stdout holds %v, want d/f", names)
	}

	p.MustRun("volume", "create", "dst")
	p.MustRun("volume", "import", "dst", out)
	if got := p.MustRun("run", "--rm", "-v", "dst:/data", Image, "cat", "/data/d/f").Out(); got != "hello" {
		t.Errorf("imported file reads %q", got)
	}
	p.MustRun("volume", "create", "fromstdin")
	if r := p.RunWith(RunOpts{Stdin: strings.NewReader(mustRead(out))}, "volume", "import", "fromstdin", "-"); r.ExitCode != 0 {
		t.Fatalf("import from stdin: %s", r)
	}
	if got := p.MustRun("run", "--rm", "-v", "fromstdin:/data", Image, "cat", "/data/d/f").Out(); got != "hello" {
		t.Errorf("file imported from stdin reads %q", got)
	}

	p.ExpectEngineError(p.Run("volume", "import", "nosuch", out), `no volume with name "nosuch" found: no such volume`)
	p.ExpectEngineError(p.Run("volume", "export", "nosuch"), `no volume with name "nosuch" found: no such volume`)
	p.ExpectEngineError(p.Run("volume", "import", "dst", filepath.Join(p.Dir, "missing.tar")), "unable open input file")
	p.MustRun("volume", "rm", "-a", "-f")
}

// A tar entry that climbs out of the volume lands inside it, never on the
// host: the unpacking is chrooted into the volume.
func TestVolumeImportStaysInside(t *testing.T) {
	t.Parallel()
	p := newPierNoImage(t)
	p.MustRun("volume", "create", "v")
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	escape := filepath.Join(p.Dir, "escaped")
	for _, name := range []string{"../../../../../../.." + escape, "ok"} {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: 2, Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte("x\n"))
	}
	tw.Close()
	p.RunWith(RunOpts{Stdin: &buf}, "volume", "import", "v", "-")
	if _, err := os.Stat(escape); err == nil {
		t.Fatalf("a tar entry was written outside the volume: %s", escape)
	}
	mp := p.MustRun("volume", "inspect", "--format", "{{.Mountpoint}}", "v").Out()
	if _, err := os.Stat(filepath.Join(mp, "ok")); err != nil {
		t.Errorf("the ordinary entry is missing from the volume: %v", err)
	}
	p.MustRun("volume", "rm", "v")
}

// volume create --uid/--gid own the data directory, show in inspect as
// podman's UID and GID, and a container's first use leaves the owner.
func TestVolumeCreateOwner(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("volume", "create", "--uid", "1234", "--gid", "99", "owned")
	if got := p.MustRun("volume", "inspect", "--format", "{{.UID}}:{{.GID}}", "owned").Out(); got != "1234:99" {
		t.Errorf("inspect UID:GID %q", got)
	}
	if got := p.MustRun("run", "--rm", "-v", "owned:/data", Image, "stat", "-c", "%u:%g", "/data").Out(); got != "1234:99" {
		t.Errorf("the container sees /data owned by %q", got)
	}
	p.MustRun("volume", "rm", "owned")
}
