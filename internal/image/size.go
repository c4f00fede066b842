package image

import "fmt"

// ContainerSizes are podman's inspect --size figures: rw is the size of
// the container's writable layer, rootfs that plus the image's size.
func (s *Store) ContainerSizes(id string) (rw, rootfs int64, err error) {
	c, err := s.store.Container(id)
	if err != nil {
		return 0, 0, fmt.Errorf("looking up storage of container %s: %w", id, err)
	}
	rw, err = s.store.ContainerSize(id)
	if err != nil {
		return 0, 0, fmt.Errorf("measuring container %s: %w", id, err)
	}
	var img int64
	if c.ImageID != "" {
		if img, err = s.store.ImageSize(c.ImageID); err != nil {
			return 0, 0, fmt.Errorf("measuring image %s of container %s: %w", c.ImageID, id, err)
		}
	}
	return rw, img + rw, nil
}
