package image

import (
	"context"
	"errors"

	"github.com/pier-engine/pier/internal/define"
)

// localForPull finds the local image a pull may reuse, with the name it
// resolved to. With an explicit platform an image of another platform
// does not count.
func (s *Store) localForPull(ctx context.Context, name string, o RegistryOptions) (*Image, string) {
	simg, resolved, err := s.lookup(name)
	if err != nil {
		if !errors.Is(err, define.ErrNoSuchImage) {
			warnf(ctx, "Looking up %s in local storage: %v", name, err)
		}
		return nil, ""
	}
	img, err := s.load(simg)
	if err != nil {
		// A corrupt local image is pulled again, as podman does.
		warnf(ctx, "%v", err)
		return nil, ""
	}
	if (o.OS != "" && o.OS != img.Config.OS) || (o.Arch != "" && o.Arch != img.Config.Architecture) ||
		(o.Variant != "" && o.Variant != img.Config.Variant) {
		return nil, ""
	}
	img.resolvedBy(resolved)
	return img, resolved
}
