package engine

import (
	"fmt"
	"strings"

	rspec "github.com/opencontainers/runtime-spec/specs-go"
	"tags.cncf.io/container-device-interface/pkg/cdi"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

// cdiCache reads the CDI spec files of containers.conf's cdi_spec_dirs
// (/etc/cdi and /var/run/cdi by default), as podman does.
func (r *Runtime) cdiCache() (*cdi.Cache, error) {
	dirs := []string{"/etc/cdi", "/var/run/cdi"}
	if r.conf.Common != nil && len(r.conf.Common.Engine.CdiSpecDirs.Get()) > 0 {
		dirs = r.conf.Common.Engine.CdiSpecDirs.Get()
	}
	c, err := cdi.NewCache(cdi.WithSpecDirs(dirs...), cdi.WithAutoRefresh(false))
	if err != nil {
		return nil, fmt.Errorf("reading CDI specs: %w", err)
	}
	return c, nil
}

// checkCDIDevices refuses, at create, CDI device names no spec describes,
// with podman's message.
func (r *Runtime) checkCDIDevices(cfg *define.ContainerConfig) error {
	if len(cfg.CDIDevices) == 0 {
		return nil
	}
	c, err := r.cdiCache()
	if err != nil {
		return err
	}
	var missing []string
	for _, d := range cfg.CDIDevices {
		if c.GetDevice(d) == nil {
			missing = append(missing, d)
		}
	}
	if len(missing) > 0 {
		return errdefs.New(errdefs.ErrInvalidArgument, "setting up CDI devices: unresolvable CDI devices "+strings.Join(missing, ", "))
	}
	return nil
}

// injectCDIDevices applies the CDI specs' edits for c's CDI devices
// (device nodes, mounts, environment, hooks) to s.
func (r *Runtime) injectCDIDevices(s *rspec.Spec, c *define.Container) error {
	if len(c.Config.CDIDevices) == 0 {
		return nil
	}
	cache, err := r.cdiCache()
	if err != nil {
		return err
	}
	if _, err := cache.InjectDevices(s, c.Config.CDIDevices...); err != nil {
		return fmt.Errorf("setting up CDI devices: %w", err)
	}
	return nil
}
