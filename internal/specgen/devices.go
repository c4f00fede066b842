package specgen

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/moby/sys/devices"
	devcfg "github.com/opencontainers/cgroups/devices/config"
	spec "github.com/opencontainers/runtime-spec/specs-go"

	"go.podman.io/common/pkg/parse"

	"github.com/pier-engine/pier/internal/define"
)

// applyDevices gives the container its device nodes and the device cgroup
// rules that go with them. A privileged container may use every device, as
// in podman, and sees the host's paths unmasked and writable.
func applyDevices(s *spec.Spec, c *define.ContainerConfig, h *Host) {
	s.Linux.Devices = append(s.Linux.Devices, h.Devices...)
	applyMasks(s, c)
	if c.Privileged {
		s.Linux.Resources.Devices = []spec.LinuxDeviceCgroup{{Allow: true, Access: "rwm"}}
		s.Linux.MaskedPaths, s.Linux.ReadonlyPaths = nil, nil
		return
	}
	for _, d := range h.Devices {
		major, minor := d.Major, d.Minor
		s.Linux.Resources.Devices = append(s.Linux.Resources.Devices, spec.LinuxDeviceCgroup{
			Allow: true, Type: d.Type, Major: &major, Minor: &minor, Access: devAccess(c, d.Path),
		})
	}
	s.Linux.Resources.Devices = append(s.Linux.Resources.Devices, c.DeviceRules...)
}

// devAccess is the cgroup access --device gave the device at path.
func devAccess(c *define.ContainerConfig, path string) string {
	for _, d := range c.Devices {
		if d.PathInContainer == path {
			return d.Permissions
		}
	}
	return "rwm"
}

// ParseDevice parses --device's "HOST[:CONTAINER][:PERMISSIONS]" with
// podman's own parser: the container path defaults to the host's,
// permissions to "rwm".
func ParseDevice(s string) (define.Device, error) {
	src, dst, perms, err := parse.Device(s)
	if err != nil {
		return define.Device{}, invalidf("%w", err)
	}
	return define.Device{PathOnHost: src, PathInContainer: dst, Permissions: perms}, nil
}

// isDevPerms reports whether p is a cgroup access string ("r", "rw", "rwm").
func isDevPerms(p string) bool {
	_, _, perms, err := parse.Device("/x:" + p)
	return err == nil && perms == p
}

// HostDevice looks up the host device at path (following symlinks, as
// podman does) and returns the spec's node at dest; a directory gives
// every device below it.
func HostDevice(path, dest string) ([]spec.LinuxDevice, error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, fmt.Errorf("stat %s: %w", path, err)
	}
	fi, err := os.Stat(real)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		d, err := devices.DeviceFromPath(real, "rwm")
		if err != nil {
			return nil, fmt.Errorf("%s is not a valid device: %w", path, err)
		}
		return []spec.LinuxDevice{toSpecDevice(d, dest)}, nil
	}
	var out []spec.LinuxDevice
	err = filepath.WalkDir(real, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		d, err := devices.DeviceFromPath(p, "rwm")
		if err != nil {
			return nil // not a device
		}
		out = append(out, toSpecDevice(d, filepath.Join(dest, strings.TrimPrefix(p, real))))
		return nil
	})
	return out, err
}

// ttyN are the virtual consoles a systemd container must not get: its
// getty units would take them over (podman issue 15895).
var ttyN = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^/dev/tty\d+$`) })

// PrivilegedDevices are the host's devices for a privileged container,
// without /dev/ttyN in systemd mode, as podman does.
func PrivilegedDevices(systemd bool) ([]spec.LinuxDevice, error) {
	devs, err := devices.HostDevices()
	if err != nil {
		return nil, fmt.Errorf("listing host devices: %w", err)
	}
	out := make([]spec.LinuxDevice, 0, len(devs))
	for _, d := range devs {
		if systemd && ttyN().MatchString(d.Path) {
			continue
		}
		out = append(out, toSpecDevice(d, d.Path))
	}
	return out, nil
}

func toSpecDevice(d *devcfg.Device, dest string) spec.LinuxDevice {
	mode := d.FileMode
	uid, gid := d.Uid, d.Gid
	return spec.LinuxDevice{
		Path: dest, Type: string(d.Type), Major: d.Major, Minor: d.Minor,
		FileMode: &mode, UID: &uid, GID: &gid,
	}
}

// ParseDeviceCgroupRule parses --device-cgroup-rule's "TYPE MAJOR:MINOR
// ACCESS" ("c 1:3 rwm", "a *:* r"), * meaning any.
func ParseDeviceCgroupRule(s string) (spec.LinuxDeviceCgroup, error) {
	f := strings.Fields(s)
	bad := invalidf("invalid device cgroup rule requires type, major:Minor, and access rules: %q", s)
	if len(f) != 3 || !strings.Contains("abc", f[0]) || len(f[0]) != 1 || !isDevPerms(f[2]) {
		return spec.LinuxDeviceCgroup{}, bad
	}
	maj, min, ok := strings.Cut(f[1], ":")
	if !ok {
		return spec.LinuxDeviceCgroup{}, bad
	}
	num := func(x string) (*int64, bool) {
		if x == "*" {
			return nil, true
		}
		n, err := strconv.ParseInt(x, 10, 64)
		return &n, err == nil && n >= 0
	}
	r := spec.LinuxDeviceCgroup{Allow: true, Type: f[0], Access: f[2]}
	var ok1, ok2 bool
	r.Major, ok1 = num(maj)
	r.Minor, ok2 = num(min)
	if !ok1 || !ok2 {
		return spec.LinuxDeviceCgroup{}, bad
	}
	return r, nil
}

// applyMasks applies --security-opt unmask= (paths, or ALL for every
// masked and read-only path) and mask= (more masked paths).
func applyMasks(s *spec.Spec, c *define.ContainerConfig) {
	for _, u := range c.Unmask {
		if u == "ALL" {
			s.Linux.MaskedPaths, s.Linux.ReadonlyPaths = nil, nil
			continue
		}
		s.Linux.MaskedPaths = slices.DeleteFunc(s.Linux.MaskedPaths, func(p string) bool { return p == u })
		s.Linux.ReadonlyPaths = slices.DeleteFunc(s.Linux.ReadonlyPaths, func(p string) bool { return p == u })
	}
	for _, m := range c.Mask {
		if !slices.Contains(s.Linux.MaskedPaths, m) {
			s.Linux.MaskedPaths = append(s.Linux.MaskedPaths, m)
		}
	}
}
