package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	units "github.com/docker/go-units"

	"github.com/pier-engine/pier/internal/config"
	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/specgen"
)

// applyConfDefaults fixes in cfg the containers.conf keys that shape the
// container's process (capabilities, sysctls, umask, pids limit, /dev/shm
// size, OOM score), at create as podman does, after cfg.NetworkMode is
// settled. A cgroup manager pier cannot drive is refused here, where a
// container would need it, so commands that only read still work.
func (r *Runtime) applyConfDefaults(cfg *define.ContainerConfig) error {
	ct := r.conf.Containers
	cfg.Capabilities = slices.Clone(ct.DefaultCapabilities)
	if cfg.Capabilities == nil {
		cfg.Capabilities = []string{}
	}
	sysctls, err := specgen.ParseSysctls(ct.DefaultSysctls, cfg.NetworkMode == "host")
	if err != nil {
		return fmt.Errorf("containers.conf default_sysctls: %w", err)
	}
	if len(sysctls) > 0 {
		cfg.Sysctls = sysctls
	}
	cfg.Umask = ct.Umask
	cfg.PidsLimit = ct.PidsLimit
	if ct.OOMScoreAdj != nil {
		v := *ct.OOMScoreAdj
		cfg.OOMScoreAdj = &v
	}
	// common's Validate checked the size already.
	if n, err := units.FromHumanSize(ct.ShmSize); err == nil {
		cfg.ShmSize = n
	}
	if m := r.conf.Engine.CgroupManager; m != config.CgroupfsManager {
		return fmt.Errorf("containers.conf cgroup_manager %q is not supported: pier drives cgroups through cgroupfs only (set cgroup_manager = \"cgroupfs\"): %w", m, errdefs.ErrInvalidArgument)
	}
	return nil
}

// confEnv is the environment every container starts from: TERM=xterm,
// then containers.conf's env (env_host is --env-host's default, see the
// CLI). podman 4 put TERM=xterm in every container, with or without -t,
// and the system tests pier follows check it; podman 5 sets it only with
// -t.
func (r *Runtime) confEnv() []string {
	return specgen.MergeEnv([]string{"TERM=xterm"}, r.conf.Containers.Env)
}

// nameAsHostname reports whether containers.conf container_name_as_hostname
// gives cfg its name as hostname: only without --hostname and with a UTS
// namespace of its own.
func (r *Runtime) nameAsHostname(cfg *define.ContainerConfig) bool {
	return r.conf.Containers.ContainerNameAsHostname && cfg.Hostname == "" && cfg.NetworkMode != "host"
}

// hostnameFromName is podman's sanitizing: a container name already
// matches [a-zA-Z0-9][a-zA-Z0-9_.-]*, so dropping underscores and keeping
// 64 characters makes it a valid hostname.
func hostnameFromName(name string) string {
	h := strings.ReplaceAll(name, "_", "")
	return h[:min(len(h), 64)]
}

// confLogPath applies containers.conf log_path to a k8s-file container
// without --log-opt path: its log is <log_path>/<id>/ctr.log, the
// directory made now, as podman does. Such logs outlive the container
// (podman removes only the ones in its own storage).
func (r *Runtime) confLogPath(cfg *define.ContainerConfig) error {
	dir := r.conf.Containers.LogPath
	if dir == "" || cfg.LogPath != "" || !k8sFileLog(cfg.LogDriver) {
		return nil
	}
	cfg.LogPath = filepath.Join(dir, cfg.ID, "ctr.log")
	if err := os.MkdirAll(filepath.Dir(cfg.LogPath), 0o750); err != nil {
		return fmt.Errorf("containers.conf log_path: %w", err)
	}
	return nil
}

// withConfVolumes puts containers.conf volumes before the user's mounts;
// a user mount on the same destination replaces the file's, as in podman.
func (r *Runtime) withConfVolumes(user []define.Mount) ([]define.Mount, error) {
	taken := make(map[string]bool, len(user))
	for _, m := range user {
		taken[filepath.Clean(m.Destination)] = true
	}
	var out []define.Mount
	for _, v := range r.conf.Containers.Volumes {
		m, err := specgen.ParseVolume(v)
		if err != nil {
			return nil, fmt.Errorf("containers.conf volumes: %w", err)
		}
		if !taken[filepath.Clean(m.Destination)] {
			out = append(out, m)
		}
	}
	return append(out, user...), nil
}
