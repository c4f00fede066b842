package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/pier-engine/pier/internal/ctrfilter"
	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/events"
	"github.com/pier-engine/pier/internal/image"
)

// SystemPruneOptions are `system prune`'s.
type SystemPruneOptions struct {
	// All prunes every unused image, not only dangling ones.
	All bool
	// Filters are label, label! and until, applied to containers and
	// images as podman does.
	Filters []string
	// Volumes also prunes the volumes no container uses (--volumes).
	Volumes bool
}

// SystemPruneReport is what a system prune removed.
type SystemPruneReport struct {
	Pods       []string
	Containers []string
	Images     []string
	Volumes    []string
	// Reclaimed is the containers' writable layers plus the images' and
	// the pruned volumes' sizes.
	Reclaimed int64
}

// SystemPrune removes stopped containers, then unused images, again until
// nothing more goes (an image is freed by a container's removal).
func (r *Runtime) SystemPrune(ctx context.Context, opts SystemPruneOptions) (*SystemPruneReport, error) {
	match, err := containerPruneFilter(opts.Filters, time.Now())
	if err != nil {
		return nil, err
	}
	images, err := r.Images(ctx)
	if err != nil {
		return nil, err
	}
	rep := &SystemPruneReport{}
	// Exited pods first, as podman: their containers go with them.
	if rep.Pods, err = r.PodPrune(ctx); err != nil {
		return rep, err
	}
	for {
		sizes := map[string]int64{}
		ids, err := r.pruneContainers(ctx, func(c *define.Container) bool {
			if !match(c) {
				return false
			}
			sizes[c.Config.ID], _ = images.ContainerRWSize(c.Config.ID)
			return true
		})
		for _, id := range ids {
			rep.Reclaimed += sizes[id]
		}
		rep.Containers = append(rep.Containers, ids...)
		if err != nil {
			return rep, err
		}
		pruned, err := r.PruneImages(ctx, image.PruneOptions{All: opts.All, Filters: opts.Filters})
		for _, p := range pruned {
			rep.Images = append(rep.Images, p.ID)
			rep.Reclaimed += p.Size
		}
		if err != nil {
			return rep, err
		}
		if len(ids)+len(pruned) == 0 {
			break
		}
	}
	if opts.Volumes {
		return rep, r.pruneVolumesInto(ctx, rep, opts.Filters)
	}
	return rep, nil
}

// pruneVolumesInto is system prune --volumes: the containers are gone by
// now, so their volumes are unused too.
func (r *Runtime) pruneVolumesInto(ctx context.Context, rep *SystemPruneReport, filters []string) error {
	fm := map[string][]string{}
	for _, f := range filters {
		k, v, _ := strings.Cut(f, "=")
		fm[k] = append(fm[k], v)
	}
	sizes, err := r.volumeDiskUsage(ctx)
	if err != nil {
		return err
	}
	names, err := r.VolumePrune(ctx, fm)
	rep.Volumes = names
	for _, s := range sizes {
		if slices.Contains(names, s.Name) {
			rep.Reclaimed += s.Size
		}
	}
	return err
}

// containerPruneFilter compiles podman's container prune filters.
func containerPruneFilter(filters []string, now time.Time) (func(*define.Container) bool, error) {
	var preds []func(*define.Container) bool
	for _, f := range filters {
		key, value, _ := strings.Cut(f, "=")
		switch key {
		case "label", "label!":
			k, v, hasValue := strings.Cut(value, "=")
			want := key == "label"
			preds = append(preds, func(c *define.Container) bool {
				got, ok := c.Config.Labels[k]
				return (ok && (!hasValue || got == v)) == want
			})
		case "until":
			t, err := image.ParseTimestamp(value, now)
			if err != nil {
				return nil, err
			}
			preds = append(preds, func(c *define.Container) bool { return c.Config.Created.Before(t) })
		default:
			return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "%s is an invalid filter", key)
		}
	}
	return ctrfilter.All(preds), nil
}

// Reset removes everything pier owns, as `podman system reset`: every
// container (running ones killed), every volume, every image with the storage
// containers of other tools on them, then the graph root, the run root,
// pier's state and its temporary directory. Failures along the way are
// logged and the next step still runs; the runtime is closed and unusable
// afterwards. It returns the last failure.
func (r *Runtime) Reset(ctx context.Context) error {
	zero := uint(0)
	// Pods first: their infra containers go only with them.
	if pods, err := r.store.Pods(ctx); err == nil {
		for _, p := range pods {
			if _, err := r.PodRemove(ctx, p.Config.ID, PodRemoveOptions{Force: true, Timeout: &zero, Ignore: true}); err != nil {
				slog.Error("removing pod", "pod", p.Config.ID, "error", err)
			}
		}
	} else {
		slog.Error("listing pods", "error", err)
	}
	if cs, err := r.store.Containers(ctx); err == nil {
		for _, c := range cs {
			if err := r.Remove(ctx, c.Config.ID, RemoveOptions{Force: true, Timeout: &zero}); err != nil && !errors.Is(err, define.ErrNoSuchCtr) {
				slog.Error("removing container", "container", c.Config.ID, "error", err)
			}
		}
	} else {
		slog.Error("listing containers", "error", err)
	}
	// Volumes may live outside the graph root (volume_path).
	if vols, err := r.store.Volumes(ctx); err == nil {
		for _, v := range vols {
			if err := r.removeVolume(ctx, v); err != nil {
				slog.Error("removing volume", "volume", v.Name, "error", err)
			}
		}
	} else {
		slog.Error("listing volumes", "error", err)
	}
	if images, err := r.Images(ctx); err == nil {
		if _, _, err := r.RemoveImages(ctx, nil, image.RemoveOptions{All: true, Force: true, Ignore: true}); err != nil {
			slog.Error("removing images", "error", err)
		}
		if ctrs, err := images.Containers(); err == nil {
			for _, c := range ctrs {
				if err := images.DeleteContainer(c.ID); err != nil {
					slog.Error("removing storage container", "container", c.ID, "error", err)
				}
			}
		}
	} else {
		slog.Error("opening image storage", "error", err)
	}
	var last error
	if err := r.Close(); err != nil {
		slog.Error("closing the engine", "error", err)
		last = err
	}
	for _, dir := range []string{r.paths.GraphRoot, r.paths.RunRoot, r.dataDir, r.runDir, r.paths.TmpDir} {
		if err := removeTree(dir); err != nil {
			if last != nil {
				slog.Error(last.Error())
			}
			last = err
		}
	}
	return last
}

// removeTree removes dir, refusing the few places whose loss would hurt
// far more than pier's data: a misconfigured root must not wipe a system.
func removeTree(dir string) error {
	if dir == "" {
		return nil
	}
	clean := filepath.Clean(dir)
	if xdg := os.Getenv("XDG_RUNTIME_DIR"); xdg != "" {
		if x, err := filepath.EvalSymlinks(xdg); err == nil && x == clean {
			return fmt.Errorf("failed to remove %s, since it is the same as XDG_RUNTIME_DIR", clean)
		}
	}
	switch clean {
	case "/", "/var", "/var/lib", "/run", "/tmp", "/var/tmp", "/home", "/root":
		return fmt.Errorf("refusing to remove %s", clean)
	}
	if err := os.RemoveAll(clean); err != nil {
		return fmt.Errorf("removing %s: %w", clean, err)
	}
	return nil
}

// Renumber is `system renumber`. podman reassigns its numbered locks
// there; pier's locks are files named after their objects, so nothing
// needs a new number: it removes the lock files of objects that no longer
// exist and records podman's renumber event.
func (r *Runtime) Renumber(ctx context.Context) error {
	if err := r.CollectGarbage(ctx); err != nil {
		return fmt.Errorf("renumbering locks: %w", err)
	}
	r.writeEvent(events.NewEvent(events.System, events.Renumber))
	return nil
}
