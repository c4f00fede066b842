package image

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pier-engine/pier/internal/errdefs"
)

// TestListFiltersPodman5 covers the filters podman 5 has and pier lacked
// (after, since, before, negation of any key, intermediate, digest,
// manifest, containers=external), the engine's users, and podman's errors.
func TestListFiltersPodman5(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	old := importBusybox(t, s, "old", "LABEL a.b/c=1")
	time.Sleep(20 * time.Millisecond)
	mid := importBusybox(t, s, "mid")
	time.Sleep(20 * time.Millisecond)
	young := importBusybox(t, s, "young")
	if err := s.CreateContainer(ctx, "storagectr", young.ID, ContainerOptions{}); err != nil {
		t.Fatal(err)
	}
	// The engine has a created container on mid whose storage does not
	// exist yet, and owns the storage container on young.
	users := Users{mid.ID: {"rowonly"}, young.ID: {"storagectr"}}
	ids := func(filters ...string) []string {
		t.Helper()
		return listIDs(t, s, ListOptions{Filters: filters, Users: users})
	}
	sorted := func(v ...string) []string { slices.Sort(v); return v }
	cases := []struct {
		filters []string
		want    []string
	}{
		{[]string{"after=" + old.ID}, sorted(mid.ID, young.ID)},
		{[]string{"since=old"}, sorted(mid.ID, young.ID)},
		{[]string{"before=young"}, sorted(old.ID, mid.ID)},
		{[]string{"after=old", "before=young"}, []string{mid.ID}},
		{[]string{"reference!=old"}, sorted(mid.ID, young.ID)},
		{[]string{"reference=old", "reference=young"}, sorted(old.ID, young.ID)},
		{[]string{"id!=" + old.ID[:8]}, sorted(mid.ID, young.ID)},
		{[]string{"label=a.b/*"}, []string{old.ID}},
		{[]string{"containers=true"}, sorted(mid.ID, young.ID)},
		{[]string{"containers=false"}, []string{old.ID}},
		{[]string{"containers=external"}, []string{old.ID}},
		{[]string{"digest=" + old.Digest}, []string{old.ID}},
		{[]string{"intermediate=false", "manifest=false", "readonly=false"}, sorted(old.ID, mid.ID, young.ID)},
	}
	for _, c := range cases {
		if got := ids(c.filters...); !slices.Equal(got, c.want) {
			t.Errorf("filters %q = %v, want %v", c.filters, got, c.want)
		}
	}
	imgs, err := s.List(ctx, ListOptions{Filters: []string{"reference=mid"}, Users: users})
	if err != nil || len(imgs) != 1 || imgs[0].Containers != 1 {
		t.Errorf("a container known only to the engine is not counted: %v %+v", err, imgs)
	}
	for f, msg := range map[string]string{
		"bogus":             `invalid image filter "bogus": must be in the format "filter=value or filter!=value"`,
		"foo=bar":           `invalid image filter "foo": must be in the format "filter=value or filter!=value"`,
		"after=nonexist":    `could not find local image for filter "after"="nonexist": nonexist: image not known`,
		"dangling=maybe":    `non-boolean value "dangling" for maybe filter: strconv.ParseBool: parsing "maybe": invalid syntax`,
		"containers=maybe":  `unsupported value "maybe" for containers filter`,
		"digest=bogus":      `invalid value "bogus" for digest filter`,
		"readonly=1,x=true": `non-boolean value "readonly" for 1,x=true filter: strconv.ParseBool: parsing "1,x=true": invalid syntax`,
	} {
		_, err := s.List(ctx, ListOptions{Filters: []string{f}})
		if err == nil || err.Error() != msg {
			t.Errorf("filter %q: error %v, want %q", f, err, msg)
		}
		if err != nil && !errors.Is(err, errdefs.ErrInvalidArgument) && !errors.Is(err, errdefs.ErrNotFound) {
			t.Errorf("filter %q: error %v has no class", f, err)
		}
	}
	if _, err := s.List(ctx, ListOptions{Filters: []string{"dangling=true", "dangling=false"}}); err == nil {
		t.Error("two values of one boolean filter accepted")
	}
}

// corruptImage deletes the image's configuration blob from storage.
func corruptImage(t *testing.T, s *Store, id string) {
	t.Helper()
	simg, err := s.store.Image(id)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range simg.BigDataNames {
		if strings.HasPrefix(k, "sha256:") {
			file := filepath.Join(s.opts.GraphRoot, "overlay-images", id, "="+base64.StdEncoding.EncodeToString([]byte(k)))
			if err := os.Remove(file); err != nil {
				t.Fatalf("corrupting the image: %v", err)
			}
		}
	}
}

// TestRemoveCorruptImages: an image whose configuration blob is gone
// still goes with prune -a and rmi (podman warns and goes on); List
// without Corrupt reports the damage.
func TestRemoveCorruptImages(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	img := importBusybox(t, s, "broken")
	other := importBusybox(t, s, "broken2", "ENV X=1")
	corruptImage(t, s, img.ID)
	corruptImage(t, s, other.ID)
	if _, err := s.List(ctx, ListOptions{}); err == nil {
		t.Fatal("listing a corrupt image succeeded")
	}
	if _, deleted, err := s.Remove(ctx, []string{"broken2"}, RemoveOptions{}); err != nil || len(deleted) != 1 {
		t.Fatalf("rmi of a corrupt image: %v %v", deleted, err)
	}
	pruned, err := s.Prune(ctx, PruneOptions{All: true})
	if err != nil || len(pruned) != 1 || pruned[0].ID != img.ID {
		t.Fatalf("prune -a of a corrupt image: %v %v", pruned, err)
	}
	if imgs, err := s.List(ctx, ListOptions{All: true}); err != nil || len(imgs) != 0 {
		t.Errorf("after prune: %v %v", imgs, err)
	}
}

// TestTagErrorsPodman5: podman's texts for a bad name and for a digest,
// and nothing tagged when one name of several is bad.
func TestTagErrorsPodman5(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	importBusybox(t, s, "mybox")
	for name, msg := range map[string]string{
		"BAD":        `normalizing name "BAD": normalizing name "BAD": repository name must be lowercase`,
		"sha256:abc": "sha256:abc: tag by digest not supported",
		"a@sha256:c0b040a3a342e685f8d46b66052d3a808a166e119f9805e9a4453fe92fb428f1": "a@sha256:c0b040a3a342e685f8d46b66052d3a808a166e119f9805e9a4453fe92fb428f1: tag by digest not supported",
	} {
		err := s.Tag(ctx, "mybox", "ok:1", name)
		if err == nil || err.Error() != msg || !errors.Is(err, errdefs.ErrInvalidArgument) {
			t.Errorf("tag %q: %v, want %q", name, err, msg)
		}
	}
	if ok, _ := s.Exists(ctx, "ok:1"); ok {
		t.Error("a good name was tagged along with a bad one")
	}
	if err := s.Untag(ctx, "mybox", "BAD"); err == nil || err.Error() != `normalizing name "BAD": repository name must be lowercase` {
		t.Errorf("untag BAD: %v", err)
	}
}
