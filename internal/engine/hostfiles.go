package engine

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path"
	"slices"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"go.podman.io/common/libnetwork/etchosts"
	"go.podman.io/common/pkg/timezone"
	"go.podman.io/storage/pkg/lockfile"

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
		h.HostnamePath = "" // --no-hostname: the image's stays
	} else if err := os.WriteFile(h.HostnamePath, []byte(hostname+"\n"), 0o644); err != nil {
		return nil, fmt.Errorf("writing hostname: %w", err)
	}
	var err error
	joins := strings.HasPrefix(c.Config.NetworkMode, netnsPrefix) && c.Config.Pod == ""
	switch {
	case joins:
		err = r.shareNetFiles(ctx, c, h)
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
	} else if !joins {
		if err := r.writeResolvConf(c, h.ResolvConfPath); err != nil {
			return nil, err
		}
	}
	if c.Config.Pod != "" && strings.HasPrefix(c.Config.NetworkMode, netnsPrefix) {
		if err := r.writePodMemberNetFiles(ctx, c, rootfs, h.HostsPath, h.ResolvConfPath); err != nil {
			return nil, err
		}
	}
	if h.PasswdPath, h.GroupPath, err = etcFiles(&c.Config, rootfs, paths.DataDir); err != nil {
		return nil, userSetupError{err}
	}
	passwd, group := mountedEtcFiles(&c.Config)
	u, home, err := specgen.ResolveUserWith(rootfs, c.Config.User, cmp.Or(h.PasswdPath, passwd), cmp.Or(h.GroupPath, group))
	if err != nil {
		return nil, userSetupError{err}
	}
	if c.Config.User != "" {
		// podman lists the primary group among the supplementary ones
		// of an explicit user.
		u.AdditionalGids = slices.Insert(slices.DeleteFunc(u.AdditionalGids, func(g uint32) bool { return g == u.GID }), 0, u.GID)
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

// shareNetFiles gives a container that joins another one's network
// namespace (--network container:X) that container's /etc/hosts and
// resolv.conf, as podman: X is followed to the container owning the
// namespace, and the joiner's hostname and name are added to its hosts
// file on 127.0.0.1, so both containers resolve both. A file X does not
// have (--no-hosts, --network none) leaves the image's.
func (r *Runtime) shareNetFiles(ctx context.Context, c *define.Container, h *specgen.Host) error {
	dep, err := r.netNSOwner(ctx, c)
	if err != nil {
		return err
	}
	paths := r.ctrPaths(dep.Config.ID)
	h.HostsPath, h.ResolvConfPath = "", ""
	if !c.Config.UseImageResolvConf && exists(paths.ResolvConf) {
		h.ResolvConfPath = paths.ResolvConf
	}
	if c.Config.UseImageHosts || !exists(paths.Hosts) {
		return nil
	}
	// The hosts file's own lock, as podman's (several joiners may start
	// at once; X's container lock would invert the lock order).
	lk, err := lockfile.GetLockFile(paths.Hosts + ".lock")
	if err != nil {
		return fmt.Errorf("locking hosts file of container %s: %w", dep.Config.ID, err)
	}
	lk.Lock()
	defer lk.Unlock()
	if err := etchosts.Add(paths.Hosts, joinerEntry(c)); err != nil {
		return fmt.Errorf("creating hosts file for container %s which depends on container %s: %w", c.Config.ID, dep.Config.ID, err)
	}
	h.HostsPath = paths.Hosts
	return nil
}

// leaveSharedHosts takes a stopped joiner's line out of the hosts file it
// shared (podman does at cleanup); the owner may be gone already.
func (r *Runtime) leaveSharedHosts(ctx context.Context, c *define.Container) {
	if !strings.HasPrefix(c.Config.NetworkMode, netnsPrefix) || c.Config.Pod != "" || c.Config.UseImageHosts {
		return
	}
	dep, err := r.netNSOwner(ctx, c)
	if err != nil {
		return
	}
	hosts := r.ctrPaths(dep.Config.ID).Hosts
	if !exists(hosts) {
		return
	}
	lk, err := lockfile.GetLockFile(hosts + ".lock")
	if err != nil {
		return
	}
	lk.Lock()
	defer lk.Unlock()
	if err := etchosts.Remove(hosts, joinerEntry(c)); err != nil {
		slog.WarnContext(ctx, fmt.Sprintf("removing container %s from the hosts file of container %s: %v", c.Config.ID, dep.Config.ID, err))
	}
}

func joinerEntry(c *define.Container) etchosts.HostEntries {
	return etchosts.HostEntries{{IP: "127.0.0.1", Names: []string{containerHostname(&c.Config), c.Config.Name}}}
}

// netNSOwner follows c's container:X network mode to the container that
// owns the namespace (X may join another one itself).
func (r *Runtime) netNSOwner(ctx context.Context, c *define.Container) (*define.Container, error) {
	seen := map[string]bool{c.Config.ID: true}
	cur := c
	for {
		id, ok := strings.CutPrefix(cur.Config.NetworkMode, netnsPrefix)
		if !ok {
			return cur, nil
		}
		if seen[id] {
			return nil, fmt.Errorf("loop encountered while determining net namespace container")
		}
		seen[id] = true
		dep, err := r.store.Container(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("fetching dependency %s of container %s: %w", id, c.Config.ID, err)
		}
		cur = dep
	}
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
