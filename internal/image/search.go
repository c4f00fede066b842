//go:build !pierslim

package image

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"go.podman.io/image/v5/docker"
	"go.podman.io/image/v5/pkg/sysregistriesv2"
	"go.podman.io/image/v5/types"

	"github.com/pier-engine/pier/internal/errdefs"
)

// SearchOptions are `search` flags.
type SearchOptions struct {
	// Limit caps the results per registry (default 25, as podman).
	Limit int
	// NoTrunc keeps descriptions whole (else cut at 44 characters).
	NoTrunc bool
	// ListTags lists the tags of the repository TERM names instead.
	ListTags bool
	// Filters are podman's stars=N, is-official[=bool], is-automated[=bool].
	Filters  []string
	Registry RegistryOptions
}

const (
	searchDefaultLimit = 25
	searchTruncLength  = 44
)

// Search looks term up in the registry it names ("host/term") or in every
// unqualified-search registry of registries.conf, in parallel. Registries
// offering only the v2 API are searched through /v2/_catalog, which
// containers/image's SearchRegistry falls back to after /v1/search.
// Results of the registries that answered win over the errors of the
// others, as in podman.
func (s *Store) Search(ctx context.Context, term string, o SearchOptions) ([]SearchResult, error) {
	filter, err := parseSearchFilters(o.Filters)
	if err != nil {
		return nil, err
	}
	var registries []string
	if reg, rest, ok := strings.Cut(term, "/"); ok {
		// Everything before the first slash is the registry; the term may
		// hold characters the reference parser would refuse.
		registries, term = []string{reg}, rest
	} else {
		if registries, err = sysregistriesv2.UnqualifiedSearchRegistries(s.SystemContext()); err != nil {
			return nil, fmt.Errorf("reading registries.conf: %w", err)
		}
		if len(registries) == 0 {
			return nil, fmt.Errorf("no registries to search: name one (REGISTRY/TERM) or set unqualified-search-registries in registries.conf: %w", errdefs.ErrInvalidArgument)
		}
	}
	sys, err := registryContext(s.SystemContext(), o.Registry, false)
	if err != nil {
		return nil, err
	}
	results := make([][]SearchResult, len(registries))
	errs := make([]error, len(registries))
	var wg sync.WaitGroup
	for i, reg := range registries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if o.ListTags {
				results[i], errs[i] = searchTags(ctx, sys, reg, term, o.Limit)
			} else {
				results[i], errs[i] = searchRegistry(ctx, sys, reg, term, o, filter)
			}
		}()
	}
	wg.Wait()
	out := []SearchResult{}
	for _, r := range results {
		out = append(out, r...)
	}
	if len(out) > 0 {
		return out, nil
	}
	return out, errors.Join(errs...)
}

func searchRegistry(ctx context.Context, sys *types.SystemContext, reg, term string, o SearchOptions, f searchFilter) ([]SearchResult, error) {
	limit := searchDefaultLimit
	if o.Limit > 0 {
		limit = o.Limit
	}
	found, err := docker.SearchRegistry(ctx, sys, reg, term, limit)
	if err != nil {
		return nil, fmt.Errorf("searching registry %q: %w", reg, err)
	}
	if len(found) > limit {
		found = found[:limit]
	}
	var out []SearchResult
	for _, r := range found {
		if r.StarCount < f.stars || !f.official.matches(r.IsOfficial) || !f.automated.matches(r.IsAutomated) {
			continue
		}
		desc := strings.ReplaceAll(r.Description, "\n", " ")
		if len(desc) > searchTruncLength && !o.NoTrunc {
			desc = desc[:searchTruncLength] + "..."
		}
		name := reg + "/" + r.Name
		if reg == "docker.io" && !strings.Contains(r.Name, "/") {
			name = "docker.io/library/" + r.Name
		}
		out = append(out, SearchResult{
			Index: reg, Name: name, Description: desc, Stars: r.StarCount,
			Official: okMark(r.IsOfficial), Automated: okMark(r.IsAutomated),
		})
	}
	return out, nil
}

func okMark(b bool) string {
	if b {
		return "[OK]"
	}
	return ""
}

// searchTags lists the tags of reg/term through the registry's tags/list.
func searchTags(ctx context.Context, sys *types.SystemContext, reg, term string, limit int) ([]SearchResult, error) {
	ref, err := docker.ParseReference("//" + reg + "/" + term)
	if err != nil {
		return nil, fmt.Errorf("reference %q must be a docker reference: %w", term, errdefs.ErrInvalidArgument)
	}
	tags, err := docker.GetRepositoryTags(ctx, sys, ref)
	if err != nil {
		return nil, fmt.Errorf("getting repository tags: %w", err)
	}
	if limit <= 0 {
		limit = searchDefaultLimit
	}
	if len(tags) > limit {
		tags = tags[:limit]
	}
	out := make([]SearchResult, 0, len(tags))
	for _, t := range tags {
		out = append(out, SearchResult{Name: ref.DockerReference().Name(), Tag: t})
	}
	return out, nil
}

type optBool int

const (
	optUnset optBool = iota
	optTrue
	optFalse
)

func (b optBool) matches(v bool) bool { return b == optUnset || (b == optTrue) == v }

type searchFilter struct {
	stars               int
	official, automated optBool
}

func parseSearchFilters(filters []string) (searchFilter, error) {
	var f searchFilter
	for _, s := range filters {
		k, v, hasValue := strings.Cut(s, "=")
		switch k {
		case "stars":
			n, err := strconv.Atoi(v)
			if !hasValue || err != nil {
				return f, fmt.Errorf("invalid `stars` filter %q, should be stars=<value>: %w", s, errdefs.ErrInvalidArgument)
			}
			f.stars = n
		case "is-official", "is-automated":
			b := optTrue
			if hasValue && v == "false" {
				b = optFalse
			}
			if k == "is-official" {
				f.official = b
			} else {
				f.automated = b
			}
		default:
			return f, fmt.Errorf("invalid filter type %q: %w", s, errdefs.ErrInvalidArgument)
		}
	}
	return f, nil
}
