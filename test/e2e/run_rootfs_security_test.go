package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// rootfsDir unpacks the test image's rootfs into a directory of its own.
func rootfsDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "rootfs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("tar", "-C", dir, "-xf", imageTar).CombinedOutput(); err != nil {
		t.Fatalf("unpacking the rootfs: %v\n%s", err, out)
	}
	return dir
}

// --rootfs runs from a directory: writes land in it without :O, stay in
// the container (across restarts) with :O, and rm leaves the directory.
func TestRunRootfs(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	dir := rootfsDir(t)
	p.MustRun("run", "--rm", "--rootfs", dir, "touch", "/written")
	if _, err := os.Stat(filepath.Join(dir, "written")); err != nil {
		t.Errorf("a write in a --rootfs container should land in the directory: %v", err)
	}

	p.MustRun("create", "--name", "ov", "--rootfs", dir+":O", "sh", "-c", "cat /o 2>/dev/null; echo x > /o")
	if got := p.MustRun("start", "-a", "ov").Out(); got != "" {
		t.Errorf("first run should not see /o, got %q", got)
	}
	if got := p.MustRun("start", "-a", "ov").Out(); got != "x" {
		t.Errorf("second run should see its own write, got %q", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "o")); !os.IsNotExist(err) {
		t.Errorf("an :O rootfs must stay untouched, stat /o: %v", err)
	}
	if got := p.Inspect("ov", "{{.Rootfs}}|{{.Image}}|{{.ImageName}}"); got != dir+"||" {
		t.Errorf("inspect Rootfs|Image|ImageName: want %q, got %q", dir+"||", got)
	}
	// cp reaches the overlay of a stopped container, not the directory.
	src := filepath.Join(t.TempDir(), "copied")
	os.WriteFile(src, []byte("copied\n"), 0o644)
	p.MustRun("create", "--name", "cpd", "--rootfs", dir+":O", "cat", "/copied")
	p.MustRun("cp", src, "cpd:/copied")
	if got := p.MustRun("start", "-a", "cpd").Out(); got != "copied" {
		t.Errorf("cp into a stopped :O rootfs container: want copied, got %q", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "copied")); !os.IsNotExist(err) {
		t.Errorf("cp into an :O container must leave the directory alone: %v", err)
	}
	p.MustRun("rm", "ov", "cpd")
	if _, err := os.Stat(filepath.Join(dir, "bin", "busybox")); err != nil {
		t.Errorf("rm must leave the rootfs directory: %v", err)
	}
	p.ExpectEngineError(p.Run("create", "--rootfs", dir+"-missing", "true"), "faccessat "+dir+"-missing: no such file or directory")
	p.ExpectEngineError(p.Run("create", "--rootfs", dir+":idmap", "true"), "idmapped root filesystems are not supported")
}

// ociSpec reads the runtime spec a started container was given.
func ociSpec(t *testing.T, p *Pier, ctr string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(p.Inspect(ctr, "{{.OCIConfigPath}}"))
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// --personality and --rdt-class reach the spec as given (runc 1.1 here
// applies neither, and podman 5.8.2 with it runs the container as well).
func TestRunPersonalityRdt(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "--name", "pr", "--personality", "LINUX32", "--rdt-class", "cos1", Image, "true")
	linux, _ := ociSpec(t, p, "pr")["linux"].(map[string]any)
	b, _ := json.Marshal([]any{linux["personality"], linux["intelRdt"]})
	if want := `[{"domain":"LINUX32"},{"closID":"cos1"}]`; string(b) != want {
		t.Errorf("spec personality, intelRdt: want %s, got %s", want, b)
	}
}

// --seccomp-policy=image takes the profile in the image's label; an image
// without one, or an unknown policy, is podman's error.
func TestRunSeccompPolicyImage(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	prof := `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}`
	p.MustRun("import", "-c", "LABEL io.containers.seccomp.profile="+prof, imageTar, "localhost/seccomp-label")
	r := p.Run("run", "--rm", "--seccomp-policy", "image", "localhost/seccomp-label", "mkdir", "/tmp/d")
	if r.ExitCode != 1 || !strings.Contains(r.Stderr, "Operation not permitted") {
		t.Errorf("the image's profile should refuse mkdir: %s", r)
	}
	p.MustRun("run", "--rm", "localhost/seccomp-label", "mkdir", "/tmp/d")
	p.ExpectEngineError(p.Run("create", "--seccomp-policy", "image", Image, "true"), "no seccomp policy defined by image")
	p.ExpectEngineError(p.Run("create", "--seccomp-policy", "bogus", Image, "true"), `invalid seccomp policy "bogus": valid policies are ["default" "image"]`)
}

// --preserve-fd passes the named fds at their numbers; the others of the
// range are not the caller's.
func TestRunPreserveFD(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	out, err := runPreservingFD4(t, p, "run", "--rm", "--preserve-fd", "4", Image)
	if got := string(out); err != nil || got != "from fd 4\n/dev/null\n" {
		t.Errorf("--preserve-fd 4: want fd 4's content and /dev/null at fd 3, got %q (%v)", got, err)
	}
	p.ExpectEngineError(p.Run("run", "--rm", "--preserve-fd", "9", Image, "true"), "file descriptor 9 is not available - the preserve-fd option requires that file descriptors must be passed")
	r := p.Run("run", "--rm", "--preserve-fd", "1", Image, "true")
	if r.ExitCode != 126 || !strings.Contains(r.Stderr, "cannot preserve FD 1, consider using the passthrough log-driver") {
		t.Errorf("--preserve-fd 1: want podman's exit 126 and text: %s", r)
	}
}

// runPreservingFD4 runs pier with args followed by a shell that prints
// what it reads on fd 4 and where its fd 3 points; the caller passes its
// own files as fds 3 and 4, of which only 4 (holding "from fd 4") is
// asked to be preserved.
func runPreservingFD4(t *testing.T, p *Pier, args ...string) ([]byte, error) {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "fd")
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("from fd 4\n")
	f.Seek(0, 0)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := p.Command(ctx, RunOpts{}, append(args, "sh", "-c", "cat <&4; readlink /proc/self/fd/3")...)
	other, _ := os.Open(os.Args[0])
	defer other.Close()
	cmd.ExtraFiles = []*os.File{other, f} // fds 3 and 4
	return cmd.Output()
}

// --decryption-key is read as podman reads it, even when nothing is
// pulled; --disable-content-trust is accepted and does nothing.
func TestRunDecryptionKey(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.ExpectEngineError(p.Run("create", "--decryption-key", "/nonexistent.pem", Image, "true"), "invalid decryption keys: open /nonexistent.pem: no such file or directory")
	key := filepath.Join(t.TempDir(), "key.pem")
	if out, err := exec.Command("openssl", "genrsa", "-out", key, "2048").CombinedOutput(); err != nil {
		t.Fatalf("openssl: %v %s", err, out)
	}
	if got := p.MustRun("run", "--rm", "--disable-content-trust", "--decryption-key", key, Image, "echo", "ok").Out(); got != "ok" {
		t.Errorf("want ok, got %q", got)
	}
	p.ExpectEngineError(p.Run("pull", "--decryption-key", "/nonexistent.pem", "oci:/nonexistent"), "invalid decryption keys: open /nonexistent.pem")

	// An image whose layer skopeo encrypted for key's public half.
	dir := t.TempDir()
	pub := filepath.Join(dir, "pub.pem")
	if out, err := exec.Command("openssl", "rsa", "-in", key, "-pubout", "-out", pub).CombinedOutput(); err != nil {
		t.Fatalf("openssl: %v %s", err, out)
	}
	p.MustRun("push", Image, "oci:"+dir+"/plain:v1")
	if out, err := exec.Command("skopeo", "copy", "--encryption-key", "jwe:"+pub, "oci:"+dir+"/plain:v1", "oci:"+dir+"/enc:v1").CombinedOutput(); err != nil {
		t.Fatalf("skopeo: %v %s", err, out)
	}
	p.MustRun("rmi", Image)
	if r := p.Run("pull", "-q", "oci:"+dir+"/enc:v1"); r.ExitCode != 125 {
		t.Errorf("an encrypted layer without the key must fail: %s", r)
	}
	if got := p.MustRun("run", "--rm", "--decryption-key", key, "oci:"+dir+"/enc:v1", "echo", "decrypted").Out(); !strings.HasSuffix(got, "decrypted") {
		t.Errorf("run with the key: want decrypted, got %q", got)
	}
}

// withSubIDs runs pier in a mount namespace of its own where /etc/subuid
// and /etc/subgid hold subids, so the host's files stay untouched.
func withSubIDs(t *testing.T, p *Pier, subids string, args ...string) Result {
	t.Helper()
	f := filepath.Join(t.TempDir(), "subid")
	if err := os.WriteFile(f, []byte(subids), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `mount --bind "$1" /etc/subuid && mount --bind "$1" /etc/subgid && shift && exec "$@"`
	cmd := exec.Command("unshare", append([]string{"-m", "sh", "-c", script, "sh", f, p.Bin}, p.Args(args...)...)...)
	cmd.Env, cmd.Dir = p.env(nil), p.Dir
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code, _ := exitStatus(cmd, err)
	return Result{Args: args, Stdout: stdout.String(), Stderr: stderr.String(), ExitCode: code}
}

// --userns=auto: storage picks unused ranges of the "containers" user's
// subordinate IDs, per container; without such an entry, podman's error.
func TestRunUsernsAuto(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	subids := "containers:300000:100000\n"
	r := withSubIDs(t, p, subids, "run", "--name", "a1", "--userns=auto:size=500", Image, "cat", "/proc/self/uid_map")
	if got := strings.Fields(r.Stdout); r.ExitCode != 0 || strings.Join(got, " ") != "0 300000 500" {
		t.Errorf("auto:size=500: want the map 0 300000 500: %s", r)
	}
	r = withSubIDs(t, p, subids, "run", "--rm", "--userns=auto:size=100,uidmapping=0:450000:1", Image, "cat", "/proc/self/uid_map")
	if got := strings.Join(strings.Fields(r.Stdout), " "); r.ExitCode != 0 || got != "1 300500 99 0 450000 1" {
		t.Errorf("a second container must get the next free range, uid 0 from uidmapping: %s", r)
	}
	if got := p.Inspect("a1", "{{.HostConfig.UsernsMode}}|{{.HostConfig.IDMappings.UIDMap}}{{.HostConfig.IDMappings.GIDMap}}"); got != "|[0:300000:500][0:300000:500]" {
		t.Errorf("inspect: want podman's empty UsernsMode and the maps, got %q", got)
	}
	// The ranges are fixed at create: a restart keeps them.
	if got := strings.Join(strings.Fields(p.MustRun("start", "-a", "a1").Stdout), " "); got != "0 300000 500" {
		t.Errorf("restart of a1: want the same map, got %q", got)
	}
	r = withSubIDs(t, p, "", "run", "--rm", "--userns=auto", Image, "true")
	if r.ExitCode != 125 || !strings.Contains(r.Stderr, "Error: creating container storage: not enough unused IDs in user namespace") {
		t.Errorf("no containers entry: want podman's error: %s", r)
	}
	p.ExpectEngineError(p.Run("create", "--userns=auto:foo=1", Image), `unknown option specified: "foo"`)
	p.ExpectEngineError(p.Run("create", "--userns=auto", "--uidmap", "0:1:1", Image), "mutually exclusive")
	if ids := p.PsIDs(); len(ids) != 1 {
		t.Errorf("only a1 should exist, got %v", ids)
	}
}

// Idmapped mounts: with this host's runc (no idmap in `runc features`) a
// mapping mount is refused at create; with a runtime that supports them
// the spec gets the container's (or the given) mappings, and the idmap
// option itself never reaches the runtime.
func TestRunIDMapMounts(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	src := t.TempDir()
	p.ExpectEngineError(p.Run("create", "--uidmap", "0:100000:65536", "-v", src+":/x:idmap", Image, "true"),
		"idmapped mount on /x: the OCI runtime runc does not support idmapped mounts")
	p.ExpectEngineError(p.Run("create", "-v", src+":/x:idmap=bogus", Image, "true"), `unknown option "bogus"`)
	if ids := p.PsIDs(); len(ids) != 0 {
		t.Fatalf("refused creates must leave nothing: %v", ids)
	}
	// Outside a user namespace plain idmap maps nothing, as in podman.
	p.MustRun("run", "--rm", "-v", src+":/x:idmap", Image, "true")

	wrapper := filepath.Join(p.Dir, "idmap-runc") // outlives the test's cleanup rm
	script := "#!/bin/sh\nfor a; do [ \"$a\" = features ] && { echo '{\"ociVersionMin\":\"1.0.0\",\"ociVersionMax\":\"1.1.0\",\"linux\":{\"mountExtensions\":{\"idmap\":{\"enabled\":true}}}}'; exit 0; }; done\nexec " + runcBin + " \"$@\"\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	p.MustRun("create", "--runtime", wrapper, "--name", "im", "--uidmap", "0:100000:65536",
		"--mount", "type=bind,src="+src+",dst=/x,idmap", "-v", src+":/y:idmap=uids=0-1-10;gids=0-100-10", Image, "true")
	p.MustRun("init", "im")
	got := map[string]string{}
	for _, m := range ociSpec(t, p, "im")["mounts"].([]any) {
		mm := m.(map[string]any)
		if d := mm["destination"].(string); d == "/x" || d == "/y" {
			b, _ := json.Marshal([]any{mm["options"], mm["uidMappings"], mm["gidMappings"]})
			got[d] = string(b)
		}
	}
	want := map[string]string{
		"/x": `[["rprivate","rbind"],[{"containerID":0,"hostID":100000,"size":65536}],[{"containerID":0,"hostID":100000,"size":65536}]]`,
		"/y": `[["rprivate","rbind"],[{"containerID":0,"hostID":1,"size":10}],[{"containerID":0,"hostID":100,"size":10}]]`,
	}
	for d, w := range want {
		if got[d] != w {
			t.Errorf("mount %s: want %s, got %s", d, w, got[d])
		}
	}
}

// --mount type=image,rw=true: an overlay over the image; writes work, the
// image stays as it was and the next start drops them, as in podman.
func TestRunImageMountRW(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("create", "--name", "imw", "--mount", "type=image,src="+Image+",dst=/img,rw=true", Image,
		"sh", "-c", "cat /img/w 2>/dev/null; echo x > /img/w && echo wrote")
	for i := 0; i < 2; i++ {
		if got := p.MustRun("start", "-a", "imw").Out(); got != "wrote" {
			t.Errorf("start %d: want only %q (earlier writes dropped), got %q", i, "wrote", got)
		}
	}
	if got := p.Inspect("imw", "{{range .Mounts}}{{.Type}} {{.RW}}{{end}}"); got != "image true" {
		t.Errorf("inspect: want image true, got %q", got)
	}
	r := p.Run("run", "--rm", "--mount", "type=image,src="+Image+",dst=/img", Image, "sh", "-c", "ls /img/w; touch /img/w")
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "Read-only file system") || !strings.Contains(r.Stderr, "No such file") {
		t.Errorf("a read-only image mount must refuse writes and show none of imw's: %s", r)
	}
}
