package specgen

import (
	"slices"
	"strings"
	"testing"

	spec "github.com/opencontainers/runtime-spec/specs-go"
)

// mountOf returns the spec's mount at dest.
func mountOf(t *testing.T, s *spec.Spec, dest string) (spec.Mount, bool) {
	t.Helper()
	i := slices.IndexFunc(s.Mounts, func(m spec.Mount) bool { return m.Destination == dest })
	if i < 0 {
		return spec.Mount{}, false
	}
	return s.Mounts[i], true
}

func TestReadOnlyTmpfsFalse(t *testing.T) {
	c, h := baseConfig(), baseHost()
	c.ReadOnly, c.NoReadOnlyTmpfs = true, true
	h.ShmSource = "/run/pier/shm/" + testID
	s, err := Generate(c, h)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"/tmp", "/var/tmp", "/run"} {
		if m, ok := mountOf(t, s, d); ok {
			t.Errorf("--read-only-tmpfs=false must mount nothing on %s: %+v", d, m)
		}
	}
	dev, _ := mountOf(t, s, "/dev")
	if !slices.Contains(dev.Options, "ro") {
		t.Errorf("/dev must be read-only as podman makes it: %v", dev.Options)
	}
	shm, _ := mountOf(t, s, "/dev/shm")
	if want := []string{"bind", "rprivate", "ro", "nosuid", "noexec", "nodev", "nosuid", "noexec", "nodev"}; !slices.Equal(shm.Options, want) {
		t.Errorf("/dev/shm options %v, podman's are %v", shm.Options, want)
	}
	hosts, _ := mountOf(t, s, "/etc/hosts")
	if !slices.Equal(hosts.Options, []string{"bind", "rprivate", "ro", "nosuid", "noexec", "nodev"}) {
		t.Errorf("/etc/hosts of a read-only container: %v", hosts.Options)
	}

	c.NoReadOnlyTmpfs = false
	s, err = Generate(c, h)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"/tmp", "/var/tmp", "/run"} {
		m, ok := mountOf(t, s, d)
		if !ok || !slices.Equal(m.Options, []string{"rw", "rprivate", "nosuid", "nodev", "tmpcopyup"}) {
			t.Errorf("--read-only gives %s podman 5.8's exec tmpfs: %+v", d, m)
		}
	}
}

func TestChrootDirsAndEtcFiles(t *testing.T) {
	c, h := baseConfig(), baseHost()
	c.ChrootDirs = []string{"/c1", "/c2/x"}
	h.PasswdPath, h.GroupPath = "/data/passwd", "/data/group"
	s, err := Generate(c, h)
	if err != nil {
		t.Fatal(err)
	}
	for dest, src := range map[string]string{
		"/c1/etc/hosts": h.HostsPath, "/c1/etc/resolv.conf": h.ResolvConfPath,
		"/c2/x/etc/hosts": h.HostsPath, "/c2/x/etc/resolv.conf": h.ResolvConfPath,
		"/etc/passwd": "/data/passwd", "/etc/group": "/data/group",
	} {
		if m, ok := mountOf(t, s, dest); !ok || m.Source != src || m.Type != "bind" {
			t.Errorf("%s: got %+v, want a bind of %s", dest, m, src)
		}
	}
	if _, ok := mountOf(t, s, "/c1/etc/hostname"); ok {
		t.Error("podman binds only hosts and resolv.conf into chroot dirs")
	}
}

func TestImageTmpfsAndSystemdSize(t *testing.T) {
	c, h := baseConfig(), baseHost()
	c.ImageTmpfs = []string{"/data"}
	c.SystemdMode, c.ShmSizeSystemd = true, 10<<20
	s, err := Generate(c, h)
	if err != nil {
		t.Fatal(err)
	}
	m, ok := mountOf(t, s, "/data")
	if want := []string{"rprivate", "rw", "nodev", "exec", "nosuid", "tmpcopyup"}; !ok || m.Type != "tmpfs" || !slices.Equal(m.Options, want) {
		t.Errorf("image volume as tmpfs: %+v, want options %v", m, want)
	}
	for _, d := range []string{"/run", "/run/lock", "/tmp", "/var/log/journal"} {
		if m, _ := mountOf(t, s, d); !slices.Contains(m.Options, "size=10485760") {
			t.Errorf("--shm-size-systemd must size %s: %v", d, m.Options)
		}
	}
}

func TestSysctlNamespaces(t *testing.T) {
	for _, tc := range []struct {
		set              map[string]string
		netHost, ipcHost bool
		want             string
	}{
		{map[string]string{"net.core.somaxconn": "100"}, true, false, "sysctl net.core.somaxconn=100 can't be set since Network Namespace set to host: invalid argument"},
		{map[string]string{"fs.mqueue.msg_max": "10"}, false, true, "sysctl fs.mqueue.msg_max=10 can't be set since IPC Namespace set to host: invalid argument"},
		// podman leaves kernel.shm* with --ipc host to the runtime.
		{map[string]string{"kernel.shmmax": "10"}, false, true, ""},
		{map[string]string{"net.core.somaxconn": "100"}, false, true, ""},
	} {
		err := CheckSysctlNamespaces(tc.set, tc.netHost, tc.ipcHost)
		if (err == nil) != (tc.want == "") || (err != nil && err.Error() != tc.want) {
			t.Errorf("%v: got %v, want %q", tc.set, err, tc.want)
		}
	}
	got := DropSharedSysctls(map[string]string{"net.a": "1", "fs.mqueue.b": "2", "kernel.sem": "3"}, true, true)
	if len(got) != 1 || got["kernel.sem"] != "3" {
		t.Errorf("defaults of shared namespaces are skipped: %v", got)
	}
	if got := DropSharedSysctls(nil, false, false); got == nil {
		t.Error("a nil default set must give a map the user's sysctls can go in")
	}
	if _, err := ParseSysctls([]string{"net.a=b=c"}, false); err == nil || !strings.Contains(err.Error(), "'net.a=b=c' is invalid, extra spaces found") {
		t.Errorf("podman refuses a second '=': %v", err)
	}
}

func TestApplyEnvMerge(t *testing.T) {
	env := []string{"PATH=/usr/bin:/bin", "HOME=/root"}
	got, err := ApplyEnvMerge(env, []string{"container=podman", "HOME=/host"}, []string{"PATH=/x:${PATH}", "FOO=${NOPE}bar", "B=$FOO-$HOME", "C=$container"})
	want := []string{"PATH=/x:/usr/bin:/bin", "HOME=/root", "FOO=bar", "B=bar-/root", "C=podman"}
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("got %v, %v; want %v", got, err, want)
	}
	for in, msg := range map[string]string{
		"NOEQ": "missing `=` for --env-merge substitution NOEQ",
		"X=${": "unable to process variables for --env-merge X=${: Missing ':' or '#' or '%' or '/' in substitution: X=${",
	} {
		if _, err := ApplyEnvMerge(env, nil, []string{in}); err == nil || err.Error() != msg {
			t.Errorf("%q: got %v, want %q", in, err, msg)
		}
	}
}
