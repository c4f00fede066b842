package image

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pier-engine/pier/internal/define"
)

// newTestStore opens an overlay store in a temporary root and checks, when
// the test ends, that it was shut down without leaking mounts.
func newTestStore(t *testing.T) *Store {
	t.Helper()
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Fatalf("test images need /bin/busybox: install the Debian package busybox-static: %v", err)
	}
	dir := t.TempDir()
	s, err := Open(Options{
		GraphRoot:   filepath.Join(dir, "root"),
		RunRoot:     filepath.Join(dir, "run"),
		GraphDriver: "overlay",
		TmpDir:      filepath.Join(dir, "tmp"),
	})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Shutdown(true); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		mi, err := os.ReadFile("/proc/self/mountinfo")
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(mi), "\n") {
			if strings.Contains(line, dir) {
				t.Errorf("mount leaked: %s", line)
			}
		}
	})
	return s
}

type tarEntry struct {
	name, link string
	typ        byte
	body       []byte
	mode       int64
}

func buildTar(t *testing.T, entries []tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Linkname: e.link, Typeflag: e.typ, Mode: e.mode, Size: int64(len(e.body))}
		if h.Mode == 0 {
			h.Mode = 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// busyboxTar is a hermetic root filesystem: busybox and a few applets.
func busyboxTar(t *testing.T, extra ...tarEntry) []byte {
	t.Helper()
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		t.Fatalf("reading /bin/busybox (package busybox-static): %v", err)
	}
	entries := []tarEntry{
		{name: "bin/", typ: tar.TypeDir},
		{name: "bin/busybox", typ: tar.TypeReg, body: bb},
		{name: "bin/sh", typ: tar.TypeSymlink, link: "busybox"},
		{name: "bin/echo", typ: tar.TypeSymlink, link: "busybox"},
	}
	return buildTar(t, append(entries, extra...))
}

func importBusybox(t *testing.T, s *Store, ref string, changes ...string) *Image {
	t.Helper()
	img, err := s.Import(context.Background(), bytes.NewReader(busyboxTar(t)), ref, changes, "imported for test")
	if err != nil {
		t.Fatalf("Import %q: %v", ref, err)
	}
	return img
}

func TestImportLookupInspect(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	img := importBusybox(t, s, "mybox",
		`CMD ["/bin/sh"]`, "ENTRYPOINT echo hi", "ENV A=b", "ENV C d", `LABEL x=y "z"="with space"`,
		"WORKDIR /w", "WORKDIR sub", "USER 1000", "EXPOSE 80 53/udp", "STOPSIGNAL SIGINT")
	if !slices.Equal(img.Names, []string{"localhost/mybox:latest"}) {
		t.Errorf("names = %v", img.Names)
	}
	c := img.Config.Config
	if !slices.Equal(c.Cmd, []string{"/bin/sh"}) || !slices.Equal(c.Entrypoint, []string{"/bin/sh", "-c", "echo hi"}) {
		t.Errorf("cmd %q entrypoint %q", c.Cmd, c.Entrypoint)
	}
	if !slices.Equal(c.Env, []string{"A=b", "C=d"}) || c.Labels["x"] != "y" || c.Labels["z"] != "with space" {
		t.Errorf("env %q labels %q", c.Env, c.Labels)
	}
	if c.WorkingDir != "/w/sub" || c.User != "1000" || c.StopSignal != "SIGINT" {
		t.Errorf("workdir %q user %q stopsignal %q", c.WorkingDir, c.User, c.StopSignal)
	}
	if _, ok := c.ExposedPorts["53/udp"]; !ok || len(c.ExposedPorts) != 2 {
		t.Errorf("exposed %v", c.ExposedPorts)
	}
	if h := img.Config.History; len(h) != 1 || h[0].Comment != "imported for test" || !strings.Contains(h[0].CreatedBy, "ADD file:") {
		t.Errorf("history %+v", h)
	}
	if img.Size < 100_000 || img.Digest == "" {
		t.Errorf("size %d digest %q", img.Size, img.Digest)
	}

	for _, ref := range []string{"mybox", "mybox:latest", "localhost/mybox", "localhost/mybox:latest",
		img.ID, "sha256:" + img.ID, img.ID[:12], img.ID[:3], "localhost/mybox@" + img.Digest} {
		got, err := s.Lookup(ctx, ref)
		if err != nil {
			t.Errorf("Lookup(%q): %v", ref, err)
			continue
		}
		if got.ID != img.ID {
			t.Errorf("Lookup(%q) = %s, want %s", ref, got.ID, img.ID)
		}
	}
	for _, ref := range []string{"busybox", "mybox:v2", "docker.io/library/mybox", "ffffffffffff"} {
		_, err := s.Lookup(ctx, ref)
		if !errors.Is(err, define.ErrNoSuchImage) || err.Error() != ref+": image not known" {
			t.Errorf("Lookup(%q) error = %v", ref, err)
		}
	}

	data, err := s.Inspect(ctx, "mybox")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal([]*InspectData{data})
	var generic []map[string]any
	if err := json.Unmarshal(raw, &generic); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"Id", "Digest", "RepoTags", "RepoDigests", "Parent", "Comment", "Created", "Config",
		"Version", "Author", "Architecture", "Os", "Size", "VirtualSize", "GraphDriver", "RootFS", "Labels",
		"Annotations", "ManifestType", "User", "History", "NamesHistory"} {
		if _, ok := generic[0][k]; !ok {
			t.Errorf("inspect JSON lacks %q: %s", k, raw)
		}
	}
	if data.Comment != "imported for test" || data.GraphDriver.Name != "overlay" || data.GraphDriver.Data["UpperDir"] == "" ||
		len(data.RootFS.Layers) != 1 || data.User != "1000" || data.RepoTags[0] != "localhost/mybox:latest" ||
		data.RepoDigests[0] != "localhost/mybox@"+img.Digest {
		t.Errorf("inspect data: %s", raw)
	}
	cfg := generic[0]["Config"].(map[string]any)
	if _, ok := cfg["Entrypoint"]; !ok {
		t.Errorf("Config lacks Entrypoint: %v", cfg)
	}
}

func TestListFiltersTagUntag(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	named := importBusybox(t, s, "mybox", "LABEL x=y")
	anon := importBusybox(t, s, "", "LABEL other=1")
	if len(anon.Names) != 0 || anon.ID == named.ID {
		t.Fatalf("untagged import: %+v", anon)
	}
	ids := func(filters ...string) []string {
		t.Helper()
		return listIDs(t, s, ListOptions{Filters: filters})
	}
	both := []string{named.ID, anon.ID}
	slices.Sort(both)
	cases := map[string][]string{
		"":                   both,
		"dangling=true":      {anon.ID},
		"dangling=false":     {named.ID},
		"reference=mybox":    {named.ID},
		"reference=*/my*":    {named.ID},
		"reference=nothing":  nil,
		"label=x=y":          {named.ID},
		"label=x":            {named.ID},
		"label!=x":           {anon.ID},
		"id=" + anon.ID[:6]:  {anon.ID},
		"until=1h":           nil,
		"containers=false":   both,
		"before=" + named.ID: nil,
	}
	for f, want := range cases {
		var filters []string
		if f != "" {
			filters = []string{f}
		}
		if got := ids(filters...); !slices.Equal(got, want) {
			t.Errorf("filter %q = %v, want %v", f, got, want)
		}
	}
	if _, err := s.List(ctx, ListOptions{Filters: []string{"bogus=1"}}); err == nil {
		t.Error("unknown filter accepted")
	}

	if err := s.Tag(ctx, "mybox", "other:v1", "quay.io/x/y"); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"other:v1", "localhost/other:v1", "quay.io/x/y", "y"} {
		if got, err := s.Lookup(ctx, ref); err != nil || got.ID != named.ID {
			t.Errorf("Lookup(%q) after tag: %v", ref, err)
		}
	}
	if err := s.Untag(ctx, "mybox", "other:v1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lookup(ctx, "other:v1"); !errors.Is(err, define.ErrNoSuchImage) {
		t.Errorf("other:v1 still resolves: %v", err)
	}
	if err := s.Untag(ctx, "mybox", "never:tagged"); err == nil || err.Error() != "localhost/never:tagged: tag not known" {
		t.Errorf("untag unknown: %v", err)
	}
	if err := s.Untag(ctx, named.ID); err != nil {
		t.Fatal(err)
	}
	if got := ids("dangling=true"); len(got) != 2 {
		t.Errorf("after untag all, dangling = %v", got)
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	img := importBusybox(t, s, "mybox", `CMD ["/bin/echo","hi"]`, "LABEL k=v")
	if err := s.Tag(ctx, "mybox", "quay.io/a/b:1"); err != nil {
		t.Fatal(err)
	}
	anon := importBusybox(t, s, "", "ENV X=1")

	for _, tc := range []struct {
		format    string
		refs      []string
		wantNames []string
	}{
		{FormatDockerArchive, []string{"mybox", "quay.io/a/b:1", anon.ID[:12]}, []string{"localhost/mybox:latest", "quay.io/a/b:1", "sha256:" + anon.ID}},
		{FormatOCIArchive, []string{"mybox"}, []string{"localhost/mybox:latest"}},
		{FormatOCIArchive, []string{anon.ID}, []string{"sha256:" + anon.ID}},
	} {
		t.Run(tc.format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := s.Save(ctx, tc.refs, &buf, SaveOptions{Format: tc.format}); err != nil {
				t.Fatalf("Save: %v", err)
			}
			s2 := newTestStore(t)
			// A bytes.Reader is not a file: this goes through the spool path as stdin does.
			names, err := s2.Load(ctx, bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if !slices.Equal(names, tc.wantNames) {
				t.Errorf("loaded %v, want %v", names, tc.wantNames)
			}
			got, err := s2.Lookup(ctx, tc.refs[0])
			if err != nil {
				t.Fatal(err)
			}
			orig, _ := s.Lookup(ctx, tc.refs[0])
			if got.ID != orig.ID {
				t.Errorf("ID changed through %s: %s -> %s", tc.format, orig.ID, got.ID)
			}
			if !slices.Equal(got.Config.Config.Cmd, orig.Config.Config.Cmd) || !slices.Equal(got.Config.Config.Env, orig.Config.Config.Env) ||
				len(got.Config.History) != len(orig.Config.History) {
				t.Errorf("config changed: %+v vs %+v", got.Config, orig.Config)
			}
		})
	}
	_ = img
	if err := s.Save(ctx, []string{"mybox", anon.ID}, &bytes.Buffer{}, SaveOptions{Format: FormatOCIArchive}); err == nil {
		t.Error("multi-image oci-archive accepted")
	}
	if _, err := s.Load(ctx, bytes.NewReader(busyboxTar(t))); err == nil {
		t.Error("a plain rootfs tar loaded as an image archive")
	}
}

func TestRemoveInUseAndContainers(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	img := importBusybox(t, s, "mybox")
	if err := s.Tag(ctx, "mybox", "second"); err != nil {
		t.Fatal(err)
	}
	const ctr = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	if err := s.CreateContainer(ctx, ctr, img.ID, ContainerOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateContainer(ctx, ctr, img.ID, ContainerOptions{}); err != nil {
		t.Fatalf("CreateContainer is not idempotent: %v", err)
	}
	root, err := s.Mount(ctr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "bin/busybox")); err != nil {
		t.Errorf("rootfs lacks busybox: %v", err)
	}
	if err := s.Unmount(ctr, false); err != nil {
		t.Fatal(err)
	}

	// By ID with two names: refused without force.
	if _, _, err := s.Remove(ctx, []string{img.ID[:12]}, RemoveOptions{}); err == nil || !strings.Contains(err.Error(), "by ID with more than one tag") {
		t.Errorf("remove by ID with two names: %v", err)
	}
	// By one of two names: untag only.
	untagged, deleted, err := s.Remove(ctx, []string{"second"}, RemoveOptions{})
	if err != nil || !slices.Equal(untagged, []string{"localhost/second:latest"}) || len(deleted) != 0 {
		t.Errorf("remove second name: %v %v %v", untagged, deleted, err)
	}
	// Last name, in use: refused with podman's message.
	_, _, err = s.Remove(ctx, []string{"mybox", "nope"}, RemoveOptions{})
	if !errors.Is(err, define.ErrImageInUse) || !errors.Is(err, define.ErrNoSuchImage) ||
		!strings.Contains(err.Error(), "image used by "+ctr+": image is in use by a container: consider listing external containers and force-removing image") {
		t.Errorf("remove in use: %v", err)
	}
	if users, err := s.ContainersUsing(img.ID); err != nil || !slices.Equal(users, []string{ctr}) {
		t.Errorf("ContainersUsing = %v, %v", users, err)
	}
	if pruned, err := s.Prune(ctx, PruneOptions{All: true}); err != nil || len(pruned) != 0 {
		t.Errorf("prune -a removed an image in use: %v %v", pruned, err)
	}
	if err := s.DeleteContainer(ctr); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteContainer(ctr); err != nil {
		t.Errorf("DeleteContainer of a missing container: %v", err)
	}
	untagged, deleted, err = s.Remove(ctx, []string{"mybox"}, RemoveOptions{})
	if err != nil || !slices.Equal(untagged, []string{"localhost/mybox:latest"}) || !slices.Equal(deleted, []string{img.ID}) {
		t.Errorf("remove: %v %v %v", untagged, deleted, err)
	}
	if layers, _ := s.store.Layers(); len(layers) != 0 {
		t.Errorf("layers left after removing the only image: %d", len(layers))
	}

	// Force removes the storage containers still on the image.
	img = importBusybox(t, s, "again")
	if err := s.CreateContainer(ctx, ctr, img.ID, ContainerOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, deleted, err = s.Remove(ctx, nil, RemoveOptions{All: true, Force: true}); err != nil || len(deleted) != 1 {
		t.Errorf("rmi -af: %v %v", deleted, err)
	}
}

func TestPruneDangling(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	named := importBusybox(t, s, "keep", "LABEL a=1")
	anon := importBusybox(t, s, "", "LABEL a=2")
	pruned, err := s.Prune(ctx, PruneOptions{})
	if err != nil || len(pruned) != 1 || pruned[0].ID != anon.ID || pruned[0].Size != anon.Size {
		t.Fatalf("prune = %v, %v", pruned, err)
	}
	if _, err := s.Lookup(ctx, named.ID); err != nil {
		t.Errorf("named image pruned: %v", err)
	}
	if pruned, err = s.Prune(ctx, PruneOptions{All: true, Filters: []string{"label=a=9"}}); err != nil || len(pruned) != 0 {
		t.Errorf("prune -a with non-matching label: %v %v", pruned, err)
	}
	if pruned, err = s.Prune(ctx, PruneOptions{All: true}); err != nil || len(pruned) != 1 || pruned[0].ID != named.ID {
		t.Errorf("prune -a: %v %v", pruned, err)
	}
}

// TestHostileImport feeds a tarball whose entries try to leave the layer:
// a "../" name, an absolute symlink followed by a file through it, and a
// hard link to a host file. Nothing may appear outside the store.
func TestHostileImport(t *testing.T) {
	hostile := []tarEntry{
		{name: "../escape-pier-test", typ: tar.TypeReg, body: []byte("x"), mode: 0o644},
		{name: "../../../../../../../../tmp/escape-pier-test-abs", typ: tar.TypeReg, body: []byte("x"), mode: 0o644},
		{name: "abs", typ: tar.TypeSymlink, link: "OUTSIDE"},
		{name: "abs/pwned", typ: tar.TypeReg, body: []byte("x"), mode: 0o644},
	}
	hardlink := tarEntry{name: "hard", typ: tar.TypeLink, link: "../../../../../../../../etc/hostname"}
	t.Run("escapes", func(t *testing.T) { checkHostileImport(t, hostile, true) })
	t.Run("escapes+hardlink", func(t *testing.T) { checkHostileImport(t, append(slices.Clone(hostile), hardlink), false) })
}

func checkHostileImport(t *testing.T, entries []tarEntry, mustImport bool) {
	s := newTestStore(t)
	ctx := context.Background()
	outside := t.TempDir()
	entries = slices.Clone(entries)
	for i := range entries {
		if entries[i].link == "OUTSIDE" {
			entries[i].link = outside
		}
	}
	img, err := s.Import(ctx, bytes.NewReader(busyboxTar(t, entries...)), "hostile", nil, "")
	if err != nil {
		if mustImport {
			t.Fatalf("import: %v", err)
		}
		t.Logf("hostile import refused: %v", err)
	}
	if _, err := os.Stat(filepath.Join(outside, "pwned")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a file was written through an absolute symlink: %v", err)
	}
	if _, err := os.Stat("/tmp/escape-pier-test-abs"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a ../ entry reached /tmp: %v", err)
	}
	_ = filepath.Walk(filepath.Dir(s.opts.GraphRoot), func(p string, fi os.FileInfo, err error) error {
		if err == nil && strings.HasPrefix(fi.Name(), "escape-pier-test") && !strings.Contains(p, "/diff/") {
			t.Errorf("a ../ entry escaped the layer: %s", p)
		}
		return nil
	})
	if img == nil {
		return
	}
	// What got in stays inside the rootfs: the symlink is stored as is,
	// to be resolved only inside the container at run time.
	const ctr = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
	if err := s.CreateContainer(ctx, ctr, img.ID, ContainerOptions{}); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.DeleteContainer(ctr) }()
	root, err := s.Mount(ctr)
	if err != nil {
		t.Fatal(err)
	}
	if target, err := os.Readlink(filepath.Join(root, "abs")); err == nil && target != outside {
		t.Errorf("symlink rewritten to %q", target)
	}
	if err := s.Unmount(ctr, true); err != nil {
		t.Fatal(err)
	}
}

// listIDs is the sorted IDs that List returns with o.
func listIDs(t *testing.T, s *Store, o ListOptions) []string {
	t.Helper()
	imgs, err := s.List(context.Background(), o)
	if err != nil {
		t.Fatalf("List(%v): %v", o.Filters, err)
	}
	var out []string
	for _, i := range imgs {
		out = append(out, i.ID)
	}
	slices.Sort(out)
	return out
}
