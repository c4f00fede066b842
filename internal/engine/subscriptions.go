package engine

import (
	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"go.podman.io/common/pkg/subscriptions"

	"github.com/pier-engine/pier/internal/define"
)

// defaultMountsFile is --default-mounts-file, else containers.conf's
// default_mounts_file; empty means the system's mounts.conf files.
func (r *Runtime) defaultMountsFile() string {
	if r.opts.DefaultMountsFile != "" {
		return r.opts.DefaultMountsFile
	}
	if r.conf.Common != nil {
		return r.conf.Common.Containers.DefaultMountsFile
	}
	return ""
}

// addSubscriptionMounts gives the container the subscriptions of
// mounts.conf ("host-dir:container-dir" lines, e.g. secrets under
// /run/secrets), copied into its run dir and bind-mounted, as podman does;
// a destination the user mounts something on keeps the user's mount.
func (r *Runtime) addSubscriptionMounts(s *rspec.Spec, cfg *define.ContainerConfig, runDir, rootfs string) {
	for _, m := range subscriptions.MountsWithUIDGID("", runDir, r.defaultMountsFile(), rootfs, 0, 0, false, false) {
		taken := false
		for _, um := range cfg.Mounts {
			if um.Destination == m.Destination {
				taken = true
				break
			}
		}
		if !taken {
			s.Mounts = append(s.Mounts, m)
		}
	}
}
