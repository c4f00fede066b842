package engine

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"go.podman.io/common/pkg/timezone"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/specgen"
)

// prepareHost writes the files the engine bind-mounts into the container
// (hosts, hostname, resolv.conf) into its run dir and resolves the user
// against the container's own /etc/passwd.
func (r *Runtime) prepareHost(ctx context.Context, c *define.Container, rootfs string, paths ctrPaths) (*specgen.Host, error) {
	runDir := paths.RunDir
	hostname := containerHostname(&c.Config)
	h := &specgen.Host{
		RootfsPath:     rootfs,
		HostsPath:      paths.Hosts,
		HostnamePath:   paths.Hostname,
		ResolvConfPath: paths.ResolvConf,
		CgroupsPath:    cgroupPath(&c.Config),
	}
	if c.Config.NoHostname {
		h.HostnamePath = ""
	} else if err := os.WriteFile(h.HostnamePath, []byte(hostname+"\n"), 0o644); err != nil {
		return nil, fmt.Errorf("writing hostname: %w", err)
	}
	var err error
	switch {
	case c.Config.UseImageHosts:
		h.HostsPath = ""
	case strings.HasPrefix(c.Config.NetworkMode, netnsPrefix):
		err = writeJoinedHosts(c, hostname, h.HostsPath)
	default:
		err = r.writeNetHosts(c, rootfs, hostname, h.HostsPath)
	}
	if err != nil {
		return nil, err
	}
	// podman gives a container without network no resolv.conf (the
	// image's stays).
	if c.Config.NetworkMode == "none" || c.Config.UseImageResolvConf {
		h.ResolvConfPath = ""
	} else if err := r.writeResolvConf(c, h.ResolvConfPath); err != nil {
		return nil, err
	}
	if c.Config.Pod != "" && strings.HasPrefix(c.Config.NetworkMode, netnsPrefix) {
		if err := r.writePodMemberNetFiles(ctx, c, rootfs, h.HostsPath, h.ResolvConfPath); err != nil {
			return nil, err
		}
	}
	u, home, err := specgen.ResolveUser(rootfs, c.Config.User)
	if err != nil {
		return nil, err
	}
	h.User, h.Home = u, home
	if c.Config.Timezone != "" {
		if h.LocaltimePath, err = setTimezone(c, rootfs, runDir); err != nil {
			return nil, err
		}
	}
	if c.Config.Init {
		h.InitPath = cmp.Or(c.Config.InitPath, fallbackInitPath)
	}
	return h, nil
}

// setTimezone makes /etc/localtime in the rootfs a link to the zone's file
// when the image has it, else copies the host's zone file into runDir for
// a bind mount (returned), as podman does, with podman's own code.
func setTimezone(c *define.Container, rootfs, runDir string) (string, error) {
	etc, err := securejoin.SecureJoin(rootfs, "/etc")
	if err != nil {
		return "", fmt.Errorf("resolving /etc in container %s: %w", c.Config.Name, err)
	}
	return timezone.ConfigureContainerTimeZone(c.Config.Timezone, runDir, rootfs, etc, c.Config.ID)
}

// writeJoinedHosts writes /etc/hosts of a container that joins another
// one's network namespace: localhost, --add-host entries, its hostname.
func writeJoinedHosts(c *define.Container, hostname, path string) error {
	hosts := addHostLines(c.Config.AddHosts) +
		"127.0.0.1\tlocalhost localhost.localdomain localhost4 localhost4.localdomain4\n" +
		"::1\tlocalhost localhost.localdomain localhost6 localhost6.localdomain6\n" +
		fmt.Sprintf("127.0.1.1\t%s %s\n", hostname, c.Config.Name)
	if err := os.WriteFile(path, []byte(hosts), 0o644); err != nil {
		return fmt.Errorf("writing hosts: %w", err)
	}
	return nil
}

// containerHostname follows podman: the user's hostname, the host's with
// the host network, else the short ID.
func containerHostname(cfg *define.ContainerConfig) string {
	if cfg.Hostname != "" {
		return cfg.Hostname
	}
	if cfg.NetworkMode == "host" || cfg.UTSMode == define.NSHost {
		if h, err := os.Hostname(); err == nil {
			return h
		}
	}
	return cfg.ID[:12]
}

// cgroupPath is c's cgroup on cgroupfs: under --cgroup-parent, else
// under /pier.
func cgroupPath(cfg *define.ContainerConfig) string {
	return path.Join(cmp.Or(cfg.CgroupParent, "/pier"), cfg.ID)
}
