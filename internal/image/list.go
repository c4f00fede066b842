package image

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"go.podman.io/storage"

	"github.com/pier-engine/pier/internal/errdefs"
)

// ListOptions select images as `podman images`.
type ListOptions struct {
	// All includes intermediate images (unnamed images other images are
	// built on).
	All bool
	// Filters are podman 5's: key=value or key!=value with key one of
	// after/since, before, until, containers (true, false, external),
	// dangling, intermediate, readonly, manifest, id, digest, label,
	// reference. All must match, but one positive reference is enough.
	Filters []string
	// Users are the engine's containers per image (see Users).
	Users Users
	// Corrupt, when set, is told about each image whose metadata cannot be
	// read; the image is then listed with what storage alone knows (names,
	// dates, layers) instead of failing the listing. Prune sets it, so a
	// damaged image can still be removed.
	Corrupt func(id string, err error)
}

// List returns the images selected by opts, in storage order.
func (s *Store) List(ctx context.Context, opts ListOptions) ([]*Image, error) {
	simgs, err := s.store.Images()
	if err != nil {
		return nil, fmt.Errorf("listing images: %w", err)
	}
	users, err := s.usersOf(opts.Users)
	if err != nil {
		return nil, err
	}
	inter, err := s.intermediates(simgs)
	if err != nil {
		return nil, err
	}
	lc := &listContext{users: users, engine: opts.Users, intermediate: inter}
	match, err := s.compileFilters(opts.Filters, lc)
	if err != nil {
		return nil, err
	}
	query := queryReference(opts.Filters)
	var out []*Image
	for i := range simgs {
		if !opts.All && inter[simgs[i].ID] {
			continue
		}
		img, err := s.load(&simgs[i])
		if err != nil {
			if opts.Corrupt == nil {
				return nil, err
			}
			opts.Corrupt(simgs[i].ID, err)
			img = storageOnly(&simgs[i])
		}
		img.Containers = len(users[img.ID])
		if match(img) {
			if query != nil {
				img.Names = namesMatching(img.Names, query)
			}
			out = append(out, img)
		}
	}
	return out, nil
}

// storageOnly is an image as far as storage's own records describe it.
func storageOnly(simg *storage.Image) *Image {
	return &Image{
		ID: simg.ID, Names: slices.Clone(simg.Names), NamesHistory: slices.Clone(simg.NamesHistory),
		Digest: simg.Digest.String(), Created: simg.Created, TopLayer: simg.TopLayer, ReadOnly: simg.ReadOnly,
	}
}

// usersOf maps image IDs to the containers on them: the engine's (extra)
// and every storage container, pier's or another tool's, each once.
func (s *Store) usersOf(extra Users) (map[string][]string, error) {
	ctrs, err := s.store.Containers()
	if err != nil {
		return nil, fmt.Errorf("listing storage containers: %w", err)
	}
	m := map[string][]string{}
	for img, ids := range extra {
		m[img] = slices.Clone(ids)
	}
	for _, c := range ctrs {
		if !slices.Contains(m[c.ImageID], c.ID) {
			m[c.ImageID] = append(m[c.ImageID], c.ID)
		}
	}
	return m, nil
}

// ParseTimestamp reads podman's filter times: a Go duration before now
// ("10m"), RFC 3339 (with or without zone), a date, or Unix seconds.
func ParseTimestamp(value string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(value); err == nil {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, value, time.Local); err == nil {
			return t, nil
		}
	}
	if secs, err := strconv.ParseFloat(value, 64); err == nil {
		return time.Unix(int64(secs), 0), nil
	}
	return time.Time{}, errdefs.Errorf(errdefs.ErrInvalidArgument, "failed to parse value as time or duration: %q", value)
}
