// Package specgen turns a container's config and a few facts about the host
// into the OCI runtime spec (config.json) that the runtime executes, and
// holds the small parsers that produce the config's inputs (--volume,
// --tmpfs, --ulimit, --env, --user).
//
// Generate is a pure function: it reads no files, runs nothing and asks the
// kernel nothing, so the same inputs give the same spec and golden-file tests
// pin its output. Everything that needs the host (resolving the user in the
// rootfs, preparing /etc/hosts, choosing the cgroup path, clamping rlimits)
// is done by the caller beforehand, with the helpers in this package where it
// helps. specgen never writes the bundle, never mounts and never talks to
// the runtime or the state store.
//
// The spec follows what podman 5 generates for `podman run` with runc on a
// cgroupfs host, minus what pier does not support yet. Seccomp is added by
// ApplyDefaultSeccomp, outside Generate, so golden files stay readable. Not
// done yet: AppArmor,
// SELinux labels, devices, user namespaces and
// /run/.containerenv.
package specgen

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	spec "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pier-engine/pier/internal/config"
	"github.com/pier-engine/pier/internal/define"
)

// Host is what the engine prepared or found out for this start.
type Host struct {
	// RootfsPath is the mounted root filesystem.
	RootfsPath string
	// HostsPath, ResolvConfPath and HostnamePath are files the engine
	// wrote; each is bind-mounted at /etc/hosts, /etc/resolv.conf and
	// /etc/hostname unless empty or the user mounts something there.
	HostsPath, ResolvConfPath, HostnamePath string
	// User is the process identity, already resolved in the rootfs (see
	// ResolveUser), supplementary groups included.
	User spec.User
	// Home is the user's home directory from the image's passwd file; it
	// becomes $HOME unless the environment sets one. Empty means "/".
	Home string
	// CgroupsPath is the container's cgroup, e.g. "/pier/<id>" on cgroupfs.
	CgroupsPath string
	// CgroupV2 says the host is pure cgroup v2 (unified). Only then does
	// the container get its own cgroup namespace, as podman does; on v1
	// and hybrid hosts podman (and pier) share the host's.
	CgroupV2 bool
	// NetNSPath is a network namespace the network part prepared for the
	// container to join. Empty with NetworkMode "none" gives a new
	// namespace holding only loopback.
	NetNSPath string
	// LocaltimePath is a copy of the container's time zone file (--tz),
	// bind-mounted at /etc/localtime; empty when the zone is the image's
	// or the engine linked /etc/localtime inside the rootfs instead.
	LocaltimePath string
	// ShmSource is the /dev/shm a --ipc=container: container shares
	// with the container it joins.
	ShmSource string
	// ContainerEnvPath is the file bind-mounted at /run/.containerenv.
	ContainerEnvPath string
	// Devices are the device nodes the container gets: the host's
	// devices for a privileged container and --device's, each already
	// looked up on the host (see HostDevice).
	Devices []spec.LinuxDevice
	// OverlayDir holds the upper and work directories of -v ...:O mounts
	// (see OverlayDir), made by the engine.
	OverlayDir string
	// NSPaths are the namespace files that "container:" modes join (see
	// NamespaceFile), resolved by the engine from the running containers.
	NSPaths map[spec.LinuxNamespaceType]string
	// InitPath is the init binary (catatonit) for a container with Init;
	// it is bind-mounted read-only at InitDest and runs the command.
	InitPath string
	// PasswdPath and GroupPath are copies of the image's /etc/passwd
	// and /etc/group with the entries pier added, bound over them in a
	// --read-only container (others get the entries in their rootfs).
	PasswdPath, GroupPath string
}

// InitDest is where the init binary appears in the container, podman's
// path (inspect shows it as the container's Path).
const InitDest = "/run/podman-init"

// defaultUmask is podman's default (containers.conf umask "0022").
const defaultUmask uint32 = 0o022

// defaultCaps is podman 5's default capability set (containers.conf
// default_capabilities). It is docker's minus NET_RAW, MKNOD and AUDIT_WRITE.
var defaultCaps = []string{
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_NET_BIND_SERVICE",
	"CAP_SETFCAP",
	"CAP_SETGID",
	"CAP_SETPCAP",
	"CAP_SETUID",
	"CAP_SYS_CHROOT",
}

// maskedPaths are podman's defaults plus /proc/interrupts (masked by newer
// containers/common too): files that leak host information or allow
// attacks on the host kernel are covered with /dev/null or an empty tmpfs.
var maskedPaths = []string{
	"/proc/acpi",
	"/proc/kcore",
	"/proc/keys",
	"/proc/latency_stats",
	"/proc/sched_debug",
	"/proc/scsi",
	"/proc/timer_list",
	"/proc/timer_stats",
	"/sys/dev/block",
	"/sys/devices/virtual/powercap",
	"/sys/firmware",
	"/sys/fs/selinux",
	"/proc/interrupts",
}

// readonlyPaths are podman's defaults: readable, but writing them would
// reconfigure the host kernel.
var readonlyPaths = []string{
	"/proc/asound",
	"/proc/bus",
	"/proc/fs",
	"/proc/irq",
	"/proc/sys",
	"/proc/sysrq-trigger",
}

// Generate returns the OCI runtime spec for starting c on the host h.
func Generate(c *define.ContainerConfig, h *Host) (*spec.Spec, error) {
	args := slices.Concat(c.Entrypoint, c.Cmd)
	if len(args) == 0 {
		return nil, invalidf("no command or entrypoint provided, and no CMD or ENTRYPOINT from image")
	}
	if c.Init {
		if h.InitPath == "" {
			return nil, fmt.Errorf("generating spec for container %s: init requested without an init binary", c.ID)
		}
		args = slices.Concat([]string{InitDest, "--"}, args)
	}
	if h.RootfsPath == "" {
		return nil, fmt.Errorf("generating spec for container %s: no rootfs path", c.ID)
	}
	cwd := c.WorkingDir
	if cwd == "" {
		cwd = "/"
	}
	if !filepath.IsAbs(cwd) {
		return nil, invalidf("the working directory %q is invalid, it needs to be an absolute path", cwd)
	}
	hostname := c.Hostname
	if hostname == "" && len(c.ID) >= 12 {
		// podman's default: the short container ID.
		hostname = c.ID[:12]
	}
	namespaces, err := namespaces(c, h)
	if err != nil {
		return nil, err
	}
	mounts, err := mounts(c, h)
	if err != nil {
		return nil, err
	}

	user := h.User
	user.AdditionalGids = slices.Clone(user.AdditionalGids)
	if user.Umask == nil {
		umask := defaultUmask
		if c.Umask != "" {
			u, err := strconv.ParseUint(c.Umask, 8, 32)
			if err != nil {
				return nil, invalidf("invalid umask %q", c.Umask)
			}
			umask = uint32(u)
		}
		user.Umask = &umask
	}

	s := &spec.Spec{
		Version: spec.Version,
		Process: &spec.Process{
			Terminal:     RuntimeTerminal(c),
			User:         user,
			Args:         args,
			Env:          processEnv(c, h, hostname),
			Cwd:          cwd,
			Capabilities: capabilities(user.UID, c.Capabilities),
			Rlimits:      slices.Clone(c.Rlimits),
			OOMScoreAdj:  c.OOMScoreAdj,
			// podman leaves no_new_privileges off unless asked, so setuid
			// binaries (su, ping on some images) keep working.
			NoNewPrivileges: c.NoNewPrivileges,
		},
		Root:        &spec.Root{Path: h.RootfsPath, Readonly: c.ReadOnly},
		Hostname:    hostname,
		Mounts:      mounts,
		Annotations: maps.Clone(c.Annotations),
		Linux: &spec.Linux{
			Resources: &spec.LinuxResources{
				// Deny every device, then runc adds its default allow
				// list (null, zero, full, tty, random, urandom, ptmx,
				// pts). Without this rule a v1 devices cgroup inherits
				// "allow all" from its parent.
				Devices: []spec.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
				Memory:  cloneMemory(c.Memory),
				Pids:    pidsLimit(c.PidsLimit),
				CPU:     c.CPU,
				BlockIO: c.BlockIO,
				Unified: maps.Clone(c.CgroupConf),
			},
			Sysctl:        maps.Clone(c.Sysctls),
			CgroupsPath:   h.CgroupsPath,
			Namespaces:    namespaces,
			MaskedPaths:   slices.Clone(maskedPaths),
			ReadonlyPaths: slices.Clone(readonlyPaths),
			UIDMappings:   slices.Clone(c.UIDMap),
			GIDMappings:   slices.Clone(c.GIDMap),
			// Seccomp: see ApplyDefaultSeccomp.
		},
	}
	if !ownsUTS(c) {
		// The host's or another container's: runc must not set it.
		s.Hostname = ""
	}
	applyDevices(s, c, h)
	applySystemd(s, c, h)
	applySandbox(s, &c.Sandbox)
	if HasUserNS(c) && h.NetNSPath != "" {
		// The network namespace belongs to the host's user namespace:
		// the container's root may not write its sysctls.
		maps.DeleteFunc(s.Linux.Sysctl, func(k, _ string) bool { return strings.HasPrefix(k, "net.") })
	}
	return s, nil
}

// ownsUTS reports whether c has a UTS namespace of its own.
func ownsUTS(c *define.ContainerConfig) bool {
	kind, _ := SplitNamespace(c.UTSMode)
	return kind != define.NSHost && kind != define.NSContainer && kind != define.NSPath
}

// pidsLimit is the pids cgroup limit; none for a limit <= 0.
func pidsLimit(n int64) *spec.LinuxPids {
	if n <= 0 {
		return nil
	}
	return &spec.LinuxPids{Limit: &n}
}

// processEnv is c.Env plus the variables podman adds when the environment
// does not set them: TERM for a terminal, container, HOME and HOSTNAME.
func processEnv(c *define.ContainerConfig, h *Host, hostname string) []string {
	env := slices.Clone(c.Env)
	has := make(map[string]bool, len(env))
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		has[k] = true
	}
	add := func(k, v string) {
		if !has[k] {
			env = append(env, k+"="+v)
			has[k] = true
		}
	}
	// --unsetenv(-all) drops these defaults too; HOME and HOSTNAME stay,
	// as in podman.
	addDefault := func(k, v string) {
		if !c.UnsetEnvAll && !slices.Contains(c.UnsetEnv, k) {
			add(k, v)
		}
	}
	// runc looks the command up in the container's PATH; an image and a
	// containers.conf without one would leave "sh" unfindable.
	addDefault("PATH", strings.TrimPrefix(config.DefaultPath, "PATH="))
	if c.Terminal {
		addDefault("TERM", "xterm")
	}
	// container=podman, as podman sets it: systemd and scripts test this
	// exact value (podman's system tests check it), and pier's containers
	// are podman-compatible containers.
	addDefault("container", "podman")
	home := h.Home
	if home == "" {
		home = "/"
	}
	add("HOME", home)
	if hostname != "" {
		add("HOSTNAME", hostname)
	}
	return env
}

// capabilities follows podman: root gets the default set in bounding,
// effective and permitted; any other user keeps it only in bounding, so a
// non-root process starts with no capabilities but setuid binaries can
// still gain them. Inheritable and ambient stay empty (podman dropped
// inheritable after CVE-2022-27649).
func capabilities(uid uint32, set []string) *spec.LinuxCapabilities {
	if set == nil {
		set = defaultCaps
	}
	c := &spec.LinuxCapabilities{Bounding: slices.Clone(set)}
	if uid == 0 {
		c.Effective = slices.Clone(set)
		c.Permitted = slices.Clone(set)
	}
	return c
}

func cloneMemory(m *spec.LinuxMemory) *spec.LinuxMemory {
	if m == nil {
		return nil
	}
	out := *m
	return &out
}

// RuntimeTerminal reports whether the runtime gives the process a console
// of its own: with -t, except under the passthrough-tty log driver, where
// the process's stdio is the caller's terminal itself.
func RuntimeTerminal(c *define.ContainerConfig) bool {
	return c.Terminal && c.LogDriver != "passthrough-tty"
}
