package e2e

import (
	"archive/tar"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.podman.io/storage"
)

// Container storage verbs: mount/umount, export, diff, and containers of
// other tools (buildah) in the same storage.

// externalContainer makes a container in pier's storage the way buildah
// does (`buildah from`): a storage container with buildah's state file,
// which pier's state does not know. It returns the container's ID.
func externalContainer(t *testing.T, p *Pier, name string) string {
	t.Helper()
	imageID := p.MustRun("image", "inspect", "--format", "{{.ID}}", Image).Out()
	store, err := storage.GetStore(storage.StoreOptions{GraphRoot: p.Root, RunRoot: p.RunRoot, GraphDriverName: "overlay"})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _, _ = store.Shutdown(false) }()
	c, err := store.CreateContainer("", []string{name}, imageID, "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := store.ContainerDirectory(c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "buildah.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func TestMountCountsLikePodman(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "--name", "m1", Image, "sh", "-c", "echo content > /tmp/f")
	id := p.MustRun("inspect", "--format", "{{.ID}}", "m1").Out()

	path := p.MustRun("mount", "m1").Out()
	if b, err := os.ReadFile(filepath.Join(path, "tmp/f")); err != nil || string(b) != "content\n" {
		t.Fatalf("mounted rootfs should hold the container's file: %q %v", b, err)
	}
	if again := p.MustRun("container", "mount", "m1").Out(); again != path {
		t.Errorf("second mount: %q, want %q", again, path)
	}
	// No arguments: the table of mounts, short IDs unless --notruncate.
	if got, want := p.MustRun("mount").Stdout, id[:12]+"  "+path+"\n"; got != want {
		t.Errorf("mount list: %q, want %q", got, want)
	}
	if got, want := p.MustRun("mount", "--notruncate").Stdout, id+"  "+path+"\n"; got != want {
		t.Errorf("mount --notruncate: %q, want %q", got, want)
	}
	var js []struct {
		ID         string `json:"id"`
		Names      []string
		Mountpoint string `json:"mountpoint"`
	}
	if err := json.Unmarshal([]byte(p.MustRun("mount", "--format", "json").Stdout), &js); err != nil ||
		len(js) != 1 || js[0].ID != id || js[0].Names[0] != "m1" || js[0].Mountpoint != path {
		t.Errorf("mount --format json: %+v %v", js, err)
	}
	p.ExpectEngineError(p.Run("mount", "--format", "{{.ID}}"), `unknown --format argument: "{{.ID}}"`)

	// Mounted twice: the first umount only drops a count.
	if got := p.MustRun("umount", "m1").Out(); got != "m1" {
		t.Errorf("umount prints the name given: %q", got)
	}
	if !strings.Contains(p.MustRun("mount").Stdout, path) {
		t.Error("one umount of two mounts should leave the container mounted")
	}
	p.MustRun("container", "unmount", "m1")
	if got := p.MustRun("mount").Stdout; got != "" {
		t.Errorf("after two umounts nothing is mounted: %q", got)
	}
	if _, err := os.Stat(filepath.Join(path, "tmp/f")); err == nil {
		t.Error("file still visible after the last umount")
	}
	// Unmounting what is not mounted is not an error, as podman.
	if got := p.MustRun("umount", "m1").Out(); got != "m1" {
		t.Errorf("umount of an unmounted container: %q", got)
	}
	p.ExpectEngineError(p.Run("umount", "bogus"), `no container with name or ID "bogus" found: no such container`)
	p.ExpectEngineError(p.Run("umount"), "you must provide at least one name or id")
	p.ExpectEngineError(p.Run("mount", "-a", "m1"), "no arguments are needed with --all")

	// mount -a prints each path; umount -a the IDs it released; -f drops
	// every count at once.
	if got := p.MustRun("mount", "-a").Out(); got != path {
		t.Errorf("mount -a: %q", got)
	}
	p.MustRun("mount", "m1")
	if got := p.MustRun("umount", "-a", "-f").Out(); got != id {
		t.Errorf("umount -a -f: %q, want %q", got, id)
	}
	if got := p.MustRun("mount").Stdout; got != "" {
		t.Errorf("umount -f leaves nothing mounted: %q", got)
	}
}

func TestMountOfRunningContainerSurvivesStop(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	id := p.MustRun("run", "-d", "--name", "r1", Image, "sleep", "100").Out()
	path := p.MustRun("mount", "r1").Out()
	// The runtime's mount is not the user's: umount -a skips a running
	// container, and a plain umount never takes the runtime's mount.
	if got := p.MustRun("umount", "-a").Out(); got != "" {
		t.Errorf("umount -a should skip running containers: %q", got)
	}
	p.MustRun("stop", "-t", "0", "r1")
	// The user's mount outlives the run, as podman counts mounts.
	if got := p.MustRun("mount").Stdout; got != id[:12]+"  "+path+"\n" {
		t.Errorf("user's mount should survive stop: %q", got)
	}
	p.MustRun("umount", "r1")
	if got := p.MustRun("mount").Stdout; got != "" {
		t.Errorf("after umount: %q", got)
	}
	// And a restart after the user's mount is gone still works.
	p.MustRun("start", "r1")
	p.MustRun("umount", "r1") // running and mounted once: skipped
	if !strings.Contains(p.MustRun("mount").Stdout, id[:12]) {
		t.Error("umount must not release a running container's own mount")
	}
	p.MustRun("stop", "-t", "0", "r1")
	if got := p.MustRun("mount").Stdout; got != "" {
		t.Errorf("stop releases the run's mount: %q", got)
	}
}

func TestExternalContainers(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	ext := externalContainer(t, p, "ext1")

	p.Expect(1, "container", "exists", "ext1")
	p.MustRun("container", "exists", "--external", "ext1")
	p.MustRun("container", "exists", "--external", ext[:12])
	p.Expect(1, "container", "exists", "--external", "nosuch")
	ps := p.MustRun("ps", "-a", "--external", "--format", "{{.ID}} {{.Command}} {{.Status}} {{.Names}}").Out()
	if want := ext[:12] + " buildah Storage ext1"; ps != want {
		t.Errorf("ps --external: %q, want %q", ps, want)
	}

	path := p.MustRun("mount", "ext1").Out()
	if _, err := os.Stat(filepath.Join(path, "bin/busybox")); err != nil {
		t.Fatalf("external container's rootfs not mounted at %s: %v", path, err)
	}
	if got := p.MustRun("mount", "--notruncate").Stdout; got != ext+"  "+path+"\n" {
		t.Errorf("mount list with an external container: %q", got)
	}
	// What another tool wrote in the container shows in diff.
	if err := os.WriteFile(filepath.Join(path, "added"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(path, "etc/group")); err != nil {
		t.Fatal(err)
	}
	var d struct{ Changed, Added, Deleted []string }
	if err := json.Unmarshal([]byte(p.MustRun("diff", "--format", "json", "ext1").Stdout), &d); err != nil ||
		strings.Join(d.Added, ",") != "/added" || strings.Join(d.Deleted, ",") != "/etc/group" || strings.Join(d.Changed, ",") != "/etc" {
		t.Errorf("diff of an external container: %+v %v", d, err)
	}
	if got := p.MustRun("container", "diff", ext).Stdout; !strings.Contains(got, "A /added\n") {
		t.Errorf("container diff by ID: %q", got)
	}

	// Mounted: rm needs --force (exit 2, podman's text).
	r := p.Expect(2, "rm", "ext1")
	if !strings.Contains(r.Stderr, `Error: container "ext1" is mounted and cannot be removed without using force: container state improper`) {
		t.Errorf("rm of a mounted external container: %s", r)
	}
	p.MustRun("umount", "ext1")
	if _, err := os.Stat(filepath.Join(path, "bin/busybox")); err == nil {
		t.Error("umount of an external container left its rootfs mounted")
	}
	// rm of a pier container and an external one together.
	p.MustRun("create", "--name", "mine", Image, "true")
	if got := p.MustRun("rm", "mine", "ext1").Lines(); strings.Join(got, ",") != "ext1,mine" {
		t.Errorf("rm output: %q", got)
	}
	p.Expect(1, "container", "exists", "--external", "ext1")
	if out := p.MustRun("ps", "-a", "--external", "-q").Out(); out != "" {
		t.Errorf("rm left containers: %q", out)
	}
	// Unknown names keep rm's exit code 1 and text.
	r = p.Expect(1, "rm", "nosuch")
	if !strings.Contains(r.Stderr, `no container with name or ID "nosuch" found: no such container`) {
		t.Errorf("rm nosuch: %s", r)
	}
	// rm -f of an external container that is mounted unmounts it first.
	externalContainer(t, p, "ext2")
	p.MustRun("mount", "ext2")
	p.MustRun("rm", "-f", "ext2")
	p.Expect(1, "container", "exists", "--external", "ext2")
}

func TestExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "--name", "exp", Image, "sh", "-c", "echo round-trip > /random.txt")
	archive := filepath.Join(p.WorkDir(), "exp.tar")
	p.MustRun("export", "exp", "-o", archive)
	if !tarHas(t, archive, "random.txt") || !tarHas(t, archive, "bin/busybox") {
		t.Fatal("export should hold the whole rootfs and the container's changes")
	}
	iid := lastLine(p.MustRun("import", "-q", archive).Out())
	if got := p.MustRun("run", "--rm", iid, "cat", "/random.txt").Out(); got != "round-trip" {
		t.Errorf("imported export: %q", got)
	}
	// To stdout, when it is not a terminal.
	if r := p.MustRun("container", "export", "exp"); !strings.Contains(r.Stdout, "round-trip") {
		t.Error("export to stdout should write the tar")
	}
	if code, out := p.RunInPty(24, 80, "export", "exp"); code != 125 || !strings.Contains(out, "Error: refusing to export to terminal. Use -o flag or redirect") {
		t.Errorf("export to a terminal: %d %q", code, out)
	}
	// Bad input creates nothing.
	missing := filepath.Join(p.WorkDir(), "none.tar")
	p.ExpectEngineError(p.Run("export", "nosuch", "-o", missing), `no container with name or ID "nosuch" found`)
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("export of a missing container created %s", missing)
	}
	p.ExpectEngineError(p.Run("export", "exp", "-o", filepath.Join(p.WorkDir(), "a:b")), `invalid filename (should not contain ':')`)
	// The export's own mount is released.
	if got := p.MustRun("mount").Stdout; got != "" {
		t.Errorf("export left a mount: %q", got)
	}
}

func tarHas(t *testing.T, path, name string) bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return false
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimPrefix(h.Name, "./") == name {
			return true
		}
	}
}

func TestImageMountTable(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	iid := p.MustRun("image", "inspect", "--format", "{{.ID}}", Image).Out()
	path := p.MustRun("image", "mount", Image).Out()
	if _, err := os.Stat(filepath.Join(path, "bin/busybox")); err != nil {
		t.Fatalf("image not mounted: %v", err)
	}
	row := regexp.MustCompile(`^` + regexp.QuoteMeta(Image) + ` +` + regexp.QuoteMeta(path) + `$`)
	// --all and no arguments print the table, one image name per row.
	if got := p.MustRun("image", "mount", "-a").Out(); !row.MatchString(got) {
		t.Errorf("image mount -a: %q", got)
	}
	if got := p.MustRun("image", "mount").Out(); !row.MatchString(got) {
		t.Errorf("image mount: %q", got)
	}
	// A typo mounts nothing.
	p.ExpectEngineError(p.Run("image", "mount", Image, "nosuch"), "nosuch: image not known")
	if got := p.MustRun("image", "umount", "-f", Image).Out(); got != iid {
		t.Errorf("image umount -f: %q, want %q", got, iid)
	}
	if got := p.MustRun("image", "umount", Image).Out(); got != "" {
		t.Errorf("second image umount: %q", got)
	}
	p.ExpectEngineError(p.Run("image", "umount", "no-such-container"), "Error: no-such-container: image not known")
	if got := p.MustRun("image", "mount").Out(); got != "" {
		t.Errorf("image mount after umount: %q", got)
	}
}

func TestContainerDiffByName(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "--name", "d1", Image, "sh", "-c", "touch /new; rm /etc/group")
	for _, args := range [][]string{{"diff", "d1"}, {"container", "diff", "d1"}} {
		got := p.MustRun(args...).Stdout
		if !strings.Contains(got, "A /new\n") || !strings.Contains(got, "D /etc/group\n") {
			t.Errorf("%v: %q", args, got)
		}
	}
	if got := p.MustRun("diff", "-l").Stdout; !strings.Contains(got, "A /new\n") {
		t.Errorf("diff --latest: %q", got)
	}
	p.ExpectEngineError(p.Run("diff", "-l", "d1"), "--latest and containers cannot be used together")
	p.ExpectEngineError(p.Run("container", "diff"), `"pier container diff" requires a name, id, or the "--latest" flag`)
	p.ExpectEngineError(p.Run("diff", "--format", "table", "d1"), "only supported value for '--format' is 'json'")
	p.ExpectEngineError(p.Run("diff", "nosuch"), "nosuch not found: layer not known")
	p.ExpectEngineError(p.Run("container", "diff", Image), Image+" not found: container not known")
}

func TestCommit(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "--name", "c1", "-e", "FOO=bar", "-l", "team=pier", Image, "sh", "-c", "echo committed > /x")

	// Quiet: the image ID alone, and the image runs with the container's
	// files and settings.
	id := p.MustRun("commit", "-q", "c1", "c1img").Out()
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(id) {
		t.Fatalf("commit -q should print the image ID: %q", id)
	}
	if got := p.MustRun("image", "inspect", "--format", "{{.ID}} {{index .RepoTags 0}}", "c1img").Out(); got != id+" localhost/c1img:latest" {
		t.Errorf("committed image: %q", got)
	}
	if got := p.MustRun("run", "--rm", "c1img", "cat", "/x").Out(); got != "committed" {
		t.Errorf("committed file: %q", got)
	}
	cfg := p.MustRun("image", "inspect", "--format", `{{json .Config.Cmd}} {{index .Config.Labels "team"}} {{.Config.Env}}`, "c1img").Out()
	if !strings.HasPrefix(cfg, `["sh","-c","echo committed > /x"] pier `) || !strings.Contains(cfg, "FOO=bar") {
		t.Errorf("commit should carry the container's command, labels and env: %s", cfg)
	}
	if n := p.MustRun("image", "inspect", "--format", "{{len .RootFS.Layers}}", "c1img").Out(); n != "2" {
		t.Errorf("commit adds one layer over the image's one: %s", n)
	}

	// Not quiet: copy progress on stderr, the ID last on stdout.
	r := p.MustRun("container", "commit", "c1")
	if !strings.Contains(r.Stderr, "Writing manifest to image destination") || !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(lastLine(r.Stdout)) {
		t.Errorf("commit progress and ID: %s", r)
	}

	// --change (podman's KEY=value spelling too), author, message, docker
	// format, squash, iidfile.
	iidFile := filepath.Join(p.WorkDir(), "iid")
	id = p.MustRun("commit", "-q", "-f", "docker", "-m", "my message", "-a", "Me <me@example.com>",
		"-c", `CMD=["cat","/x"]`, "-c", "ENV A=1", "-c", "LABEL foo=bar", "-c", "EXPOSE 8080", "-c", "WORKDIR /w",
		"--squash", "--iidfile", iidFile, "c1", "localhost/c1b:v1").Out()
	if b, err := os.ReadFile(iidFile); err != nil || string(b) != id {
		t.Errorf("--iidfile: %q %v, want %q", b, err, id)
	}
	got := p.MustRun("image", "inspect", "--format",
		`{{.Author}}|{{.Comment}}|{{.ManifestType}}|{{json .Config.Cmd}}|{{.Config.WorkingDir}}|{{index .Config.Labels "foo"}}|{{json .Config.ExposedPorts}}|{{len .RootFS.Layers}}`, "localhost/c1b:v1").Out()
	if want := `Me <me@example.com>|my message|application/vnd.docker.distribution.manifest.v2+json|["cat","/x"]|/w|bar|{"8080/tcp":{}}|1`; got != want {
		t.Errorf("commit options:\n got %s\nwant %s", got, want)
	}
	if got := p.MustRun("run", "--rm", "localhost/c1b:v1").Out(); got != "committed" {
		t.Errorf("--change CMD: %q", got)
	}

	// --config merges a Docker config over the image's.
	cfgFile := filepath.Join(p.WorkDir(), "cfg.json")
	os.WriteFile(cfgFile, []byte(`{"Env":["ZZ=1"],"Cmd":["/bin/true"],"Labels":{"cfg":"yes"}}`), 0o644)
	p.MustRun("commit", "-q", "--config", cfgFile, "c1", "cfgimg")
	if got := p.MustRun("image", "inspect", "--format", `{{json .Config.Cmd}} {{index .Config.Labels "cfg"}} {{.Config.Env}}`, "cfgimg").Out(); !strings.HasPrefix(got, `["/bin/true"] yes `) || !strings.Contains(got, "ZZ=1") {
		t.Errorf("--config: %s", got)
	}

	// Bad input: podman's texts, nothing created.
	before := p.MustRun("images", "-q", "-a").Out()
	p.ExpectEngineError(p.Run("commit", "-m", "x", "c1"), "messages are only compatible with the docker image format (-f docker)")
	p.ExpectEngineError(p.Run("commit", "-f", "bogus", "c1"), `unrecognized image format "bogus"`)
	p.ExpectEngineError(p.Run("commit", "nosuch"), `no container with name or ID "nosuch" found: no such container`)
	p.ExpectEngineError(p.Run("commit", "c1", "Bad:Name"), `parsing reference "Bad:Name": repository name must be lowercase`)
	p.ExpectEngineError(p.Run("commit", "-c", "BOGUS foo", "c1"), `did not understand change instruction "BOGUS foo"`)
	p.ExpectEngineError(p.Run("commit", "--config", filepath.Join(p.WorkDir(), "none.json"), "c1"), "--config: open ")
	if after := p.MustRun("images", "-q", "-a").Out(); after != before {
		t.Errorf("failed commits changed the images:\n%s\n%s", before, after)
	}
}

func TestCommitRunningContainer(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	mnt := p.WorkDir()
	p.MustRun("run", "-d", "--name", "r1", "-v", mnt+":/data", "--tmpfs", "/scratch", Image,
		"sh", "-c", "echo running > /state; sleep 100")
	for i := 0; i < 100 && !strings.Contains(p.Run("diff", "r1").Stdout, "A /state"); i++ {
		time.Sleep(50 * time.Millisecond)
	}
	p.MustRun("commit", "-q", "--pause", "--include-volumes", "r1", "r1img")
	// Paused for the copy only: the container runs on.
	if st := p.MustRun("inspect", "--format", "{{.State.Status}}", "r1").Out(); st != "running" {
		t.Errorf("after commit --pause the container should run again: %s", st)
	}
	if got := p.MustRun("run", "--rm", "r1img", "cat", "/state").Out(); got != "running" {
		t.Errorf("file of a running container: %q", got)
	}
	if got := p.MustRun("image", "inspect", "--format", "{{json .Config.Volumes}}", "r1img").Out(); got != `{"/data":{},"/scratch":{}}` {
		t.Errorf("--include-volumes: %s", got)
	}
	if got := p.MustRun("image", "inspect", "--format", "{{json .Config.Volumes}}", lastLine(p.MustRun("commit", "-q", "r1").Out())).Out(); got != "null" {
		t.Errorf("volumes without --include-volumes: %s", got)
	}
}
