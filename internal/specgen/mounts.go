package specgen

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	spec "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pier-engine/pier/internal/define"
)

// DefaultShmSize is podman's default /dev/shm size in bytes: containers.conf
// shm_size "65536k", which podman reads with decimal units.
const DefaultShmSize = 65536000

// defaultMounts are the kernel filesystems every container gets, with
// podman's options. /dev/shm is a private tmpfs per container, which is what
// podman's shm bind amounts to for a container with its own IPC namespace.
func defaultMounts(shmBytes int64) []spec.Mount {
	if shmBytes <= 0 {
		shmBytes = DefaultShmSize
	}
	shmSize := "size=" + strconv.FormatInt(shmBytes, 10)
	return []spec.Mount{
		{Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
		{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
		{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", shmSize}},
		// Read-only as podman mounts it for unprivileged containers: the
		// container sees its cgroups but cannot reconfigure them.
		{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"rprivate", "nosuid", "noexec", "nodev", "relatime", "ro"}},
	}
}

// kernelMounts are defaultMounts adjusted to the container's namespaces
// and privileges, as podman adjusts them: /dev/shm is the host's with
// --ipc=host, the other container's with --ipc=container:, absent with
// --ipc=none; /sys and the cgroup tree are writable when privileged; a
// user namespace that does not own the network namespace cannot mount
// sysfs, so the host's /sys is bound instead.
func kernelMounts(c *define.ContainerConfig, h *Host) []spec.Mount {
	ipc, _ := SplitNamespace(c.IPCMode)
	var out []spec.Mount
	for _, m := range defaultMounts(c.ShmSize) {
		switch m.Destination {
		case "/dev/shm":
			switch {
			case ipc == define.NSNone:
				continue
			case ipc == define.NSHost:
				m = spec.Mount{Destination: m.Destination, Type: "bind", Source: "/dev/shm", Options: []string{"bind", "rprivate", "nosuid", "noexec", "nodev"}}
			case h.ShmSource != "":
				m = spec.Mount{Destination: m.Destination, Type: "bind", Source: h.ShmSource, Options: []string{"bind", "rprivate", "nosuid", "noexec", "nodev"}}
			}
		case "/proc":
			m.Options = append(m.Options, c.ProcOpts...)
		case "/sys":
			if HasUserNS(c) && c.NetworkMode != "none" && c.NetworkMode != "" {
				m = spec.Mount{Destination: "/sys", Type: "bind", Source: "/sys", Options: []string{"rbind", "nosuid", "noexec", "nodev", "ro"}}
			}
			if c.Privileged {
				m.Options = withRW(m.Options)
			}
		case "/sys/fs/cgroup":
			if c.Privileged {
				m.Options = withRW(m.Options)
			}
		}
		out = append(out, m)
	}
	return out
}

// withRW is opts with "ro" turned into "rw".
func withRW(opts []string) []string {
	out := slices.Clone(opts)
	for i, o := range out {
		if o == "ro" {
			out[i] = "rw"
		}
	}
	return out
}

// readOnlyTmpfs are the writable scratch dirs podman adds under --read-only
// (--read-only-tmpfs defaults to true). tmpcopyup keeps what the image has
// there; podman 5.8 mounts all three exec.
func readOnlyTmpfs() []spec.Mount {
	opts := func() []string { return []string{"rw", "rprivate", "nosuid", "nodev", "tmpcopyup"} }
	return []spec.Mount{
		{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: opts()},
		{Destination: "/var/tmp", Type: "tmpfs", Source: "tmpfs", Options: opts()},
		{Destination: "/run", Type: "tmpfs", Source: "tmpfs", Options: opts()},
	}
}

// readOnlyOpts are what podman adds to the options of the files it binds
// into a --read-only container (hostname, hosts, passwd, secrets...).
var readOnlyOpts = []string{"ro", "nosuid", "noexec", "nodev"}

// EngineBindOptions are the options of a file the engine binds into c:
// read-only with c's root.
func EngineBindOptions(c *define.ContainerConfig) []string {
	opts := []string{"bind", "rprivate"}
	if c.ReadOnly {
		opts = append(opts, readOnlyOpts...)
	}
	return opts
}

// lockDown is podman's --read-only --read-only-tmpfs=false: /dev and the
// container's own /dev/shm become read-only too (podman appends to the
// /dev/shm bind's options, repeating three of them).
func lockDown(c *define.ContainerConfig, h *Host, ms []spec.Mount) {
	if !c.ReadOnly || !c.NoReadOnlyTmpfs {
		return
	}
	for i := range ms {
		switch {
		case ms[i].Destination == "/dev" && ms[i].Type == "tmpfs":
			ms[i].Options = append(slices.Clone(ms[i].Options), "ro")
		case ms[i].Destination == "/dev/shm" && h.ShmSource != "" && ms[i].Source == h.ShmSource:
			ms[i].Options = slices.Concat([]string{"bind", "rprivate"}, readOnlyOpts, ms[i].Options[2:])
		}
	}
}

// etcBinds are the engine's files bound at their place in the container
// and, for /etc/hosts and /etc/resolv.conf, in every --chrootdirs dir too.
func etcBinds(c *define.ContainerConfig, h *Host) []spec.Mount {
	var out []spec.Mount
	add := func(dest, src string) {
		if src != "" {
			out = append(out, spec.Mount{Destination: dest, Type: "bind", Source: src, Options: EngineBindOptions(c)})
		}
	}
	add("/run/.containerenv", h.ContainerEnvPath)
	add("/etc/hostname", h.HostnamePath)
	add("/etc/hosts", h.HostsPath)
	add("/etc/resolv.conf", h.ResolvConfPath)
	add("/etc/localtime", h.LocaltimePath)
	add("/etc/passwd", h.PasswdPath)
	add("/etc/group", h.GroupPath)
	for _, dir := range c.ChrootDirs {
		add(filepath.Join(dir, "/etc/hosts"), h.HostsPath)
		add(filepath.Join(dir, "/etc/resolv.conf"), h.ResolvConfPath)
	}
	return out
}

// mounts assembles the spec's mounts: kernel filesystems, the engine's
// /etc files, read-only scratch tmpfs, then the user's mounts, which win
// over any of the others at the same destination. The result is ordered
// parents first, as runc mounts in list order.
func mounts(c *define.ContainerConfig, h *Host) ([]spec.Mount, error) {
	user := make([]spec.Mount, 0, len(c.Mounts))
	userDest := make(map[string]bool, len(c.Mounts))
	for _, m := range slices.Concat(c.Mounts, imageTmpfs(c)) {
		sm, err := userMount(m)
		if err != nil {
			return nil, err
		}
		if err := applyIDMap(&sm, m, c); err != nil {
			return nil, err
		}
		if slices.Contains(m.Options, "O") {
			sm = OverlayMount(sm, h.OverlayDir)
		}
		if userDest[sm.Destination] {
			return nil, invalidf("%s: duplicate mount destination", sm.Destination)
		}
		userDest[sm.Destination] = true
		user = append(user, sm)
	}

	base := kernelMounts(c, h)
	lockDown(c, h, base)
	base = append(base, etcBinds(c, h)...)
	if c.Init && h.InitPath != "" {
		base = append(base, spec.Mount{Destination: InitDest, Type: "bind", Source: h.InitPath, Options: []string{"bind", "ro", "private"}})
	}
	if c.ReadOnly && !c.NoReadOnlyTmpfs {
		base = append(base, readOnlyTmpfs()...)
	}

	out := make([]spec.Mount, 0, len(base)+len(user))
	for _, m := range base {
		if userDest[m.Destination] {
			continue
		}
		// A user mount on /dev replaces the whole tree, as in podman.
		if userDest["/dev"] && strings.HasPrefix(m.Destination, "/dev/") {
			continue
		}
		out = append(out, m)
	}
	out = append(out, user...)
	// Parents before children, otherwise a later mount on /a would hide
	// an earlier one on /a/b. Stable, so equal depths keep the order
	// above (podman sorts the same way).
	sortMounts(out)
	return out, nil
}

// sortMounts orders mounts parents first, keeping the order of equal
// depths.
func sortMounts(ms []spec.Mount) {
	slices.SortStableFunc(ms, func(a, b spec.Mount) int {
		return depth(a.Destination) - depth(b.Destination)
	})
}

func depth(p string) int {
	if p == "/" {
		return 0
	}
	return strings.Count(p, "/")
}

// userMount converts a --volume or --tmpfs mount to its spec form with
// podman's default options filled in.
func userMount(m define.Mount) (spec.Mount, error) {
	dest := filepath.Clean(m.Destination)
	if !filepath.IsAbs(dest) {
		return spec.Mount{}, invalidf("invalid container path %q, must be an absolute path", m.Destination)
	}
	switch m.Type {
	case "bind":
		if !filepath.IsAbs(m.Source) {
			return spec.Mount{}, invalidf("invalid host path %q for mount on %s, must be an absolute path", m.Source, dest)
		}
		return spec.Mount{Destination: dest, Type: "bind", Source: m.Source, Options: mountOptions(m.Options, false)}, nil
	case "tmpfs":
		return spec.Mount{Destination: dest, Type: "tmpfs", Source: "tmpfs", Options: mountOptions(m.Options, true)}, nil
	case "devpts":
		// podman's: a new instance with the user's uid, gid, mode, max.
		return spec.Mount{Destination: dest, Type: "devpts", Source: "devpts", Options: append([]string{"rw", "newinstance"}, m.Options...)}, nil
	default:
		return spec.Mount{}, invalidf("mount on %s: unsupported mount type %q", dest, m.Type)
	}
}

// mountOptions drops the options that only mean something to the engine
// and adds podman's defaults for what the user left unsaid: private
// propagation, a recursive bind, and for tmpfs rw,noexec,nosuid,nodev and
// tmpcopyup (the tmpfs starts with the image's content at that path).
// Options are validated by ParseVolume and ParseTmpfs.
func mountOptions(in []string, tmpfs bool) []string {
	var foundWrite, foundProp, foundBind, foundExec, foundSuid, foundDev, foundCopyUp bool
	recursive := true
	out := make([]string, 0, len(in)+6)
	for _, o := range in {
		key, _, _ := strings.Cut(o, "=")
		switch key {
		case "z", "Z":
			// SELinux relabeling: pier applies no labels (and this
			// host has no SELinux), so there is nothing to relabel.
			continue
		case "cached", "delegated", "consistency", "copy", "nocopy":
			// Docker-for-Mac and named-volume options; meaningless for
			// a bind or tmpfs on Linux, dropped as podman drops them.
			continue
		case "notmpcopyup":
			foundCopyUp = true
			continue // podman's own option, the runtime does not know it
		case "U", "O", "idmap":
			continue // done by the engine (chown), OverlayMount and applyIDMap
		case "tmpcopyup":
			foundCopyUp = true
		case "rw", "ro":
			foundWrite = true
		case "exec", "noexec":
			foundExec = true
		case "suid", "nosuid":
			foundSuid = true
		case "dev", "nodev":
			foundDev = true
		case "private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable":
			foundProp = true
		case "bind":
			recursive = false
			foundBind = true
		case "rbind":
			foundBind = true
		}
		out = append(out, o)
	}
	if tmpfs && !foundWrite {
		out = append(out, "rw")
	}
	if !foundProp {
		if recursive {
			out = append(out, "rprivate")
		} else {
			out = append(out, "private")
		}
	}
	if tmpfs {
		if !foundExec {
			out = append(out, "noexec")
		}
		if !foundSuid {
			out = append(out, "nosuid")
		}
		if !foundDev {
			out = append(out, "nodev")
		}
		if !foundCopyUp {
			out = append(out, "tmpcopyup")
		}
	} else if !foundBind {
		out = append(out, "rbind")
	}
	return out
}

// OverlayDir is where the upper and work directories of a -v ...:O mount
// on dest live, under the container's overlayRoot; the engine makes them
// before the start.
func OverlayDir(overlayRoot, dest string) string {
	return filepath.Join(overlayRoot, strings.ReplaceAll(strings.Trim(dest, "/"), "/", "_"))
}

// OverlayMount turns a bind mount into podman's -v ...:O: an overlay with
// the source as its read-only lower layer, so the container may write
// there while the source stays as it was; the writes are dropped at the
// next start.
func OverlayMount(m spec.Mount, overlayRoot string) spec.Mount {
	dir := OverlayDir(overlayRoot, m.Destination)
	opts := []string{
		"lowerdir=" + m.Source,
		"upperdir=" + filepath.Join(dir, "upper"),
		"workdir=" + filepath.Join(dir, "work"),
		"private",
	}
	for _, o := range m.Options {
		switch o {
		case "ro", "nosuid", "nodev", "noexec":
			opts = append(opts, o)
		}
	}
	return spec.Mount{Destination: m.Destination, Type: "overlay", Source: "overlay", Options: opts}
}

// imageTmpfs are the tmpfs mounts --image-volume tmpfs made of the
// image's VOLUMEs, with podman's options.
func imageTmpfs(c *define.ContainerConfig) []define.Mount {
	out := make([]define.Mount, 0, len(c.ImageTmpfs))
	for _, d := range c.ImageTmpfs {
		out = append(out, define.Mount{Type: "tmpfs", Destination: d, Options: []string{"rprivate", "rw", "nodev", "exec"}})
	}
	return out
}
