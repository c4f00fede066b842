package engine

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/image"
)

// addImageVolumes gives every VOLUME of the image that no user mount
// covers an anonymous volume, as podman does with image_volume_mode
// "anonymous"; "tmpfs" gives each a tmpfs instead, "ignore" nothing.
func addImageVolumes(cfg *define.ContainerConfig, img *image.Image, mode string) {
	if mode == "ignore" {
		return
	}
	dests := make([]string, 0, len(img.Config.Config.Volumes))
	for d := range img.Config.Config.Volumes {
		// A relative VOLUME is under / as podman and docker mount it:
		// buildah keeps `VOLUME ['/a', '/b']` (not JSON: single quotes)
		// as the words "['/a'," and "'/b']" stripped of quotes.
		dests = append(dests, filepath.Join("/", d))
	}
	slices.Sort(dests)
	for _, d := range dests {
		if slices.ContainsFunc(cfg.Mounts, func(m define.Mount) bool { return m.Destination == d }) {
			continue
		}
		if mode == "tmpfs" {
			cfg.ImageTmpfs = append(cfg.ImageTmpfs, d)
			continue
		}
		// podman's options for an image volume (exec and rw, unlike -v's
		// defaults).
		cfg.Mounts = append(cfg.Mounts, define.Mount{Type: "volume", Destination: d, Options: []string{"rprivate", "rw", "nodev", "exec"}})
	}
}

// attachVolumes resolves the container's volume mounts: a named volume is
// created if missing (podman's create on first use), a mount without a name
// gets a new anonymous volume. Each becomes a dependency, so the store
// refuses to remove a volume while the container exists. It returns the
// anonymous volumes it made, for the caller to remove if the container is
// not saved.
func (r *Runtime) attachVolumes(ctx context.Context, cfg *define.ContainerConfig) ([]*define.Volume, error) {
	var anon []*define.Volume
	for i := range cfg.Mounts {
		m := &cfg.Mounts[i]
		if m.Type != "volume" {
			continue
		}
		v, err := r.volumeForMount(ctx, m.Name)
		if err != nil {
			r.removeVolumes(ctx, anon)
			return nil, err
		}
		if m.Name == "" {
			anon = append(anon, v)
		}
		m.Name, m.Source = v.Name, v.MountPoint
		m.Options = volumeMountDefaults(m.Options)
		cfg.Dependencies = append(cfg.Dependencies, define.Dependency{Kind: define.KindVolume, ID: v.Name, Reason: "mount"})
	}
	return anon, nil
}

// volumeMountDefaults completes a volume mount's options as podman stores
// them (and shows them in inspect): private propagation, nosuid and nodev
// unless the user said otherwise, and a recursive bind.
func volumeMountDefaults(opts []string) []string {
	has := func(names ...string) bool {
		return slices.ContainsFunc(opts, func(o string) bool { return slices.Contains(names, o) })
	}
	out := slices.Clone(opts)
	if !has("private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable") {
		out = append(out, "rprivate")
	}
	if !has("suid", "nosuid") {
		out = append(out, "nosuid")
	}
	if !has("dev", "nodev") {
		out = append(out, "nodev")
	}
	if !has("bind", "rbind") {
		out = append(out, "rbind")
	}
	return out
}

func (r *Runtime) volumeForMount(ctx context.Context, name string) (*define.Volume, error) {
	if name == "" {
		n, err := randomVolumeName()
		if err != nil {
			return nil, err
		}
		return r.createVolume(ctx, VolumeCreateRequest{Name: n}, true)
	}
	v, err := r.store.Volume(ctx, name)
	if errors.Is(err, define.ErrNoSuchVolume) {
		v, err = r.VolumeCreate(ctx, VolumeCreateRequest{Name: name, Ignore: true})
	}
	if err != nil {
		return nil, fmt.Errorf("volume %s: %w", name, err)
	}
	return v, nil
}

// removeVolumes removes volumes a failed create made; failures are left
// for `volume prune`.
func (r *Runtime) removeVolumes(ctx context.Context, vols []*define.Volume) {
	for _, v := range vols {
		_ = r.removeVolume(context.WithoutCancel(ctx), v)
	}
}

// removeAnonymousVolumes is `rm -v`: the anonymous volumes of a removed
// container go with it; ones another container still uses stay.
func (r *Runtime) removeAnonymousVolumes(ctx context.Context, mounts []define.Mount) error {
	var errs []error
	for _, m := range mounts {
		if m.Type != "volume" {
			continue
		}
		v, err := r.store.Volume(ctx, m.Name)
		if err != nil || !v.Anonymous {
			continue
		}
		if err := r.removeVolume(ctx, v); err != nil && !errors.Is(err, define.ErrVolumeBeingUsed) && !errors.Is(err, define.ErrNoSuchVolume) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// volumeSpecMount turns a volume mount into what the runtime mounts: the
// volume's data directory, or for a volume with a type option (volume
// create -o type=tmpfs), that file system.
func volumeSpecMount(m define.Mount, v *define.Volume) (define.Mount, error) {
	switch typ := v.Options["type"]; typ {
	case "":
		return define.Mount{Type: "bind", Source: v.MountPoint, Destination: m.Destination, Options: m.Options}, nil
	case "tmpfs":
		// The mount's stored options end in rbind (a volume is a bind of
		// its data directory), which a tmpfs must not get.
		opts := slices.DeleteFunc(slices.Clone(m.Options), func(o string) bool { return o == "bind" || o == "rbind" })
		opts = append(opts, splitVolumeO(v.Options["o"])...)
		return define.Mount{Type: "tmpfs", Source: "tmpfs", Destination: m.Destination, Options: opts}, nil
	case "bind", "none":
		return define.Mount{Type: "bind", Source: v.Options["device"], Destination: m.Destination, Options: m.Options}, nil
	default:
		return define.Mount{}, fmt.Errorf("volume %s: file system type %q: %w", v.Name, typ, errdefs.ErrNotImplemented)
	}
}
