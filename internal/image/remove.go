package image

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/storage"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/events"
)

// inUseError reads as podman's message and is a define.ErrImageInUse.
type inUseError struct{ ctr string }

func (e *inUseError) Error() string {
	return "image used by " + e.ctr + ": image is in use by a container: consider listing external containers and force-removing image"
}
func (e *inUseError) Unwrap() error { return define.ErrImageInUse }

// classedError keeps podman's exact message while errors.Is still finds
// its errdefs class.
type classedError struct {
	msg   string
	class error
}

func (e *classedError) Error() string { return e.msg }
func (e *classedError) Unwrap() error { return e.class }

// tagNotKnownError is podman's "NAME: tag not known".
type tagNotKnownError struct{ name string }

func (e *tagNotKnownError) Error() string { return e.name + ": tag not known" }
func (e *tagNotKnownError) Unwrap() error { return errdefs.ErrNotFound }

// Tag adds names to the image ref resolves to. A name held by another
// image moves to this one, as in podman.
func (s *Store) Tag(ctx context.Context, ref string, newNames ...string) error {
	simg, _, err := s.lookup(ref)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(newNames))
	for _, n := range newNames {
		named, err := NormalizeName(n)
		if strings.HasPrefix(n, "sha256:") || err == nil && isDigested(named) {
			return errdefs.Errorf(errdefs.ErrInvalidArgument, "%s: tag by digest not supported", n)
		}
		if err != nil {
			// podman's tag says it twice.
			return errdefs.Errorf(errdefs.ErrInvalidArgument, "normalizing name %q: %w", n, err)
		}
		names = append(names, named.String())
	}
	if err := s.store.AddNames(simg.ID, names); err != nil {
		return fmt.Errorf("tagging image %s: %w", simg.ID, err)
	}
	for _, n := range newNames {
		s.event(simg.ID, n, events.Tag)
	}
	return nil
}

// Untag removes names from the image ref resolves to; without names it
// removes all of them. The image itself stays (dangling).
func (s *Store) Untag(ctx context.Context, ref string, names ...string) error {
	simg, _, err := s.lookup(ref)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		if err := s.store.SetNames(simg.ID, nil); err != nil {
			return fmt.Errorf("untagging image %s: %w", simg.ID, err)
		}
		for _, n := range simg.Names {
			s.event(simg.ID, n, events.Untag)
		}
		return nil
	}
	full, err := normalizeAll(names)
	if err != nil {
		return err
	}
	for _, n := range full {
		if !slices.Contains(simg.Names, n) {
			return &tagNotKnownError{name: n}
		}
	}
	if err := s.store.RemoveNames(simg.ID, full); err != nil {
		return fmt.Errorf("untagging image %s: %w", simg.ID, err)
	}
	for _, n := range full {
		s.event(simg.ID, n, events.Untag)
	}
	return nil
}

func isDigested(r reference.Named) bool {
	_, ok := r.(reference.Digested)
	return ok
}

func normalizeAll(names []string) ([]string, error) {
	out := make([]string, 0, len(names))
	for _, n := range names {
		named, err := NormalizeName(n)
		if err != nil {
			return nil, err
		}
		out = append(out, named.String())
	}
	return out, nil
}

// RemoveOptions are `podman rmi`'s.
type RemoveOptions struct {
	// Force removes an image with several names asked by ID, and deletes
	// the storage containers still using it. The engine must remove its own
	// containers on the image first (ContainersUsing), so its state never
	// points at a deleted rootfs; Force then only catches external ones
	// (buildah's, podman's).
	Force bool
	// RemoveContainer, when set, removes a container that uses an image
	// being force-removed: the engine passes its own remove, so its state
	// goes with the storage. Unset, the storage container alone is deleted.
	RemoveContainer func(ctx context.Context, id string) error
	// All removes every image; refs are then ignored.
	All bool
	// Ignore skips references that name no image (rmi --ignore; podman's
	// rmi --force implies it).
	Ignore bool
	// Users are the engine's containers per image: a container whose
	// storage does not exist yet still holds its image.
	Users Users
	// NoPrune keeps the parent images a removal leaves dangling (podman
	// removes them by default).
	NoPrune bool
}

// Remove removes images as `podman rmi`: asked by one of several names, an
// image only loses that name; otherwise it loses all names and is deleted
// together with the layers no other image uses. It goes on past a failing
// reference and returns every error (errors.Is finds define.ErrNoSuchImage
// and define.ErrImageInUse in it).
func (s *Store) Remove(ctx context.Context, refs []string, opts RemoveOptions) (untagged, deleted []string, err error) {
	var errs []error
	if opts.All {
		simgs, err := s.store.Images()
		if err != nil {
			return nil, nil, fmt.Errorf("listing images: %w", err)
		}
		refs = refs[:0:0]
		for _, img := range simgs {
			refs = append(refs, img.ID)
		}
	}
	done := map[string]bool{}
	for _, ref := range refs {
		simg, name, err := s.lookup(ref)
		if err != nil {
			if !(opts.Ignore && errors.Is(err, define.ErrNoSuchImage)) {
				errs = append(errs, err)
			}
			continue
		}
		if done[simg.ID] {
			continue
		}
		var parent *storage.Image
		if !opts.NoPrune {
			parent = s.parentOf(simg)
		}
		u, d, err := s.removeOne(ctx, simg, name, ref, opts)
		untagged = append(untagged, u...)
		if d {
			deleted = append(deleted, simg.ID)
			done[simg.ID] = true
			for _, id := range s.pruneParents(parent, opts.Users) {
				deleted = append(deleted, id)
				done[id] = true
			}
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return untagged, deleted, errors.Join(errs...)
}

func (s *Store) removeOne(ctx context.Context, simg *storage.Image, name, ref string, opts RemoveOptions) (untagged []string, deleted bool, err error) {
	byID := opts.All || strings.HasPrefix(simg.ID, name)
	if len(simg.Names) > 1 {
		if byID && !opts.Force {
			return nil, false, &classedError{
				msg:   fmt.Sprintf("unable to delete image %q by ID with more than one tag ([%s]): please force removal", simg.ID, strings.Join(simg.Names, " ")),
				class: errdefs.ErrConflict,
			}
		}
		if !byID {
			if err := s.store.RemoveNames(simg.ID, []string{name}); err != nil {
				return nil, false, fmt.Errorf("untagging %s: %w", name, err)
			}
			s.event(simg.ID, name, events.Untag)
			return []string{name}, false, nil
		}
	}
	all, err := s.usersOf(opts.Users)
	if err != nil {
		return nil, false, err
	}
	if users := all[simg.ID]; len(users) > 0 {
		if !opts.Force {
			return nil, false, &inUseError{ctr: users[0]}
		}
		remove := opts.RemoveContainer
		if remove == nil {
			remove = func(_ context.Context, id string) error { return s.DeleteContainer(id) }
		}
		for _, c := range users {
			if err := remove(ctx, c); err != nil {
				return nil, false, fmt.Errorf("removing container %s of image %s: %w", c, simg.ID, err)
			}
		}
	}
	if _, err := s.load(simg); err != nil {
		// Removal is how a user repairs a damaged image: say so, go on.
		warnCorrupt(simg.ID, err)
	}
	if _, err := s.store.DeleteImage(simg.ID, true); err != nil {
		if errors.Is(err, storage.ErrImageUsedByContainer) {
			return nil, false, fmt.Errorf("image used by a container: %w", define.ErrImageInUse)
		}
		return nil, false, fmt.Errorf("deleting image %s: %w", simg.ID, err)
	}
	for _, n := range simg.Names {
		s.event(simg.ID, n, events.Untag)
	}
	s.event(simg.ID, ref, events.Remove)
	return slices.Clone(simg.Names), true, nil
}

// ContainersUsing lists the IDs of storage containers created from the
// image, whoever created them.
func (s *Store) ContainersUsing(imageID string) ([]string, error) {
	ctrs, err := s.store.Containers()
	if err != nil {
		return nil, fmt.Errorf("listing storage containers: %w", err)
	}
	var ids []string
	for _, c := range ctrs {
		if c.ImageID == imageID {
			ids = append(ids, c.ID)
		}
	}
	return ids, nil
}

// deleteContainersOf deletes the storage containers on an image; prune
// --external calls it for images no engine container uses.
func (s *Store) deleteContainersOf(imageID string) error {
	ids, err := s.ContainersUsing(imageID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.DeleteContainer(id); err != nil {
			return err
		}
	}
	return nil
}

// PruneOptions are `podman image prune`'s.
type PruneOptions struct {
	// All prunes every unused image, not only dangling ones.
	All bool
	// Filters are List's filters.
	Filters []string
	// Users are the engine's containers per image (see Users).
	Users Users
	// External also prunes images that only other tools' containers
	// (a killed build's) use, deleting those containers first.
	External bool
}

// warnCorrupt is podman's warning for an image it goes on removing
// although its metadata cannot be read.
func warnCorrupt(_ string, err error) {
	slog.Warn(fmt.Sprintf("Failed to determine parent of image: %v, ignoring the error", err))
}

// PruneReport is one image Prune deleted, with the size it took.
type PruneReport struct {
	ID   string
	Size int64
}

// Prune deletes unused images (dangling ones unless All) matching the
// filters, and reports them. It repeats until nothing more goes, as
// deleting an image can leave its unnamed parents dangling.
func (s *Store) Prune(ctx context.Context, opts PruneOptions) ([]PruneReport, error) {
	unused := "containers=false"
	if opts.External {
		unused = "containers=external"
	}
	filters := append(slices.Clone(opts.Filters), "readonly=false", unused)
	if !opts.All && !slices.ContainsFunc(filters, func(f string) bool { return strings.HasPrefix(f, "dangling=") }) {
		filters = append(filters, "dangling=true")
	}
	var pruned []PruneReport
	for {
		imgs, err := s.List(ctx, ListOptions{All: true, Filters: filters, Users: opts.Users, Corrupt: warnCorrupt})
		if err != nil {
			return pruned, err
		}
		n := len(pruned)
		for _, img := range imgs {
			if err := ctx.Err(); err != nil {
				return pruned, err
			}
			if opts.External {
				if err := s.deleteContainersOf(img.ID); err != nil {
					return pruned, err
				}
			}
			if _, err := s.store.DeleteImage(img.ID, true); err != nil {
				if errors.Is(err, storage.ErrImageUnknown) || errors.Is(err, storage.ErrImageUsedByContainer) {
					continue // raced with another pier or podman
				}
				return pruned, fmt.Errorf("deleting image %s: %w", img.ID, err)
			}
			pruned = append(pruned, PruneReport{ID: img.ID, Size: img.Size})
		}
		if len(pruned) == n {
			return pruned, nil
		}
	}
}
