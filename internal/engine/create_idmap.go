package engine

import (
	"context"
	"slices"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/specgen"
)

// checkIDMapMounts refuses, at create, idmapped mounts (-v ...:idmap,
// --mount ...,idmap) the OCI runtime cannot make: runc before 1.2 would
// silently mount without the mapping, leaving files the container's users
// cannot own. A plain "idmap" outside a user namespace maps nothing, as
// in podman, and needs no support.
func (r *Runtime) checkIDMapMounts(ctx context.Context, cfg *define.ContainerConfig) error {
	kind, _ := specgen.SplitNamespace(cfg.UserNSMode)
	mapped := len(cfg.UIDMap)+len(cfg.GIDMap) > 0 || kind == define.NSAuto
	var dest string
	for _, m := range cfg.Mounts {
		if slices.ContainsFunc(m.Options, func(o string) bool { return o != "idmap" && specgen.IsIDMapOption(o) }) ||
			(mapped && slices.Contains(m.Options, "idmap")) {
			dest = m.Destination
			break
		}
	}
	if dest == "" {
		return nil
	}
	rt, err := r.findRuntime(cfg.Runtime)
	if err != nil {
		return err
	}
	ok, err := rt.SupportsIDMapMounts(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return errdefs.Errorf(errdefs.ErrNotImplemented, "idmapped mount on %s: the OCI runtime %s does not support idmapped mounts (its `features` lists no idmap mount extension; runc needs 1.2 or later)", dest, rt.Name)
	}
	return nil
}
