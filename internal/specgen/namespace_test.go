package specgen

import (
	"slices"
	"strings"
	"testing"

	spec "github.com/opencontainers/runtime-spec/specs-go"
)

func TestParseNamespace(t *testing.T) {
	for _, tc := range []struct {
		typ       spec.LinuxNamespaceType
		in, want  string
		wantError string
	}{
		{spec.IPCNamespace, "", "", ""},
		{spec.IPCNamespace, "host", "host", ""},
		{spec.IPCNamespace, "shareable", "shareable", ""},
		{spec.IPCNamespace, "none", "none", ""},
		{spec.PIDNamespace, "none", "", "unrecognized namespace mode none passed"},
		{spec.UTSNamespace, "shareable", "", "unrecognized namespace mode shareable passed"},
		{spec.PIDNamespace, "container:abc", "container:abc", ""},
		{spec.PIDNamespace, "container:", "", "namespace mode container requires a value"},
		{spec.UTSNamespace, "ns:", "", "namespace mode path requires a value"},
		{spec.UTSNamespace, "ns:/proc/1/ns/uts", "ns:/proc/1/ns/uts", ""},
		{spec.UserNamespace, "keep-id:uid=1", "keep-id:uid=1", ""},
		{spec.UserNamespace, "nomap", "nomap", ""},
		{spec.IPCNamespace, "keep-id", "", "unrecognized namespace mode keep-id passed"},
		{spec.CgroupNamespace, "bogus", "", "unrecognized namespace mode bogus passed"},
	} {
		got, err := ParseNamespace(tc.typ, tc.in)
		if tc.wantError != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantError) {
				t.Errorf("%s %q: want error %q, got %q, %v", tc.typ, tc.in, tc.wantError, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s %q: want %q, got %q, %v", tc.typ, tc.in, tc.want, got, err)
		}
	}
}

func TestNamespaceSpec(t *testing.T) {
	if _, ok, _ := NamespaceSpec(spec.IPCNamespace, "host", ""); ok {
		t.Error("host: the namespace should be left out")
	}
	ns, ok, err := NamespaceSpec(spec.PIDNamespace, "container:abc", "/proc/7/ns/pid")
	if !ok || err != nil || ns.Path != "/proc/7/ns/pid" || ns.Type != spec.PIDNamespace {
		t.Errorf("container: want a joined pid ns, got %+v %v %v", ns, ok, err)
	}
	if _, _, err := NamespaceSpec(spec.PIDNamespace, "container:abc", ""); err == nil {
		t.Error("container: without a path should fail")
	}
	ns, ok, _ = NamespaceSpec(spec.UTSNamespace, "ns:/x", "")
	if !ok || ns.Path != "/x" {
		t.Errorf("ns:/x: got %+v", ns)
	}
	ns, ok, _ = NamespaceSpec(spec.IPCNamespace, "shareable", "")
	if !ok || ns.Path != "" || ns.Type != spec.IPCNamespace {
		t.Errorf("shareable: want a new ipc ns, got %+v", ns)
	}
}

func TestGenerateNamespaceModes(t *testing.T) {
	c := baseConfig()
	c.IPCMode, c.PIDMode, c.UTSMode, c.CgroupNSMode = "host", "container:"+strings.Repeat("a", 64), "host", "private"
	h := baseHost()
	h.NSPaths = map[spec.LinuxNamespaceType]string{spec.PIDNamespace: "/proc/9/ns/pid"}
	s, err := Generate(c, h)
	if err != nil {
		t.Fatal(err)
	}
	types := map[spec.LinuxNamespaceType]string{}
	for _, ns := range s.Linux.Namespaces {
		types[ns.Type] = ns.Path
	}
	if _, ok := types[spec.IPCNamespace]; ok {
		t.Error("--ipc=host should leave the ipc namespace out")
	}
	if _, ok := types[spec.UTSNamespace]; ok || s.Hostname != "" {
		t.Errorf("--uts=host should leave uts out and set no hostname (%q)", s.Hostname)
	}
	if types[spec.PIDNamespace] != "/proc/9/ns/pid" {
		t.Errorf("--pid=container: should join /proc/9/ns/pid: %v", types)
	}
	if _, ok := types[spec.CgroupNamespace]; !ok {
		t.Error("--cgroupns=private should add a cgroup namespace on v1 too")
	}
	for _, m := range s.Mounts {
		if m.Destination == "/dev/shm" && (m.Type != "bind" || m.Source != "/dev/shm") {
			t.Errorf("--ipc=host should bind the host's /dev/shm: %+v", m)
		}
	}
}

func TestGenerateUserNSAndPrivileged(t *testing.T) {
	c := baseConfig()
	c.NetworkMode = "bridge"
	c.UIDMap = []spec.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 5000}}
	c.Sysctls = map[string]string{"net.ipv4.ping_group_range": "0 0", "kernel.msgmax": "1"}
	c.Privileged = true
	h := baseHost()
	h.NetNSPath = "/run/netns/x"
	s, err := Generate(c, h)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Linux.UIDMappings) != 1 || s.Linux.UIDMappings[0].HostID != 100000 {
		t.Errorf("uid mappings: %+v", s.Linux.UIDMappings)
	}
	if _, ok := s.Linux.Sysctl["net.ipv4.ping_group_range"]; ok || s.Linux.Sysctl["kernel.msgmax"] != "1" {
		t.Errorf("a user namespace without its own netns drops net.* sysctls only: %v", s.Linux.Sysctl)
	}
	if s.Linux.MaskedPaths != nil || s.Linux.ReadonlyPaths != nil {
		t.Error("privileged: nothing masked or read-only")
	}
	if d := s.Linux.Resources.Devices; len(d) != 1 || !d[0].Allow {
		t.Errorf("privileged: every device allowed, got %+v", d)
	}
	for _, m := range s.Mounts {
		if m.Destination == "/sys" && (m.Type != "bind" || !slices.Contains(m.Options, "rw")) {
			t.Errorf("/sys of a user namespace without its netns is the host's, rw when privileged: %+v", m)
		}
	}

}

func TestParseDeviceCgroupRule(t *testing.T) {
	r, err := ParseDeviceCgroupRule("c 10:* rw")
	if err != nil || r.Type != "c" || *r.Major != 10 || r.Minor != nil || r.Access != "rw" || !r.Allow {
		t.Errorf("c 10:* rw: %+v %v", r, err)
	}
	for _, bad := range []string{"", "c 1:3", "x 1:3 rwm", "c 1-3 rwm", "c a:3 rwm", "c 1:3 rwx"} {
		if _, err := ParseDeviceCgroupRule(bad); err == nil {
			t.Errorf("%q should be refused", bad)
		}
	}
	d, err := ParseDevice("/dev/fuse:/dev/f:r")
	if err != nil || d.PathInContainer != "/dev/f" || d.Permissions != "r" {
		t.Errorf("ParseDevice: %+v %v", d, err)
	}
}
