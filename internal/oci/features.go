package oci

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/opencontainers/runtime-spec/specs-go/features"
)

// SupportsIDMapMounts reports whether the runtime can make idmapped
// mounts (mounts with uidMappings/gidMappings), as its `features` says;
// runtimes too old to have `features` (or to list it) cannot.
func (r *Runtime) SupportsIDMapMounts(ctx context.Context) (bool, error) {
	out, err := r.run(ctx, "features", "features")
	if err != nil {
		return false, nil
	}
	var f features.Features
	if err := json.Unmarshal(out, &f); err != nil {
		return false, fmt.Errorf("reading %s features: %w", r.Name, err)
	}
	if f.Linux == nil || f.Linux.MountExtensions == nil || f.Linux.MountExtensions.IDMap == nil || f.Linux.MountExtensions.IDMap.Enabled == nil {
		return false, nil
	}
	return *f.Linux.MountExtensions.IDMap.Enabled, nil
}
