package image

import (
	"fmt"
	"slices"

	ociv1 "github.com/opencontainers/image-spec/specs-go/v1"
	"go.podman.io/image/v5/manifest"
	"go.podman.io/storage"
)

// intermediates are the unnamed images that have a child image, as
// podman's libimage decides it: the child's top layer is the parent's or
// sits right on it, and the child's configuration extends the parent's
// (same layer diff IDs first, the parent's history plus one entry). podman
// hides them without --all; an unnamed image without a child is dangling.
func (s *Store) intermediates(imgs []storage.Image) (map[string]bool, error) {
	layers, err := s.store.Layers()
	if err != nil {
		return nil, fmt.Errorf("listing layers: %w", err)
	}
	above := map[string][]string{} // layer -> layers right on it
	for _, l := range layers {
		if l.Parent != "" {
			above[l.Parent] = append(above[l.Parent], l.ID)
		}
	}
	byTop := map[string][]int{}
	for i := range imgs {
		byTop[imgs[i].TopLayer] = append(byTop[imgs[i].TopLayer], i)
	}
	configs := map[string]*ociv1.Image{}
	config := func(i int) *ociv1.Image {
		id := imgs[i].ID
		if c, ok := configs[id]; ok {
			return c
		}
		var c *ociv1.Image
		// A damaged image has no readable configuration: it is nobody's
		// parent or child.
		if img, err := s.load(&imgs[i]); err == nil && !manifest.MIMETypeIsMultiImage(img.ManifestType) {
			c = &img.Config
		}
		configs[id] = c
		return c
	}
	out := map[string]bool{}
	for i := range imgs {
		if len(imgs[i].Names) > 0 {
			continue
		}
		cands := byTop[imgs[i].TopLayer]
		if imgs[i].TopLayer != "" {
			for _, l := range above[imgs[i].TopLayer] {
				cands = append(cands, byTop[l]...)
			}
		}
		for _, j := range cands {
			if j != i && isParentOf(config(i), config(j)) {
				out[imgs[i].ID] = true
				break
			}
		}
	}
	return out, nil
}

// isParentOf is libimage's areParentAndChild.
func isParentOf(parent, child *ociv1.Image) bool {
	if parent == nil || child == nil || len(parent.RootFS.DiffIDs) > len(child.RootFS.DiffIDs) {
		return false
	}
	for i, d := range parent.RootFS.DiffIDs {
		if child.RootFS.DiffIDs[i] != d {
			return false
		}
	}
	if len(parent.History)+1 != len(child.History) {
		return false
	}
	for i, h := range parent.History {
		c := child.History[i]
		if (h.Created == nil) != (c.Created == nil) || (h.Created != nil && !h.Created.Equal(*c.Created)) ||
			h.CreatedBy != c.CreatedBy || h.Author != c.Author || h.Comment != c.Comment || h.EmptyLayer != c.EmptyLayer {
			return false
		}
	}
	return true
}

// parentOf is the image simg extends (libimage's parent): one whose top
// layer is simg's or the layer simg's top sits on, and whose
// configuration simg's extends. nil when there is none.
func (s *Store) parentOf(simg *storage.Image) *storage.Image {
	child, err := s.load(simg)
	if err != nil || manifest.MIMETypeIsMultiImage(child.ManifestType) {
		return nil
	}
	tops := []string{simg.TopLayer}
	if simg.TopLayer != "" {
		if l, err := s.store.Layer(simg.TopLayer); err == nil && l.Parent != "" {
			tops = append(tops, l.Parent)
		}
	}
	imgs, err := s.store.Images()
	if err != nil {
		return nil
	}
	for i := range imgs {
		if imgs[i].ID == simg.ID || !slices.Contains(tops, imgs[i].TopLayer) {
			continue
		}
		if p, err := s.load(&imgs[i]); err == nil && !manifest.MIMETypeIsMultiImage(p.ManifestType) && isParentOf(&p.Config, &child.Config) {
			return &imgs[i]
		}
	}
	return nil
}

// pruneParents deletes parent, then its own parent and so on, while each
// is dangling (no name, no child) and no container uses it, as podman's
// rmi does after removing an image. It returns the IDs deleted; failures
// only stop the walk.
func (s *Store) pruneParents(parent *storage.Image, users Users) []string {
	var deleted []string
	for parent != nil {
		cur, err := s.store.Image(parent.ID)
		if err != nil || len(cur.Names) > 0 {
			return deleted
		}
		imgs, err := s.store.Images()
		if err != nil {
			return deleted
		}
		inter, err := s.intermediates(imgs)
		if err != nil || inter[cur.ID] {
			return deleted
		}
		if all, err := s.usersOf(users); err != nil || len(all[cur.ID]) > 0 {
			return deleted
		}
		next := s.parentOf(cur)
		if _, err := s.store.DeleteImage(cur.ID, true); err != nil {
			return deleted
		}
		deleted = append(deleted, cur.ID)
		parent = next
	}
	return deleted
}
