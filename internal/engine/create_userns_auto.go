package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.podman.io/storage/pkg/idtools"
	storagetypes "go.podman.io/storage/types"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/image"
	"github.com/pier-engine/pier/internal/specgen"
)

// parseAutoUserNS reads --userns=auto's options (size=, uidmapping=,
// gidmapping=) as podman does, with its texts.
func parseAutoUserNS(mode string) (*storagetypes.AutoUserNsOptions, error) {
	_, opts := specgen.SplitNamespace(mode)
	o := &storagetypes.AutoUserNsOptions{}
	if opts == "" {
		return o, nil
	}
	for _, kv := range strings.Split(opts, ",") {
		key, val, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, errdefs.New(errdefs.ErrInvalidArgument, fmt.Sprintf("invalid option specified: %q", kv))
		}
		switch key {
		case "size":
			n, err := strconv.ParseUint(val, 10, 32)
			if err != nil {
				return nil, errdefs.New(errdefs.ErrInvalidArgument, err.Error())
			}
			o.Size = uint32(n)
		case "uidmapping", "gidmapping":
			setting := strings.ToUpper(key[:1]) + "ID"
			m, err := idtools.ParseIDMap([]string{val}, setting)
			if err != nil {
				return nil, errdefs.New(errdefs.ErrInvalidArgument, err.Error())
			}
			if key == "uidmapping" {
				o.AdditionalUIDMappings = append(o.AdditionalUIDMappings, m...)
			} else {
				o.AdditionalGIDMappings = append(o.AdditionalGIDMappings, m...)
			}
		default:
			return nil, errdefs.New(errdefs.ErrInvalidArgument, fmt.Sprintf("unknown option specified: %q", key))
		}
	}
	return o, nil
}

// autoUserNS creates a --userns=auto container's storage first: storage
// picks its ID ranges (from the subordinate IDs of storage.conf's
// root-auto-userns-user, "containers" by default) and the config records
// them before it is saved, so every later start uses the same ones.
func autoUserNS(ctx context.Context, images *image.Store, cfg *define.ContainerConfig) error {
	if kind, _ := specgen.SplitNamespace(cfg.UserNSMode); kind != define.NSAuto {
		return nil
	}
	o, err := parseAutoUserNS(cfg.UserNSMode)
	if err != nil {
		return err
	}
	opts := storageOptions(cfg)
	opts.AutoUserNs = o
	if err := images.CreateContainer(ctx, cfg.ID, cfg.ImageID, opts); err != nil {
		if inner := errors.Unwrap(err); inner != nil {
			err = inner // storage's own text, as podman shows it
		}
		return fmt.Errorf("creating container storage: %w", err)
	}
	if cfg.UIDMap, cfg.GIDMap, err = images.ContainerMappings(cfg.ID); err != nil {
		_ = images.DeleteContainer(cfg.ID)
		return err
	}
	return nil
}

// dropAutoStorage undoes autoUserNS's storage when the create fails later.
func dropAutoStorage(images *image.Store, cfg *define.ContainerConfig) {
	if kind, _ := specgen.SplitNamespace(cfg.UserNSMode); kind == define.NSAuto {
		_ = images.DeleteContainer(cfg.ID)
	}
}
