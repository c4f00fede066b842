package image

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/storage"

	"github.com/pier-engine/pier/internal/errdefs"
)

// ListOptions select images as `podman images`.
type ListOptions struct {
	// All includes intermediate images (unnamed images other images are
	// built on).
	All bool
	// Filters are key=value (or key!=value for label): reference, label,
	// dangling, before, since, until, id, readonly, containers. Values of
	// one key are ORed, except label which is ANDed; keys are ANDed.
	Filters []string
}

// List returns the images selected by opts, in storage order.
func (s *Store) List(ctx context.Context, opts ListOptions) ([]*Image, error) {
	simgs, err := s.store.Images()
	if err != nil {
		return nil, fmt.Errorf("listing images: %w", err)
	}
	usage, err := s.containerCounts()
	if err != nil {
		return nil, err
	}
	match, err := s.compileFilters(opts.Filters, usage)
	if err != nil {
		return nil, err
	}
	var hidden map[string]bool
	if !opts.All {
		if hidden, err = s.intermediates(simgs); err != nil {
			return nil, err
		}
	}
	var out []*Image
	for i := range simgs {
		if hidden[simgs[i].ID] {
			continue
		}
		img, err := s.load(&simgs[i])
		if err != nil {
			return nil, err
		}
		img.Containers = usage[img.ID]
		if match(img) {
			out = append(out, img)
		}
	}
	return out, nil
}

// containerCounts maps image IDs to the number of storage containers on
// them (pier's and those of other tools sharing the storage).
func (s *Store) containerCounts() (map[string]int, error) {
	ctrs, err := s.store.Containers()
	if err != nil {
		return nil, fmt.Errorf("listing storage containers: %w", err)
	}
	m := map[string]int{}
	for _, c := range ctrs {
		m[c.ImageID]++
	}
	return m, nil
}

// intermediates are unnamed images whose top layer lies strictly below
// another image's top layer: podman hides them without --all.
func (s *Store) intermediates(imgs []storage.Image) (map[string]bool, error) {
	layers, err := s.store.Layers()
	if err != nil {
		return nil, fmt.Errorf("listing layers: %w", err)
	}
	parent := make(map[string]string, len(layers))
	for _, l := range layers {
		parent[l.ID] = l.Parent
	}
	below := map[string]bool{}
	for _, img := range imgs {
		for l := parent[img.TopLayer]; l != "" && !below[l]; l = parent[l] {
			below[l] = true
		}
	}
	hidden := map[string]bool{}
	for _, img := range imgs {
		if len(img.Names) == 0 && img.TopLayer != "" && below[img.TopLayer] {
			hidden[img.ID] = true
		}
	}
	return hidden, nil
}

type imageFilter func(*Image) bool

func (s *Store) compileFilters(filters []string, usage map[string]int) (imageFilter, error) {
	byKey := map[string][]imageFilter{}
	var keys []string
	for _, f := range filters {
		key, value, ok := strings.Cut(f, "=")
		if !ok {
			return nil, fmt.Errorf("invalid image filter %q: must be key=value: %w", f, errdefs.ErrInvalidArgument)
		}
		negate := strings.HasSuffix(key, "!")
		key = strings.TrimSuffix(key, "!")
		fn, err := s.compileFilter(key, value, usage)
		if err != nil {
			return nil, err
		}
		if negate {
			if key != "label" {
				return nil, fmt.Errorf("invalid image filter %q: only label supports !=: %w", f, errdefs.ErrInvalidArgument)
			}
			inner := fn
			fn = func(i *Image) bool { return !inner(i) }
		}
		if _, seen := byKey[key]; !seen {
			keys = append(keys, key)
		}
		byKey[key] = append(byKey[key], fn)
	}
	return func(img *Image) bool {
		for _, k := range keys {
			fns := byKey[k]
			if k == "label" {
				for _, fn := range fns {
					if !fn(img) {
						return false
					}
				}
				continue
			}
			if !slices.ContainsFunc(fns, func(fn imageFilter) bool { return fn(img) }) {
				return false
			}
		}
		return true
	}, nil
}

func (s *Store) compileFilter(key, value string, usage map[string]int) (imageFilter, error) {
	switch key {
	case "reference":
		return func(i *Image) bool { return matchReference(i, value) }, nil
	case "label":
		k, v, hasValue := strings.Cut(value, "=")
		return func(i *Image) bool {
			got, ok := i.Config.Config.Labels[k]
			return ok && (!hasValue || got == v)
		}, nil
	case "dangling", "readonly", "containers":
		want, err := strconv.ParseBool(value)
		if err != nil {
			return nil, fmt.Errorf("invalid image filter %s=%q: want true or false: %w", key, value, errdefs.ErrInvalidArgument)
		}
		return func(i *Image) bool {
			switch key {
			case "dangling":
				return i.Dangling() == want
			case "readonly":
				return i.ReadOnly == want
			}
			return (usage[i.ID] > 0) == want
		}, nil
	case "id":
		return func(i *Image) bool { return strings.HasPrefix(i.ID, strings.TrimPrefix(value, "sha256:")) }, nil
	case "before", "since":
		ref, _, err := s.lookup(value)
		if err != nil {
			return nil, fmt.Errorf("image filter %s: %w", key, err)
		}
		t := ref.Created
		if key == "before" {
			return func(i *Image) bool { return i.Created.Before(t) }, nil
		}
		return func(i *Image) bool { return i.Created.After(t) }, nil
	case "until":
		t, err := ParseTimestamp(value, time.Now())
		if err != nil {
			return nil, fmt.Errorf("invalid image filter until=%q: %w", value, err)
		}
		return func(i *Image) bool { return i.Created.Before(t) }, nil
	}
	return nil, fmt.Errorf("unsupported image filter %q: %w", key, errdefs.ErrInvalidArgument)
}

// matchReference matches a glob against the forms a user might write of
// each name: full, familiar (docker.io stripped) and path only, each with
// and without the tag.
func matchReference(img *Image, pattern string) bool {
	for _, n := range img.Names {
		named, err := reference.ParseNormalizedNamed(n)
		if err != nil {
			continue
		}
		forms := []string{n, named.Name(), reference.FamiliarString(named), reference.FamiliarName(named), reference.Path(named)}
		if t, ok := named.(reference.NamedTagged); ok {
			forms = append(forms, reference.Path(named)+":"+t.Tag())
		}
		for _, f := range forms {
			if ok, _ := path.Match(pattern, f); ok {
				return true
			}
		}
	}
	return false
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
	return time.Time{}, fmt.Errorf("%q is not a duration, date or timestamp: %w", value, errdefs.ErrInvalidArgument)
}
