package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pod create --uidmap/--gidmap: members join the infra's user namespace
// (the same namespace, the same maps, a rootfs owned by the mapped root)
// and still reach the pod's network; a member's own mapping is refused.
func TestPodUserNS(t *testing.T) {
	p := newPier(t)
	p.MustRun("pod", "create", "--name", "un", "--uidmap", "0:100000:5000", "--gidmap", "0:100000:5000")
	p.MustRun("run", "-d", "--pod", "un", "--name", "m1", Image, "sleep", "100")
	const show = "cat /proc/self/uid_map /proc/self/gid_map; readlink /proc/self/ns/user; stat -c %u /bin; ip -4 -o addr show eth0 | wc -l"
	a := p.MustRun("exec", "m1", "sh", "-c", show).Out()
	b := p.MustRun("run", "--rm", "--pod", "un", Image, "sh", "-c", show).Out()
	if a != b {
		t.Fatalf("members see different user namespaces:\n%s\n--\n%s", a, b)
	}
	f := strings.Fields(a)
	if len(f) != 9 || f[0] != "0" || f[1] != "100000" || f[2] != "5000" || f[4] != "100000" || f[7] != "0" || f[8] != "1" {
		t.Fatalf("member's maps, rootfs owner, network: %q", a)
	}
	infra := p.MustRun("pod", "inspect", "-f", "{{.InfraContainerID}}", "un").Out()
	pid := p.Inspect(infra, "{{.State.Pid}}")
	if ns, _ := os.Readlink("/proc/" + pid + "/ns/user"); ns != f[6] {
		t.Fatalf("infra's user namespace %s, members' %s", ns, f[6])
	}
	if got := p.MustRun("pod", "inspect", "-f", "{{.SharedNamespaces}} {{.InfraConfig.UserNS}}", "un").Out(); got != "[ipc net user uts] private" {
		t.Fatalf("pod inspect: %q", got)
	}
	p.ExpectEngineError(p.Expect(125, "run", "--rm", "--pod", "un", "--uidmap", "0:200000:5000", Image, "true"),
		"cannot set user namespace mode when joining pod with infra container: invalid argument")
	p.ExpectEngineError(p.Expect(125, "pod", "create", "--userns", "host", "--uidmap", "0:1:2"),
		"--userns and --uidmap/--gidmap/--subuidname/--subgidname are mutually exclusive")
	if got := p.MustRun("pod", "ps", "-q").Lines(); len(got) != 1 {
		t.Fatalf("a refused pod create left a pod: %v", got)
	}
	p.MustRun("pod", "rm", "-f", "-t", "0", "un")
	if m, _ := os.ReadFile("/proc/self/mountinfo"); strings.Contains(string(m), "userns-"+infra) {
		t.Fatalf("the pod's user namespace is still kept after pod rm")
	}
}

// --sysctl is set in the pod's shared namespaces, as members read it;
// --device is in every member; --security-opt is the infra's.
func TestPodSysctlDeviceSecurity(t *testing.T) {
	p := newPier(t)
	p.MustRun("pod", "create", "--name", "sd", "--sysctl", "net.ipv4.ip_forward=1", "--sysctl", "kernel.msgmax=12345",
		"--device", "/dev/null:/dev/podnull", "--security-opt", "no-new-privileges")
	for _, name := range []string{"a", "b"} {
		got := p.MustRun("run", "--rm", "--name", name, "--pod", "sd", Image, "sh", "-c",
			"cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax; stat -c %t,%T /dev/podnull").Out()
		if got != "1\n12345\n1,3" {
			t.Fatalf("member %s: %q", name, got)
		}
	}
	infra := p.MustRun("pod", "inspect", "-f", "{{.InfraContainerID}}", "sd").Out()
	status, err := os.ReadFile("/proc/" + p.Inspect(infra, "{{.State.Pid}}") + "/status")
	if err != nil || !strings.Contains(string(status), "NoNewPrivs:\t1") {
		t.Fatalf("infra without no-new-privileges: %v\n%s", err, status)
	}
	p.ExpectEngineError(p.Expect(125, "pod", "create", "--network", "host", "--sysctl", "net.ipv4.ip_forward=1"),
		"sysctl net.ipv4.ip_forward=1 can't be set since Network Namespace set to host: invalid argument")
	p.ExpectEngineError(p.Expect(125, "pod", "create", "--sysctl", "kernel.hostname=x"), "sysctl 'kernel.hostname' is not allowed")
}

// --share-parent=false: no pod cgroup, members under their own parent;
// --uts host and --pid host are the infra's, shared by members;
// --no-hostname leaves members without /etc/hostname.
func TestPodShareParentAndNamespaces(t *testing.T) {
	p := newPier(t)
	p.MustRun("pod", "create", "--name", "np", "--share-parent=false", "--no-hostname", "--uts", "host")
	p.MustRun("run", "-d", "--pod", "np", "--name", "m", Image, "sleep", "100")
	cg, _ := os.ReadFile("/proc/" + p.Inspect("m", "{{.State.Pid}}") + "/cgroup")
	id := p.MustRun("pod", "inspect", "-f", "{{.ID}} {{.CreateCgroup}}", "np").Out()
	if strings.Contains(string(cg), strings.Fields(id)[0]) || !strings.HasSuffix(id, " false") {
		t.Fatalf("member under the pod's cgroup with --share-parent=false (%s):\n%s", id, cg)
	}
	host, _ := os.Hostname()
	if got := p.MustRun("exec", "m", "sh", "-c", "hostname; test -e /etc/hostname && echo has-hostname-file; true").Out(); got != host {
		t.Fatalf("member of a --uts host --no-hostname pod: %q, want %q", got, host)
	}
	p.MustRun("pod", "create", "--name", "hp", "--pid", "host", "--share", "+pid")
	init, _ := os.ReadFile("/proc/1/comm")
	if got := p.MustRun("run", "--rm", "--pod", "hp", Image, "cat", "/proc/1/comm").Out(); got != strings.TrimSpace(string(init)) {
		t.Fatalf("member of a --pid host pod sees PID 1 %q, the host's is %q", got, init)
	}
	pidFile := filepath.Join(t.TempDir(), "infra.pid")
	p.MustRun("pod", "create", "--name", "cp", "--infra-conmon-pidfile", pidFile)
	p.MustRun("pod", "start", "cp")
	if b, err := os.ReadFile(pidFile); err != nil || len(strings.TrimSpace(string(b))) == 0 {
		t.Fatalf("--infra-conmon-pidfile: %q, %v", b, err)
	}
}
