package e2e

import (
	"archive/tar"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// 5. Images.

func TestImportWithChanges(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	r := p.MustRun("import",
		"-c", "ENV FOO=bar",
		"-c", "WORKDIR /tmp",
		"-c", "LABEL team=pier",
		"-c", `CMD ["/bin/sh","-c","echo $FOO; pwd"]`,
		imageTar, "localhost/changed:1")
	id := strings.TrimSpace(r.Stdout)
	if !regexp.MustCompile(`^(sha256:)?[0-9a-f]{64}$`).MatchString(lastLine(id)) {
		t.Errorf("import should print the image ID: %s", r)
	}
	if got := p.MustRun("run", "--rm", "localhost/changed:1").Stdout; got != "bar\n/tmp\n" {
		t.Errorf("--change ENV/WORKDIR/CMD not applied: %q", got)
	}
	if got := p.MustRun("image", "inspect", "--format", `{{index .Config.Labels "team"}}`, "localhost/changed:1").Out(); got != "pier" {
		t.Errorf("--change LABEL: %q", got)
	}
	// Import from stdin.
	f, _ := os.Open(imageTar)
	defer f.Close()
	p.RunWith(RunOpts{Stdin: f}, "import", "-", "localhost/fromstdin:latest")
	p.Expect(0, "image", "exists", "localhost/fromstdin:latest")
}

func lastLine(s string) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	return l[len(l)-1]
}

func TestImagesList(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	r := p.MustRun("images")
	lines := r.Lines()
	if len(lines) != 2 || !regexp.MustCompile(`^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$`).MatchString(lines[0]) {
		t.Fatalf("images: %s", r)
	}
	if f := strings.Fields(lines[1]); f[0] != "localhost/busybox" || f[1] != "latest" || len(f[2]) != 12 {
		t.Errorf("images row: %q", lines[1])
	}
	id := p.MustRun("images", "-q").Out()
	full := p.MustRun("images", "-q", "--no-trunc").Out()
	// podman prints --no-trunc image IDs with their sha256: prefix.
	if len(id) != 12 || !regexp.MustCompile(`^sha256:[0-9a-f]{64}$`).MatchString(full) || !strings.Contains(full, id) {
		t.Errorf("images -q: %q, --no-trunc: %q", id, full)
	}
	if got := p.MustRun("images", "--format", "{{.Repository}}:{{.Tag}}").Out(); got != Image {
		t.Errorf("images --format: %q", got)
	}
	p.MustRun("tag", Image, "localhost/other:v1")
	p.MustRun("import", imageTar, "localhost/second:latest")
	// As podman: the filter selects images; a selected image shows all its names.
	if got := p.MustRun("images", "--filter", "reference=localhost/second", "--format", "{{.Repository}}:{{.Tag}}").Out(); got != "localhost/second:latest" {
		t.Errorf("images --filter reference=localhost/second: %q", got)
	}
	if got := p.MustRun("images", "--filter", "reference=localhost/other", "--format", "{{.Repository}}:{{.Tag}}").Lines(); !strings.Contains(strings.Join(got, ","), "localhost/other:v1") || strings.Contains(strings.Join(got, ","), "second") {
		t.Errorf("images --filter reference=localhost/other: %q", got)
	}
	if got := p.MustRun("images", "--filter", "reference=localhost/nomatch").Lines(); len(got) != 1 {
		t.Errorf("images --filter with no match should print only the header: %q", got)
	}
	// podman 5 prints one JSON element per row: an image with two tags twice.
	var js []map[string]any
	if err := json.Unmarshal([]byte(p.MustRun("images", "--format", "json", "--filter", "reference=localhost/other").Stdout), &js); err != nil || len(js) != 2 {
		t.Fatalf("images --format json: %v %v", err, js)
	}
	names, _ := js[0]["Names"].([]any)
	if len(names) != 2 {
		t.Errorf("one image with two names: %v", js[0])
	}
}

func TestTagUntag(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	id := p.MustRun("images", "-q", "--no-trunc", Image).Out()
	p.MustRun("tag", Image, "localhost/other:v1", "mytag")
	for _, ref := range []string{"localhost/other:v1", "localhost/mytag:latest"} {
		if got := p.MustRun("images", "-q", "--no-trunc", ref).Out(); got != id {
			t.Errorf("tag %s should point at %s, got %q", ref, id, got)
		}
	}
	if got := p.MustRun("run", "--rm", "localhost/other:v1", "echo", "tagged").Out(); got != "tagged" {
		t.Errorf("run by new tag: %q", got)
	}
	p.MustRun("untag", Image, "localhost/other:v1")
	p.Expect(1, "image", "exists", "localhost/other:v1")
	p.Expect(0, "image", "exists", Image)
	p.Expect(0, "image", "exists", "localhost/mytag")
}

func TestSaveLoad(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("tag", Image, "localhost/saved:v2")
	for _, format := range []string{"docker-archive", "oci-archive"} {
		archive := filepath.Join(p.WorkDir(), format+".tar")
		p.MustRun("save", "--format", format, "-o", archive, "localhost/saved:v2")
		names := tarNames(t, archive)
		if format == "docker-archive" && !names["manifest.json"] {
			t.Errorf("docker-archive lacks manifest.json: %v", names)
		}
		if format == "oci-archive" && (!names["oci-layout"] || !names["index.json"]) {
			t.Errorf("oci-archive lacks oci-layout/index.json: %v", names)
		}
		q := newPierNoImage(t)
		r := q.MustRun("load", "-i", archive)
		if !strings.Contains(r.Stdout, "saved") {
			t.Errorf("load should name what it loaded: %s", r)
		}
		ref := "localhost/saved:v2"
		if got := q.MustRun("run", "--rm", ref, "echo", "loaded-"+format).Out(); got != "loaded-"+format {
			t.Errorf("run from a %s loaded image: %q", format, got)
		}
	}
	// save to stdout, load from stdin.
	out := filepath.Join(p.WorkDir(), "stdout.tar")
	r := p.MustRun("save", Image)
	if err := os.WriteFile(out, []byte(r.Stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	q := newPierNoImage(t)
	f, _ := os.Open(out)
	defer f.Close()
	if r := q.RunWith(RunOpts{Stdin: f}, "load"); r.ExitCode != 0 {
		t.Errorf("load from stdin: %s", r)
	}
	q.Expect(0, "image", "exists", Image)
}

func tarNames(t *testing.T, path string) map[string]bool {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	names := map[string]bool{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s is not a tar: %v", path, err)
		}
		names[strings.TrimPrefix(h.Name, "./")] = true
	}
	return names
}

func TestRmi(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("tag", Image, "localhost/spare:1")
	p.MustRun("create", "--name", "user", Image, "true")
	// Removing one of two names only untags, even while in use (podman).
	r := p.MustRun("rmi", "localhost/spare:1")
	if !strings.Contains(r.Stdout, "Untagged: localhost/spare:1") {
		t.Errorf("rmi of an extra name prints Untagged: %s", r)
	}
	p.Expect(0, "image", "exists", Image)
	// podman: 2 when the image is in use, 1 when it does not exist.
	r = p.Run("rmi", Image)
	if r.ExitCode != 2 || !strings.Contains(r.Stderr, "in use") {
		t.Errorf("rmi of an image in use: want exit 2 (podman) and \"in use\": %s", r)
	}
	p.Expect(0, "image", "exists", Image)
	r = p.Run("rmi", "localhost/nosuch:1")
	if r.ExitCode != 1 {
		t.Errorf("rmi of a missing image: want exit 1 (podman): %s", r)
	}
	// -f removes the containers using it, then the image.
	p.MustRun("rmi", "-f", Image)
	p.Expect(1, "image", "exists", Image)
	if ids := p.PsIDs(); len(ids) != 0 {
		t.Errorf("rmi -f should remove the containers using the image: %v", ids)
	}
	if got := p.MustRun("images", "-q").Out(); got != "" {
		t.Errorf("images after rmi -f: %q", got)
	}
}

func TestImageInspect(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	var arr []map[string]any
	r := p.MustRun("image", "inspect", Image)
	if err := json.Unmarshal([]byte(r.Stdout), &arr); err != nil || len(arr) != 1 {
		t.Fatalf("image inspect: %v\n%s", err, r.Stdout)
	}
	img := arr[0]
	if id, _ := img["Id"].(string); len(id) != 64 {
		t.Errorf("Id: %v", img["Id"])
	}
	if tags, _ := img["RepoTags"].([]any); len(tags) != 1 || tags[0] != Image {
		t.Errorf("RepoTags: %v", img["RepoTags"])
	}
	if img["Os"] != "linux" || img["Architecture"] == "" || img["Architecture"] == nil {
		t.Errorf("Os/Architecture: %v %v", img["Os"], img["Architecture"])
	}
	cfg, _ := img["Config"].(map[string]any)
	if cmd, _ := cfg["Cmd"].([]any); len(cmd) != 1 || cmd[0] != "/bin/sh" {
		t.Errorf("Config.Cmd: %v", cfg["Cmd"])
	}
	rootfs, _ := img["RootFS"].(map[string]any)
	if layers, _ := rootfs["Layers"].([]any); len(layers) != 1 {
		t.Errorf("RootFS.Layers: %v", img["RootFS"])
	}
	if size, _ := img["Size"].(float64); size < 1e6 {
		t.Errorf("Size %v: busybox alone is ~2 MB", img["Size"])
	}
	p.Expect(0, "image", "exists", Image)
	p.Expect(1, "image", "exists", "localhost/nope:latest")
	// inspect by short ID.
	short := p.MustRun("images", "-q").Out()
	if got := p.MustRun("image", "inspect", "--format", "{{.Id}}", short).Out(); !strings.HasPrefix(got, short) {
		t.Errorf("image inspect by short ID: %q", got)
	}
}

func TestImagePrune(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	// Re-importing under the same name leaves the first image dangling.
	p.MustRun("import", "-c", "ENV V=1", imageTar, "localhost/churn:latest")
	first := strings.TrimPrefix(p.MustRun("images", "-q", "--no-trunc", "localhost/churn").Out(), "sha256:")
	p.MustRun("import", "-c", "ENV V=2", imageTar, "localhost/churn:latest")
	if got := strings.TrimPrefix(p.MustRun("images", "-q", "--no-trunc", "--filter", "dangling=true").Out(), "sha256:"); got != first {
		t.Errorf("the first import should be dangling: %q, want %q", got, first)
	}
	r := p.MustRun("image", "prune", "-f")
	if !strings.Contains(r.Stdout, first) {
		t.Errorf("prune should print the removed ID: %s", r)
	}
	if got := p.MustRun("images", "-q", "--no-trunc", "--filter", "dangling=true").Out(); got != "" {
		t.Errorf("dangling images after prune: %q", got)
	}
	p.Expect(0, "image", "exists", "localhost/churn:latest")
	p.Expect(0, "image", "exists", Image)
}
