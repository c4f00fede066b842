package image

import (
	"fmt"

	"go.podman.io/image/v5/pkg/sysregistriesv2"
)

// Registries is registries.conf as podman's info reports it: each
// [[registry]] under its prefix, and "search" for the
// unqualified-search-registries.
func (s *Store) Registries() (map[string]any, error) {
	regs, err := sysregistriesv2.GetRegistries(s.sys)
	if err != nil {
		return nil, fmt.Errorf("reading registries.conf: %w", err)
	}
	out := make(map[string]any, len(regs)+1)
	for _, r := range regs {
		out[r.Prefix] = r
	}
	search, err := sysregistriesv2.UnqualifiedSearchRegistries(s.sys)
	if err != nil {
		return nil, fmt.Errorf("reading registries.conf: %w", err)
	}
	if len(search) > 0 {
		out["search"] = search
	}
	return out, nil
}
