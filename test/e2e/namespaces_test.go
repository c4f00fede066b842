package e2e

import (
	"os"
	"strings"
	"testing"
)

// Namespaces, ID mappings, capabilities and devices (--ipc, --pid, --uts,
// --cgroupns, --userns, --uidmap, --group-add, --cap-add/--cap-drop,
// --privileged, --device): each checked from inside the container.

func hostNS(t *testing.T, name string) string {
	t.Helper()
	l, err := os.Readlink("/proc/self/ns/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestRunIPCModes(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	if got := p.MustRun("run", "--rm", "--ipc=host", Image, "readlink", "/proc/self/ns/ipc").Out(); got != hostNS(t, "ipc") {
		t.Errorf("--ipc=host: want the host's %s, got %s", hostNS(t, "ipc"), got)
	}
	r := p.Run("run", "--rm", "--ipc=none", Image, "ls", "/dev/shm")
	if r.ExitCode != 1 || !strings.Contains(r.Stderr, "No such file or directory") {
		t.Errorf("--ipc=none should have no /dev/shm: %s", r)
	}

	// A private IPC namespace cannot be joined; the default one can, and
	// its /dev/shm comes with it.
	p.MustRun("run", "-d", "--ipc=private", "--name", "priv", Image, "sleep", "100")
	r = p.Run("run", "--rm", "--ipc=container:priv", Image, "true")
	p.ExpectEngineError(r, "is not allowed: non-shareable IPC (hint: use IpcMode:shareable for the donor container)")
	p.MustRun("run", "-d", "--name", "donor", Image, "sleep", "100")
	p.MustRun("exec", "donor", "sh", "-c", "echo shared > /dev/shm/f")
	donorNS := p.MustRun("exec", "donor", "readlink", "/proc/self/ns/ipc").Out()
	out := p.MustRun("run", "--rm", "--ipc=container:donor", Image, "sh", "-c", "readlink /proc/self/ns/ipc; cat /dev/shm/f").Lines()
	if len(out) != 2 || out[0] != donorNS || out[1] != "shared" {
		t.Errorf("--ipc=container:donor should share %s and its /dev/shm: %q", donorNS, out)
	}
	if got := p.Inspect("donor", "{{.HostConfig.IpcMode}}"); got != "shareable" {
		t.Errorf("default IpcMode: want shareable, got %q", got)
	}
	if got := p.Inspect("priv", "{{.HostConfig.IpcMode}}"); got != "private" {
		t.Errorf("IpcMode: want private, got %q", got)
	}
	// The joiner depends on the donor.
	id := p.MustRun("create", "--ipc=container:donor", Image, "true").Out()
	r = p.Run("rm", "donor")
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, id) {
		t.Errorf("rm of a container whose IPC another joins should fail naming it: %s", r)
	}
}

func TestRunPIDUTSCgroupNS(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	out := p.MustRun("run", "--rm", "--pid=host", "--uts=host", "--cgroupns=private", Image,
		"sh", "-c", "readlink /proc/self/ns/pid; hostname; readlink /proc/self/ns/cgroup").Lines()
	host, _ := os.Hostname()
	if len(out) != 3 || out[0] != hostNS(t, "pid") || out[1] != host || out[2] == hostNS(t, "cgroup") {
		t.Errorf("want host pid ns %s, hostname %s and a private cgroup ns, got %q", hostNS(t, "pid"), host, out)
	}
	p.MustRun("run", "-d", "--name", "a", Image, "sleep", "100")
	aPID := p.MustRun("exec", "a", "readlink", "/proc/self/ns/pid").Out()
	aUTS := p.MustRun("exec", "a", "readlink", "/proc/self/ns/uts").Out()
	out = p.MustRun("run", "--rm", "--pid=container:a", "--uts=container:a", Image,
		"sh", "-c", "readlink /proc/self/ns/pid; readlink /proc/self/ns/uts; ps -o comm | grep -c sleep").Lines()
	if len(out) != 3 || out[0] != aPID || out[1] != aUTS || out[2] != "1" {
		t.Errorf("want a's pid ns %s (its sleep visible) and uts ns %s, got %q", aPID, aUTS, out)
	}
	id := p.MustRun("create", "--pid=host", "--uts=container:a", Image, "true").Out()
	if got := p.Inspect(id, "{{.HostConfig.PidMode}} {{.HostConfig.CgroupMode}}"); got != "host host" {
		t.Errorf("inspect PidMode CgroupMode: %q", got)
	}
	aID := p.Inspect("a", "{{.Id}}")
	if got := p.Inspect(id, "{{.HostConfig.UTSMode}}"); got != "container:"+aID {
		t.Errorf("inspect UTSMode: want container:%s, got %q", aID, got)
	}
}

func TestRunUserNSMappings(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	out := p.MustRun("run", "--rm", "--uidmap", "0:100000:5000", "--gidmap", "0:200000:5000", Image,
		"sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; stat -c %u:%g /bin").Lines()
	want := []string{"0 100000 5000", "0 200000 5000", "0:0"}
	if len(out) != 3 {
		t.Fatalf("want %q, got %q", want, out)
	}
	for i, w := range want {
		if strings.Join(strings.Fields(out[i]), " ") != w {
			t.Errorf("line %d: want %q, got %q", i, w, out[i])
		}
	}
	id := p.MustRun("create", "--uidmap", "0:100000:5000", Image, "true").Out()
	if got := p.Inspect(id, "{{.HostConfig.UsernsMode}}"); got != "private" {
		t.Errorf("UsernsMode: want private, got %q", got)
	}
	p.MustRun("rm", id)
	p.ExpectEngineError(p.Run("run", "--rm", "--userns=nomap", Image, "true"), "nomap is only supported in rootless mode")
	p.ExpectEngineError(p.Run("run", "--rm", "--userns=private", Image, "true"), "must provide at least one UID or GID mapping")
	p.ExpectEngineError(p.Run("run", "--rm", "--userns=bogus", Image, "true"), "unrecognized namespace mode bogus passed")
	// keep-id as root keeps root, without the image's extra groups.
	if got := p.MustRun("run", "--rm", "--userns=keep-id", Image, "id", "-u").Out(); got != "0" {
		t.Errorf("--userns=keep-id as root: want uid 0, got %q", got)
	}
	p.CheckClean("after the user namespace runs")
	if ents, _ := os.ReadDir("/run/pier-userns"); len(ents) > 0 {
		for _, e := range ents {
			if strings.HasPrefix(id, e.Name()) {
				t.Errorf("the rootfs bind of %s was left in /run/pier-userns", id)
			}
		}
	}
}

func TestRunGroupAdd(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	if got := p.MustRun("run", "--rm", "--group-add", "457", "--group-add", "458", Image, "id", "-G").Out(); !strings.HasSuffix(got, "457 458") {
		t.Errorf("--group-add: want groups ending with 457 458, got %q", got)
	}
	r := p.Run("run", "--rm", "--group-add", "keep-groups", "--group-add", "457", Image, "id")
	p.ExpectEngineError(r, "the '--group-add keep-groups' option is not allowed with any other --group-add options")
	p.ExpectEngineError(p.Run("run", "--rm", "--group-add", "nosuchgroup", Image, "id"), "nosuchgroup")
}

func capLine(t *testing.T, status, key string) string {
	t.Helper()
	for _, l := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(l, key+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no %s in %s", key, status)
	return ""
}

func TestRunCapabilities(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	// podman's default set 0x800405fb, plus NET_ADMIN (12), minus CHOWN (0).
	st := p.MustRun("run", "--rm", "--cap-add", "net_admin", "--cap-drop", "CAP_CHOWN", Image, "cat", "/proc/self/status").Stdout
	if got := capLine(t, st, "CapEff"); got != "00000000800415fa" {
		t.Errorf("CapEff: want 00000000800415fa, got %s", got)
	}
	st = p.MustRun("run", "--rm", "--cap-drop", "all", "--cap-add", "kill", Image, "cat", "/proc/self/status").Stdout
	if got := capLine(t, st, "CapBnd"); got != "0000000000000020" {
		t.Errorf("--cap-drop all --cap-add kill: CapBnd want 0000000000000020, got %s", got)
	}
	p.ExpectEngineError(p.Run("run", "--rm", "--cap-add", "bogus", Image, "true"), `"CAP_BOGUS": unknown capability`)
	id := p.MustRun("create", "--cap-add", "net_admin", "--cap-drop", "chown", Image, "true").Out()
	if got := p.Inspect(id, "{{.HostConfig.CapAdd}} {{.HostConfig.CapDrop}}"); got != "[CAP_NET_ADMIN] [CAP_CHOWN]" {
		t.Errorf("inspect CapAdd CapDrop: %q", got)
	}
}

func TestRunPrivileged(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	out := p.MustRun("run", "--rm", "--name", "priv", "--privileged", Image, "sh", "-c",
		"grep -E '^(CapBnd|Seccomp):' /proc/self/status; ls /dev | wc -l; . /run/.containerenv; echo $engine $name; grep ' /sys ' /proc/self/mountinfo").Stdout
	st := out
	bnd := capLine(t, st, "CapBnd")
	if bnd == "00000000a80425fb" || bnd == "00000000800405fb" {
		t.Errorf("privileged should have every capability, got %s", bnd)
	}
	if capLine(t, st, "Seccomp") != "0" {
		t.Errorf("privileged should run without seccomp:\n%s", st)
	}
	if !strings.Contains(out, "podman-pier-") || !strings.Contains(out, " priv\n") {
		t.Errorf(".containerenv of a privileged container names engine and container:\n%s", out)
	}
	if !strings.Contains(out, " rw,") {
		t.Errorf("privileged /sys should be writable:\n%s", out)
	}
	if got := p.MustRun("run", "--rm", Image, "stat", "-c", "%s", "/run/.containerenv").Out(); got != "0" {
		t.Errorf("/run/.containerenv of an unprivileged container: want empty, got size %s", got)
	}
}

func TestRunDevice(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	// /dev/fuse is not in runc's default allow list: the cgroup rule
	// --device adds is all that lets the container open it.
	out := p.MustRun("run", "--rm", "--device", "/dev/fuse:/dev/myfuse:r", Image, "sh", "-c",
		"stat -c '%t:%T %F' /dev/myfuse; (exec 3</dev/myfuse) && echo read; (exec 3>/dev/myfuse) && echo wrote; true").Stdout
	if out != "a:e5 character special file\nread\n" {
		t.Errorf("--device /dev/fuse:/dev/myfuse:r should be readable, not writable:\n%s", out)
	}
	mk := "mknod /tmp/f c 10 229 && (exec 3</tmp/f) && echo opened"
	if r := p.Run("run", "--rm", "--cap-add", "mknod", Image, "sh", "-c", mk); strings.Contains(r.Stdout, "opened") {
		t.Errorf("without a rule the device cgroup should refuse 10:229: %s", r)
	}
	if out := p.MustRun("run", "--rm", "--cap-add", "mknod", "--device-cgroup-rule", "c 10:229 rwm", Image, "sh", "-c", mk).Out(); out != "opened" {
		t.Errorf("--device-cgroup-rule should allow opening a node of 10:229: %q", out)
	}
	p.ExpectEngineError(p.Run("run", "--rm", "--device-cgroup-rule", "x 1", Image, "true"), "invalid device cgroup rule")
	r := p.Run("run", "--rm", "--device", "/dev/nonexistent", Image, "true")
	p.ExpectEngineError(r, "/dev/nonexistent")
	if ids := p.PsIDs(); len(ids) != 0 {
		t.Errorf("a bad device created %v", ids)
	}
}

// containers.conf's ipcns, pidns and devices are the flags' defaults; a
// flag still wins.
func TestRunConfNamespaces(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.WriteConf("[containers]\nipcns = \"host\"\npidns = \"host\"\ndevices = [\"/dev/fuse\"]\n")
	out := p.MustRun("run", "--rm", Image, "sh", "-c", "readlink /proc/self/ns/ipc; readlink /proc/self/ns/pid; test -c /dev/fuse && echo fuse").Lines()
	if len(out) != 3 || out[0] != hostNS(t, "ipc") || out[1] != hostNS(t, "pid") || out[2] != "fuse" {
		t.Errorf("containers.conf ipcns/pidns host and devices: %q", out)
	}
	if got := p.MustRun("run", "--rm", "--pid", "private", Image, "readlink", "/proc/self/ns/pid").Out(); got == hostNS(t, "pid") {
		t.Error("--pid private should win over containers.conf's pidns")
	}
}
