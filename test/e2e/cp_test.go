package e2e

import (
	"archive/tar"
	"bytes"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// cp in both directions, for running and stopped containers, with
// podman's path rules, tar streams, ownership and --overwrite.
func TestCp(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	host := t.TempDir()
	data := make([]byte, 5<<20)
	_, _ = rand.Read(data)
	write := func(name string, b []byte) string {
		path := filepath.Join(host, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	big := write("big.bin", data)
	write("dir/a", []byte("A\n"))
	write("dir/sub/b", []byte("B\n"))

	p.MustRun("run", "-d", "--name", "r", "-u", "1000:1000", "--tmpfs", "/mnt", "-w", "/tmp", Image, "sleep", "1000")
	p.MustRun("cp", big, "r:/tmp/")
	if got := p.MustRun("exec", "r", "cat", "/tmp/big.bin").Stdout; got != string(data) {
		t.Errorf("cp of a binary file into a running container: %d bytes back", len(got))
	}
	// --archive (the default): owned by the container's user.
	if got := p.MustRun("exec", "r", "stat", "-c", "%u:%g", "/tmp/big.bin").Out(); got != "1000:1000" {
		t.Errorf("cp -a ownership: %s", got)
	}
	p.MustRun("cp", filepath.Join(host, "dir"), "r:newdir") // relative to the workdir, created
	if got := p.MustRun("exec", "r", "cat", "/tmp/newdir/a", "/tmp/newdir/sub/b").Stdout; got != "A\nB\n" {
		t.Errorf("cp of a directory to a new name: %q", got)
	}
	p.MustRun("cp", filepath.Join(host, "dir")+"/.", "r:/mnt") // contents, into the tmpfs
	if got := p.MustRun("exec", "r", "cat", "/mnt/a").Stdout; got != "A\n" {
		t.Errorf("cp into the container's tmpfs: %q", got)
	}
	out := filepath.Join(host, "out")
	p.MustRun("cp", "r:/tmp/newdir", out)
	if b, err := os.ReadFile(filepath.Join(out, "sub", "b")); err != nil || string(b) != "B\n" {
		t.Errorf("cp of a directory out of the container: %q %v", b, err)
	}
	// Out of the container, files belong to the user running cp.
	if st, err := os.Stat(filepath.Join(out, "a")); err != nil || int(st.Sys().(*syscall.Stat_t).Uid) != os.Getuid() {
		t.Errorf("cp out of the container: owner of a is not the caller: %v", err)
	}

	// Tar streams: stdout, then back through stdin with -a=false, which
	// keeps the archive's owners.
	tarOut := p.MustRun("cp", "r:/tmp/newdir/a", "-").Stdout
	hdr, body := firstTarEntry(t, tarOut)
	if hdr.Name != "a" || body != "A\n" {
		t.Errorf("cp to stdout: %q %q", hdr.Name, body)
	}
	var in bytes.Buffer
	tw := tar.NewWriter(&in)
	_ = tw.WriteHeader(&tar.Header{Name: "owned", Mode: 0o644, Size: 3, Uid: 1042, Gid: 1043, Typeflag: tar.TypeReg})
	_, _ = tw.Write([]byte("hi\n"))
	_ = tw.Close()
	p.RunWith(RunOpts{Stdin: bytes.NewReader(in.Bytes())}, "cp", "-a=false", "-", "r:/tmp/")
	if got := p.MustRun("exec", "r", "stat", "-c", "%u:%g", "/tmp/owned").Out(); got != "1042:1043" {
		t.Errorf("cp -a=false from stdin keeps the tar's owners: %q", got)
	}
	r := p.RunWith(RunOpts{Stdin: strings.NewReader("not a tar")}, "cp", "-", "r:/tmp/")
	if r.ExitCode != 125 || !strings.Contains(r.Stderr, "source must be a (compressed) tar archive when copying from stdin") {
		t.Errorf("cp of a non-tar stdin: %s", r)
	}

	// --overwrite: a directory does not replace a file unless asked.
	p.MustRun("exec", "r", "touch", "/tmp/sub")
	r = p.Run("cp", filepath.Join(host, "dir", "sub"), "r:/tmp")
	if r.ExitCode != 125 || !strings.Contains(r.Stderr, `error creating "/tmp/sub"`) || !strings.Contains(r.Stderr, "file exists") {
		t.Errorf("cp of a directory over a file: %s", r)
	}
	p.MustRun("cp", "--overwrite", filepath.Join(host, "dir", "sub"), "r:/tmp")
	if got := p.MustRun("exec", "r", "cat", "/tmp/sub/b").Out(); got != "B" {
		t.Errorf("cp --overwrite: %q", got)
	}

	// Errors.
	r = p.Run("cp", big, "nosuchctr:/tmp")
	if r.ExitCode != 125 || r.Stderr != "Error: container \"nosuchctr\" does not exist\n" {
		t.Errorf("cp to a missing container: %s", r)
	}
	if r := p.Run("cp", big, big+".2"); r.ExitCode != 125 || r.Stderr != "Error: name or ID cannot be empty\n" {
		t.Errorf("cp without a container: %s", r)
	}
	r = p.Run("cp", big, "r:/IdoNotExist/")
	if r.ExitCode != 125 || r.Stderr != "Error: \"/IdoNotExist/\" could not be found on container r: no such file or directory\n" {
		t.Errorf("cp to a missing container dir: %s", r)
	}
	r = p.Run("cp", "r:/tmp/newdir", big)
	if r.ExitCode != 125 || r.Stderr != "Error: destination must be a directory when copying a directory\n" {
		t.Errorf("cp of a directory onto a file: %s", r)
	}

	// A stopped container: through its storage.
	p.MustRun("stop", "-t", "0", "r")
	p.MustRun("cp", filepath.Join(host, "dir", "a"), "r:/stopped-a")
	p.MustRun("cp", "r:/stopped-a", filepath.Join(host, "back-a"))
	if b, _ := os.ReadFile(filepath.Join(host, "back-a")); string(b) != "A\n" {
		t.Errorf("cp in and out of a stopped container: %q", b)
	}
	p.MustRun("start", "r")
	if got := p.MustRun("exec", "r", "cat", "/stopped-a").Out(); got != "A" {
		t.Errorf("a file copied into a stopped container, after start: %q", got)
	}
}

// A symlink in the container is resolved inside its root: one pointing at
// /etc reaches the container's /etc, never the host's, in and out, running
// or stopped.
func TestCpSymlinkStaysInContainer(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	host := t.TempDir()
	marker := "pier-cp-escape-" + filepath.Base(host)
	src := filepath.Join(host, marker)
	if err := os.WriteFile(src, []byte("inside\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p.MustRun("run", "-d", "--name", "s", Image, "sh", "-c",
		"ln -s /etc /tmp/evil; ln -s ../../../../../../../../etc /tmp/evil-rel; echo ctr-passwd > /tmp/p; sleep 1000")
	if !eventually(10*time.Second, func() bool { return p.Run("exec", "s", "test", "-L", "/tmp/evil-rel").ExitCode == 0 }) {
		t.Fatal("container did not make its links")
	}
	ctrPasswd := p.MustRun("exec", "s", "cat", "/etc/passwd").Stdout
	for _, stopped := range []bool{false, true} {
		if stopped {
			p.MustRun("stop", "-t", "0", "s")
		}
		for _, link := range []string{"/tmp/evil", "/tmp/evil-rel"} {
			out := filepath.Join(host, "out")
			os.Remove(out)
			p.MustRun("cp", "s:"+link+"/passwd", out)
			b, err := os.ReadFile(out)
			if err != nil || string(b) != ctrPasswd {
				t.Errorf("cp out through %s (stopped %v) did not read the container's /etc/passwd: %q %v", link, stopped, b, err)
			}
			p.MustRun("cp", src, "s:"+link+"/")
			if _, err := os.Stat("/etc/" + marker); err == nil {
				os.Remove("/etc/" + marker)
				t.Fatalf("cp into %s (stopped %v) wrote the host's /etc", link, stopped)
			}
		}
	}
	p.MustRun("start", "s")
	if got := p.MustRun("exec", "s", "cat", "/etc/"+marker).Out(); got != "inside" {
		t.Errorf("cp through a link did not land in the container's /etc: %q", got)
	}
}

func firstTarEntry(t *testing.T, s string) (*tar.Header, string) {
	t.Helper()
	tr := tar.NewReader(strings.NewReader(s))
	hdr, err := tr.Next()
	if err != nil {
		t.Fatalf("reading tar from cp: %v", err)
	}
	b, _ := io.ReadAll(tr)
	return hdr, string(b)
}

// A symlink to /etc swapped in and out while copies run: every copy lands
// in the container (or fails), never in the host's /etc.
func TestCpSymlinkSwapRace(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	host := t.TempDir()
	marker := "pier-cp-race-" + filepath.Base(host)
	src := filepath.Join(host, marker)
	if err := os.WriteFile(src, []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p.MustRun("run", "-d", "--name", "race", Image, "sh", "-c",
		"while :; do mkdir -p /tmp/x; rm -rf /tmp/x; ln -s /etc /tmp/x; rm -f /tmp/x; done")
	defer os.Remove("/etc/" + marker)
	for i := 0; i < 15; i++ {
		p.Run("cp", src, "race:/tmp/x/")
		p.Run("cp", "race:/tmp/x/passwd", filepath.Join(host, "out"))
		if _, err := os.Stat("/etc/" + marker); err == nil {
			t.Fatalf("copy %d followed the swapped link to the host's /etc", i)
		}
		if b, err := os.ReadFile(filepath.Join(host, "out")); err == nil && strings.HasPrefix(string(b), "root:x:0:0:root:/root:/bin/bash") {
			t.Fatalf("copy %d read the host's /etc/passwd", i)
		}
	}
}

// Into and out of a stopped container's bind mount: the copy goes to the
// mount's source, which the container sees once started, as podman's.
func TestCpStoppedBindMount(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	bind := t.TempDir()
	host := t.TempDir()
	if err := os.WriteFile(filepath.Join(bind, "there"), []byte("there\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(host, "f"), []byte("f\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p.MustRun("create", "--name", "b", "-v", bind+":/data", Image, "sleep", "1000")
	p.MustRun("cp", filepath.Join(host, "f"), "b:/data/")
	if b, err := os.ReadFile(filepath.Join(bind, "f")); err != nil || string(b) != "f\n" {
		t.Errorf("cp into a stopped container's bind mount: %q %v", b, err)
	}
	p.MustRun("cp", "b:/data/there", filepath.Join(host, "there"))
	if b, err := os.ReadFile(filepath.Join(host, "there")); err != nil || string(b) != "there\n" {
		t.Errorf("cp out of a stopped container's bind mount: %q %v", b, err)
	}
	p.MustRun("start", "b")
	if got := p.MustRun("exec", "b", "cat", "/data/f").Out(); got != "f" {
		t.Errorf("the running container does not see the copy: %q", got)
	}
}
