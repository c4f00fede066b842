package engine

import (
	"context"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

// volumesFrom resolves --volumes-from as podman does: the volumes (named
// and anonymous) and bind mounts of each container, at the same
// destinations and with the same options, unless ":ro" or ":rw" says
// otherwise. A destination the user mounts something on keeps the user's
// mount, and the first container naming a destination wins.
func (r *Runtime) volumesFrom(ctx context.Context, refs []string, own []define.Mount) ([]define.Mount, error) {
	taken := map[string]bool{}
	for _, m := range own {
		taken[filepath.Clean(m.Destination)] = true
	}
	var out []define.Mount
	for _, ref := range refs {
		name, opts, _ := strings.Cut(ref, ":")
		mode, err := volumesFromMode(opts)
		if err != nil {
			return nil, err
		}
		src, err := r.Lookup(ctx, name)
		if err != nil {
			return nil, err
		}
		for _, m := range src.Config.Mounts {
			if (m.Type != "volume" && m.Type != "bind") || taken[m.Destination] {
				continue
			}
			taken[m.Destination] = true
			m.Options = slices.Clone(m.Options)
			if mode != "" {
				m.Options = append(slices.DeleteFunc(m.Options, func(o string) bool { return o == "ro" || o == "rw" }), mode)
			}
			out = append(out, m)
		}
	}
	return out, nil
}

// volumesFromMode checks the options of one --volumes-from value with
// podman's rules and words; z is accepted (there is no SELinux to relabel).
func volumesFromMode(opts string) (string, error) {
	if opts == "" {
		return "", nil
	}
	mode, z := "", false
	for _, o := range strings.Split(opts, ",") {
		switch o {
		case "z":
			if z {
				return "", errdefs.Errorf(errdefs.ErrInvalidArgument, "cannot set :z more than once in mount options")
			}
			z = true
		case "ro", "rw":
			if mode != "" {
				return "", errdefs.Errorf(errdefs.ErrInvalidArgument, "cannot set ro or rw options more than once")
			}
			mode = o
		default:
			return "", errdefs.Errorf(errdefs.ErrInvalidArgument, "invalid options %q, can only specify 'ro', 'rw', and 'z'", opts)
		}
	}
	return mode, nil
}
