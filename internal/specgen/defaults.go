package specgen

import "slices"

// DefaultCapabilities is the capability set a container gets unless told
// otherwise (reported by `pier info`).
func DefaultCapabilities() []string { return slices.Clone(defaultCaps) }
