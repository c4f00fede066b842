package image

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"

	cfilters "go.podman.io/common/pkg/filters"
	"go.podman.io/image/v5/docker/reference"
	"go.podman.io/image/v5/manifest"

	"github.com/pier-engine/pier/internal/errdefs"
)

// Users maps an image ID to the containers on it that the engine knows:
// its state rows, including those whose storage does not exist yet. The
// engine passes it to List, Remove and Prune so that a created container
// never loses its image; storage containers (buildah's, podman's) are
// added to it by this package.
type Users map[string][]string

// listContext is what filters need beyond the image itself.
type listContext struct {
	users        map[string][]string // engine's and storage's, merged
	engine       Users               // the engine's alone (external = not in it)
	intermediate map[string]bool
}

type imageFilter func(*Image) bool

// compileFilters builds podman 5's image filters (libimage): every filter
// must match, except positive reference filters, of which one must.
// "key!=value" negates any filter.
func (s *Store) compileFilters(filters []string, lc *listContext) (imageFilter, error) {
	var all []imageFilter
	var wantRefs, unwantRefs []string
	seen := map[string]string{}
	for _, f := range filters {
		key, value, negate := strings.Cut(f, "!=")
		if !negate {
			var ok bool
			if key, value, ok = strings.Cut(f, "="); !ok {
				return nil, invalidFilter(f)
			}
		}
		if key == "reference" {
			if negate {
				unwantRefs = append(unwantRefs, value)
			} else {
				wantRefs = append(wantRefs, value)
			}
			continue
		}
		fn, err := s.compileFilter(key, value, lc, seen)
		if err != nil {
			return nil, err
		}
		if negate {
			inner := fn
			fn = func(i *Image) bool { return !inner(i) }
		}
		all = append(all, fn)
	}
	if len(wantRefs)+len(unwantRefs) > 0 {
		all = append(all, func(i *Image) bool {
			for _, r := range unwantRefs {
				if s.matchReference(i, r) {
					return false
				}
			}
			if len(wantRefs) == 0 {
				return true
			}
			for _, r := range wantRefs {
				if s.matchReference(i, r) {
					return true
				}
			}
			return false
		})
	}
	return func(img *Image) bool {
		for _, fn := range all {
			if !fn(img) {
				return false
			}
		}
		return true
	}, nil
}

func invalidFilter(f string) error {
	return errdefs.Errorf(errdefs.ErrInvalidArgument, `invalid image filter %q: must be in the format "filter=value or filter!=value"`, f)
}

func (s *Store) compileFilter(key, value string, lc *listContext, seen map[string]string) (imageFilter, error) {
	switch key {
	case "after", "since", "before":
		ref, _, err := s.lookup(value)
		if err != nil {
			return nil, fmt.Errorf("could not find local image for filter %q=%q: %w", key, value, err)
		}
		t := ref.Created
		if key == "before" {
			return func(i *Image) bool { return i.Created.Before(t) }, nil
		}
		return func(i *Image) bool { return i.Created.After(t) }, nil
	case "until":
		t, err := ParseTimestamp(value, time.Now())
		if err != nil {
			return nil, err
		}
		return func(i *Image) bool { return i.Created.Before(t) }, nil
	case "containers":
		return containersFilter(value, lc, seen)
	case "dangling", "intermediate", "readonly", "manifest":
		want, err := boolFilter(key, value, seen)
		if err != nil {
			return nil, err
		}
		return func(i *Image) bool { return boolProperty(i, key, lc) == want }, nil
	case "id":
		return func(i *Image) bool { return strings.HasPrefix(i.ID, value) }, nil
	case "digest":
		if !strings.HasPrefix(value, "sha256:") {
			return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "invalid value %q for digest filter", value)
		}
		return func(i *Image) bool {
			for _, d := range append([]string{i.Digest}, i.Digests...) {
				if d != "" && strings.HasPrefix(d, value) {
					return true
				}
			}
			return false
		}, nil
	case "label":
		return func(i *Image) bool { return cfilters.MatchLabelFilters([]string{value}, i.Config.Config.Labels) }, nil
	}
	return nil, invalidFilter(key)
}

func boolProperty(i *Image, key string, lc *listContext) bool {
	switch key {
	case "dangling":
		return len(i.Names) == 0 && !lc.intermediate[i.ID]
	case "intermediate":
		return lc.intermediate[i.ID]
	case "readonly":
		return i.ReadOnly
	}
	return manifest.MIMETypeIsMultiImage(i.ManifestType)
}

// boolFilter parses a boolean filter value; podman refuses the same key
// with two different values.
func boolFilter(key, value string, seen map[string]string) (bool, error) {
	if prev, ok := seen[key]; ok && prev != value {
		return false, errdefs.Errorf(errdefs.ErrInvalidArgument, "specifying %q filter more than once with different values is not supported", key)
	}
	seen[key] = value
	b, err := strconv.ParseBool(value)
	if err != nil {
		// podman's text, with its key and value in this order.
		return false, errdefs.Errorf(errdefs.ErrInvalidArgument, "non-boolean value %q for %s filter: %w", key, value, err)
	}
	return b, nil
}

func containersFilter(value string, lc *listContext, seen map[string]string) (imageFilter, error) {
	if prev, ok := seen["containers"]; ok && prev != value {
		return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "specifying %q filter more than once with different values is not supported", "containers")
	}
	seen["containers"] = value
	switch value {
	case "true", "false":
		want := value == "true"
		return func(i *Image) bool { return (len(lc.users[i.ID]) > 0) == want }, nil
	case "external":
		// Every container on the image belongs to another tool.
		return func(i *Image) bool {
			for _, c := range lc.users[i.ID] {
				for _, own := range lc.engine[i.ID] {
					if c == own {
						return false
					}
				}
			}
			return true
		}, nil
	}
	return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "unsupported value %q for containers filter", value)
}

// matchReference is podman's reference filter: the image the value names
// matches, and so does a glob against the forms a user might write of each
// name: full, path, last component, each with and without tag or digest.
func (s *Store) matchReference(img *Image, pattern string) bool {
	if simg, _, err := s.lookup(pattern); err == nil && simg.ID == img.ID {
		return true
	}
	for _, n := range img.Names {
		named, err := reference.ParseNormalizedNamed(n)
		if err != nil {
			continue
		}
		full := named.String()
		forms := []string{full, reference.Path(named), full[strings.LastIndex(full, "/")+1:]}
		if trimmed := reference.TrimNamed(named).String(); trimmed != full {
			suffix := full[len(trimmed):]
			forms = append(forms, trimmed, reference.Path(named)+suffix, trimmed[strings.LastIndex(trimmed, "/")+1:])
		}
		for _, f := range forms {
			if ok, _ := path.Match(pattern, f); ok {
				return true
			}
		}
	}
	return false
}

// queryReference is the reference of a listing that asks for one fully
// qualified name (one positive reference filter with a tag or digest, no
// negative one): podman then shows only the matching names of the image.
func queryReference(filters []string) reference.Named {
	var want []string
	for _, f := range filters {
		if strings.HasPrefix(f, "reference!=") {
			return nil
		}
		if v, ok := strings.CutPrefix(f, "reference="); ok {
			want = append(want, v)
		}
	}
	if len(want) != 1 {
		return nil
	}
	ref, err := reference.ParseNamed(want[0])
	if err != nil || reference.IsNameOnly(ref) {
		return nil
	}
	return ref
}

// namesMatching are the image's names that ref names (any digest of the
// same repository for a digested ref).
func namesMatching(names []string, ref reference.Named) []string {
	_, digested := ref.(reference.Digested)
	var out []string
	for _, n := range names {
		if digested {
			if nr, err := reference.ParseNamed(n); err == nil && nr.Name() == ref.Name() {
				out = append(out, n)
			}
		} else if n == ref.String() {
			out = append(out, n)
		}
	}
	return out
}
