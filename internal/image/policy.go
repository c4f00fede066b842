package image

import (
	"fmt"
	"strings"

	"github.com/pier-engine/pier/internal/errdefs"
)

// PullPolicy says when an image is fetched from its registry (podman's
// --pull of run/create and --policy of pull).
type PullPolicy string

// The four policies, as podman spells them.
const (
	// PullAlways pulls even if a local image exists.
	PullAlways PullPolicy = "always"
	// PullMissing pulls only when there is no local image; with a local
	// image it makes no network request at all.
	PullMissing PullPolicy = "missing"
	// PullNever uses only local images.
	PullNever PullPolicy = "never"
	// PullNewer pulls when the registry's manifest digest differs from
	// the local image's (one HEAD request when unchanged); when the
	// registry cannot be asked, the local image is used.
	PullNewer PullPolicy = "newer"
)

// ParsePullPolicy accepts podman's spellings, including the Kubernetes
// ones podman also takes (IfNotPresent, IfNewer) and the empty string
// (missing, the default of run/create).
func ParsePullPolicy(s string) (PullPolicy, error) {
	switch strings.ToLower(s) {
	case "always":
		return PullAlways, nil
	case "missing", "ifnotpresent", "":
		return PullMissing, nil
	case "never":
		return PullNever, nil
	case "newer", "ifnewer":
		return PullNewer, nil
	}
	return "", fmt.Errorf("unsupported pull policy %q: %w", s, errdefs.ErrInvalidArgument)
}
