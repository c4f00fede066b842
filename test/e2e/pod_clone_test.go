package e2e

import (
	"os"
	"strings"
	"testing"
)

// pod clone copies the pod and its containers ("-clone" names, numbered
// when taken); the copies share the clone's own infra namespaces;
// --destroy removes the original, --start starts the clone.
func TestPodClone(t *testing.T) {
	p := newPier(t)
	p.MustRun("pod", "create", "--name", "orig", "--label", "a=b")
	p.MustRun("create", "--pod", "orig", "--name", "c1", Image, "sleep", "100")
	p.MustRun("run", "-d", "--pod", "orig", "--name", "c2", Image, "sleep", "100")
	p.MustRun("pod", "clone", "orig")
	got := p.MustRun("pod", "ps", "--format", "{{.Name}} {{.Labels}} {{.ContainerNames}}", "--filter", "name=orig-clone").Out()
	if !strings.HasPrefix(got, "orig-clone map[a:b] ") || !strings.Contains(got, "c1-clone") || !strings.Contains(got, "c2-clone") {
		t.Fatalf("clone: %q", got)
	}
	id := p.MustRun("pod", "clone", "--start", "-l", "x=y", "orig", "second").Out()
	if got := p.MustRun("pod", "inspect", "-f", "{{.ID}} {{.Name}} {{.State}} {{.Labels}}", "second").Out(); got != id+" second Running map[x:y]" {
		t.Fatalf("clone --start: %q", got)
	}
	const show = "readlink /proc/self/ns/net; hostname"
	a := p.MustRun("exec", "c1-clone1", "sh", "-c", show).Out()
	b := p.MustRun("exec", "c2-clone1", "sh", "-c", show).Out()
	o := p.MustRun("exec", "c2", "sh", "-c", show).Out()
	if a != b || a == o || !strings.HasSuffix(a, "\nsecond") {
		t.Fatalf("clone members' namespaces: %q %q, original's %q", a, b, o)
	}
	p.MustRun("pod", "clone", "--destroy", "orig", "third")
	p.Expect(1, "pod", "exists", "orig")
	if got := p.MustRun("ps", "-a", "--format", "{{.Names}}", "--filter", "name=^c2").Out(); strings.Contains(got, "c2\n") || strings.HasSuffix(got, "c2") {
		t.Fatalf("the original's containers after --destroy: %q", got)
	}
	p.ExpectEngineError(p.Expect(125, "pod", "clone", "nosuch"), "no pod with name or ID nosuch found: no such pod")

	// Device, sysctl, shm size and security options of the clone.
	p.MustRun("pod", "clone", "--device", "/dev/null:/dev/cn", "--sysctl", "kernel.msgmax=4321", "--shm-size", "5m",
		"--security-opt", "no-new-privileges", "--start", "third", "fourth")
	got = p.MustRun("exec", "c1-clone3", "sh", "-c", "stat -c %t,%T /dev/cn; cat /proc/sys/kernel/msgmax; df -k /dev/shm | tail -1").Out()
	if !strings.HasPrefix(got, "1,3\n4321\n") || !strings.Contains(got, " 5120 ") {
		t.Fatalf("clone's device, sysctl and shm: %q", got)
	}
	infra := p.MustRun("pod", "inspect", "-f", "{{.InfraContainerID}}", "fourth").Out()
	if st, err := os.ReadFile("/proc/" + p.Inspect(infra, "{{.State.Pid}}") + "/status"); err != nil || !strings.Contains(string(st), "NoNewPrivs:\t1") {
		t.Fatalf("clone's infra without no-new-privileges: %v", err)
	}
	p.ExpectEngineError(p.Expect(125, "pod", "clone", "--sysctl", "foo=1", "third", "fifth"), "sysctl 'foo' is not allowed")
	p.Expect(1, "pod", "exists", "fifth")

	// --restart is the default of members without their own; --uts the
	// infra's, which members share.
	p.MustRun("pod", "create", "--name", "rs")
	p.MustRun("create", "--pod", "rs", "--name", "r1", Image, "sleep", "100")
	p.MustRun("create", "--pod", "rs", "--name", "r2", "--restart", "on-failure:3", Image, "sleep", "100")
	p.MustRun("pod", "clone", "--restart", "always", "--uts", "host", "--start", "rs", "rsc")
	if got := p.Inspect("r1-clone", "{{.HostConfig.RestartPolicy.Name}}") + " " + p.Inspect("r2-clone", "{{.HostConfig.RestartPolicy.Name}}"); got != "always on-failure" {
		t.Fatalf("clone --restart: %q", got)
	}
	host, _ := os.Hostname()
	if got := p.MustRun("exec", "r1-clone", "hostname").Out(); got != host {
		t.Fatalf("clone --uts host: member's hostname %q, want %q", got, host)
	}

	// --uidmap gives the clone a user namespace its members join.
	p.MustRun("pod", "clone", "--uidmap", "0:200000:5000", "--gidmap", "0:200000:5000", "--start", "rs", "rsu")
	if got := strings.Fields(p.MustRun("exec", "r1-clone1", "sh", "-c", "cat /proc/self/uid_map; stat -c %u /bin").Out()); len(got) != 4 || got[1] != "200000" || got[3] != "0" {
		t.Fatalf("clone --uidmap: member's map and rootfs owner %q", got)
	}

	// -v adds pod volumes: every member mounts the infra's (one anonymous
	// volume shared); a bad source leaves no pod.
	vol := t.TempDir()
	if err := os.WriteFile(vol+"/f", []byte("from host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p.MustRun("pod", "clone", "-v", vol+":/mnt/h", "-v", "/anon", "--start", "rs", "rsv")
	p.MustRun("exec", "r1-clone2", "sh", "-c", "echo shared > /anon/a")
	if got := p.MustRun("exec", "r2-clone2", "sh", "-c", "cat /mnt/h/f /anon/a").Out(); got != "from host\nshared" {
		t.Fatalf("clone -v: %q", got)
	}
	p.ExpectEngineError(p.Expect(125, "pod", "clone", "-v", "/nonexistent-src:/x", "rs", "rsbad"), "statfs /nonexistent-src: no such file or directory")
	p.Expect(1, "pod", "exists", "rsbad")
	// pod rm takes the pods' anonymous volumes, as podman's.
	p.MustRun("pod", "rm", "-fa", "-t", "0")
	if got := p.MustRun("volume", "ls", "-q").Out(); got != "" {
		t.Fatalf("volumes left after pod rm: %q", got)
	}
}
