package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Containers of a pod share the infra container's network, IPC and UTS
// namespaces (and its /dev/shm); a container outside the pod does not.
func TestPodSharedNamespaces(t *testing.T) {
	p := newPier(t)
	podID := p.MustRun("pod", "create", "--name", "web").Out()
	if len(podID) != 64 {
		t.Fatalf("pod create printed %q, want a full ID", podID)
	}
	p.MustRun("run", "-d", "--pod", "web", "--name", "a", Image, "sleep", "100")
	nsOf := func(args ...string) string {
		return p.MustRun(args...).Out()
	}
	const show = "for n in net ipc uts; do readlink /proc/self/ns/$n; done; hostname"
	inA := nsOf("exec", "a", "sh", "-c", show)
	inB := nsOf("run", "--rm", "--pod", "web", Image, "sh", "-c", show)
	if inA != inB {
		t.Fatalf("pod members see different namespaces:\n a: %s\n b: %s", inA, inB)
	}
	if !strings.HasSuffix(inA, "\nweb") {
		t.Fatalf("a member's hostname is not the pod's name: %q", inA)
	}
	outside := nsOf("run", "--rm", Image, "sh", "-c", show)
	if outside == inA {
		t.Fatalf("a container outside the pod shares its namespaces: %s", outside)
	}
	// POSIX shared memory lives in /dev/shm, which the pod shares too.
	p.MustRun("exec", "a", "touch", "/dev/shm/marker")
	if got := p.MustRun("run", "--rm", "--pod", "web", Image, "ls", "/dev/shm").Out(); got != "marker" {
		t.Fatalf("/dev/shm of another member: %q", got)
	}
	if got := p.MustRun("ps", "--format", "{{.Names}} {{.Pod}} {{.PodName}}").Lines(); len(got) != 2 || !strings.Contains(strings.Join(got, "\n"), "a "+podID[:12]+" web") {
		t.Fatalf("ps pod columns: %q", got)
	}
	if got := p.MustRun("pod", "inspect", "--format", "{{.Name}} {{.State}} {{.NumContainers}} {{.SharedNamespaces}}", "web").Out(); got != "web Running 2 [ipc net uts]" {
		t.Fatalf("pod inspect: %q", got)
	}
	if got := p.MustRun("__completeNoDesc", "pod", "stop", "w").Lines(); len(got) == 0 || got[0] != "web" {
		t.Fatalf("pod name completion: %q", got)
	}
}

// pod rm refuses a pod with a running container; with -f it removes the
// containers, the infra container and the pod, leaving no state row, lock,
// mount or process behind.
func TestPodRemoveForce(t *testing.T) {
	p := newPier(t)
	id := p.MustRun("pod", "create", "--name", "p1", "--label", "k=v").Out()
	p.MustRun("run", "-d", "--pod", "p1", Image, "sleep", "100")
	p.ExpectEngineError(p.Expect(125, "pod", "rm", "p1"), "not all containers could be removed from pod "+id)
	if got := p.MustRun("pod", "ps", "--format", "{{.Name}} {{.Status}} {{.NumberOfContainers}} {{.Labels}}").Out(); got != "p1 Running 2 map[k:v]" {
		t.Fatalf("pod ps after refused rm: %q", got)
	}
	if got := p.MustRun("pod", "rm", "-f", "-t", "0", "p1").Out(); got != id {
		t.Fatalf("pod rm -f printed %q, want %s", got, id)
	}
	p.Expect(1, "pod", "exists", "p1")
	if got := p.MustRun("pod", "ps", "-q").Out(); got != "" {
		t.Fatalf("pod ps after rm: %q", got)
	}
	p.CheckClean("after pod rm -f")
	// The name is free again, for a container too.
	p.MustRun("create", "--name", "p1", Image)
}

// The infra container goes only with its pod: rm refuses it, rm --depend
// takes the pod and its containers with it.
func TestPodInfraContainer(t *testing.T) {
	p := newPier(t)
	ctr := p.MustRun("create", "--pod", "new:p2", Image, "true").Out()
	infra := p.MustRun("pod", "inspect", "--format", "{{.InfraContainerID}}", "p2").Out()
	if got := p.Inspect(infra, "{{.IsInfra}} {{.Pod}}"); !strings.HasPrefix(got, "true ") {
		t.Fatalf("infra inspect: %q", got)
	}
	for _, args := range [][]string{{"rm", infra}, {"rm", "-f", infra}} {
		p.ExpectEngineError(p.Expect(125, args...), "is the infra container of pod", "and cannot be removed without removing the pod")
	}
	out := p.MustRun("rm", "--depend", infra).Out()
	if !strings.Contains(out, infra) || !strings.Contains(out, ctr) {
		t.Fatalf("rm --depend printed %q, want both %s and %s", out, infra, ctr)
	}
	p.Expect(1, "pod", "exists", "p2")
	p.CheckClean("after rm --depend of the infra container")
}

// Bad input is one clear error with podman's exit code and creates nothing.
func TestPodBadInput(t *testing.T) {
	p := newPier(t)
	p.ExpectEngineError(p.Expect(125, "pod", "create", "--exit-policy", "invalid"), `running pod create option: invalid pod exit policy: "invalid"`)
	p.ExpectEngineError(p.Expect(125, "pod", "create", "--share", "bogus"), "invalid kernel namespace to share: bogus")
	p.ExpectEngineError(p.Expect(125, "pod", "kill", "-s", "0", "nosuchpod"), "invalid signal: 0")
	if r := p.Expect(1, "pod", "rm", "bogus"); !strings.Contains(r.Stderr, "Error: no pod with name or ID bogus found: no such pod") {
		t.Fatalf("pod rm bogus: %s", r)
	}
	if r := p.MustRun("pod", "rm", "-f", "bogus"); r.Out() != "" {
		t.Fatalf("pod rm -f bogus: %s", r)
	}
	p.ExpectEngineError(p.Expect(125, "pod", "create", "--infra=false", "--share", "pid"), "cannot set share(pid) namespaces without an infra container")
	p.ExpectEngineError(p.Expect(125, "pod", "create", "--infra=false", "-p", "8080:80"), "you must have an infra container to publish port bindings to the host")
	p.ExpectEngineError(p.Expect(125, "pod", "create", "--name", "bad/name"), "running pod create option: names must match")
	if r := p.Expect(125, "pod", "inspect", "nosuch"); r.Out() != "[]" || !strings.Contains(r.Stderr, "Error: no such pod nosuch") {
		t.Fatalf("pod inspect nosuch: %s", r)
	}
	if got := p.MustRun("pod", "ps", "-q").Out(); got != "" {
		t.Fatalf("pods after bad input: %q", got)
	}
	p.MustRun("pod", "create", "--name", "p3")
	p.ExpectEngineError(p.Expect(125, "pod", "create", "--name", "p3"), `adding pod to state: name "p3" is in use: pod already exists`)
	p.ExpectEngineError(p.Expect(125, "run", "--rm", "--pod", "p3", "--hostname", "x", Image, "true"),
		"invalid config provided: cannot set hostname when joining the pod UTS namespace: invalid configuration")
	p.ExpectEngineError(p.Expect(125, "run", "--rm", "--pod", "p3", "-p", "8080:80", Image, "true"),
		"published or exposed ports must be defined when the pod is created")
	p.ExpectEngineError(p.Expect(125, "run", "--rm", "--pod", "nosuch", Image, "true"), "no pod with name or ID nosuch found: no such pod")
	if got := p.MustRun("ps", "-a", "--format", "{{.Names}}").Out(); !strings.HasSuffix(got, "-infra") || strings.Contains(got, "\n") {
		t.Fatalf("containers after refused runs: %q", got)
	}
}

// The exit policy "stop" stops the pod when its last container exits;
// "continue" leaves the infra container running (Degraded).
func TestPodExitPolicy(t *testing.T) {
	p := newPier(t)
	for policy, want := range map[string]string{"continue": "Degraded", "stop": "Exited"} {
		id := p.MustRun("pod", "create", "--exit-policy", policy).Out()
		if got := p.MustRun("pod", "inspect", "--format", "{{.ExitPolicy}}", id).Out(); got != policy {
			t.Fatalf("exit policy %q shown as %q", policy, got)
		}
		p.MustRun("run", "--pod", id, Image, "true")
		var got string
		if !eventually(10*time.Second, func() bool {
			got = p.MustRun("pod", "inspect", "--format", "{{.State}}", id).Out()
			return got == want
		}) {
			t.Fatalf("pod with exit policy %s is %q, want %s", policy, got, want)
		}
		p.MustRun("pod", "rm", "-f", id)
	}
}

// A pod create killed at any step leaves a pod the next commands use and
// remove completely.
func TestPodCreateKilled(t *testing.T) {
	p := newPier(t)
	for _, fp := range []string{"pod-create-after-state", "pod-create-after-infra"} {
		// (pod-remove-before-state is TestPodRemoveKilled's.)
		r := p.RunWith(RunOpts{Env: []string{"PIER_FAILPOINT=" + fp}}, "pod", "create", "--name", "half")
		if r.Signal != syscall.SIGKILL {
			t.Fatalf("%s: pod create was not killed: %s", fp, r)
		}
		if got := p.MustRun("pod", "ps", "--format", "{{.Name}} {{.NumberOfContainers}}").Out(); got != "half 0" && got != "half 1" {
			t.Fatalf("%s: pod ps: %q", fp, got)
		}
		if fp == "pod-create-after-infra" {
			// The infra container is found and recorded: members join it.
			infra := p.MustRun("pod", "inspect", "--format", "{{.InfraContainerID}}", "half").Out()
			if infra == "" {
				t.Fatalf("%s: the infra container was not recovered", fp)
			}
			if got := p.MustRun("run", "--rm", "--pod", "half", Image, "hostname").Out(); got != "half" {
				t.Fatalf("%s: member hostname %q", fp, got)
			}
		}
		p.MustRun("pod", "rm", "-f", "half")
		p.CheckClean("after pod rm -f of a half-created pod (" + fp + ")")
	}
}

// pod logs, top and stats cover the pod's containers: logs without the
// infra container, prefixed per container; top and stats with it.
func TestPodLogsTopStats(t *testing.T) {
	p := newPier(t)
	id := p.MustRun("pod", "create", "--name", "lp").Out()
	a := p.MustRun("run", "-d", "--pod", "lp", "--name", "la", Image, "sh", "-c", "echo one; exec sleep 100").Out()
	p.MustRun("run", "-d", "--pod", "lp", "--name", "lb", Image, "sh", "-c", "echo two; exec sleep 100")
	p.WaitLogs("la", "one", 10*time.Second)
	p.WaitLogs("lb", "two", 10*time.Second)
	if got := p.MustRun("pod", "logs", "--names", "lp").Lines(); strings.Join(got, "|") != "la one|lb two" {
		t.Fatalf("pod logs --names: %q", got)
	}
	if got := p.MustRun("pod", "logs", "lp").Lines(); len(got) != 2 || got[0] != a[:12]+" one" {
		t.Fatalf("pod logs: %q", got)
	}
	if got := p.MustRun("pod", "logs", "-c", "lb", "lp").Out(); got != "two" {
		t.Fatalf("pod logs -c: %q", got)
	}
	top := p.MustRun("pod", "top", "lp", "pid", "args").Lines()
	if len(top) != 4 || !strings.Contains(top[1], "/catatonit -P") || !strings.Contains(strings.Join(top, "\n"), "sleep 100") {
		t.Fatalf("pod top: %q", top)
	}
	stats := p.MustRun("pod", "stats", "--no-stream", "--format", "{{.Pod}} {{.Name}}", "lp").Lines()
	// A plain template is headed, as podman 5's pod stats does.
	if len(stats) != 4 || stats[0] != "POD NAME" || stats[2] != id[:12]+" la" {
		t.Fatalf("pod stats: %q", stats)
	}
}

// The pod's network options are the infra container's and so every
// member's: a static MAC, published ports (shown on members by ps), the
// hostname; --restart is the members' default restart policy.
func TestPodCreateOptions(t *testing.T) {
	p := newPier(t)
	port := freeTCPPort(t)
	p.MustRun("pod", "create", "--name", "opts", "--mac-address", "92:d0:c6:0a:29:33", "-p", fmt.Sprintf("127.0.0.1:%d:80", port),
		"-h", "host.example", "--restart", "on-failure:2", "--label", "a=b")
	p.MustRun("run", "-d", "--pod", "opts", "--name", "m", Image, "sleep", "100")
	if got := p.MustRun("exec", "m", "sh", "-c", "cat /sys/class/net/eth0/address; hostname").Out(); got != "92:d0:c6:0a:29:33\nhost.example" {
		t.Fatalf("member's MAC and hostname: %q", got)
	}
	if got := p.MustRun("ps", "--filter", "name=^m$", "--format", "{{.Ports}}").Out(); got != fmt.Sprintf("127.0.0.1:%d->80/tcp", port) {
		t.Fatalf("member's ports in ps: %q", got)
	}
	if got := p.Inspect("m", "{{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}"); got != "on-failure:2" {
		t.Fatalf("member's restart policy: %q", got)
	}
	if got := p.MustRun("pod", "inspect", "--format", "{{.InfraConfig.StaticMAC}} {{.Hostname}} {{.Labels}}", "opts").Out(); got != "92:d0:c6:0a:29:33 host.example map[a:b]" {
		t.Fatalf("pod inspect: %q", got)
	}
}

// --requires starts the required containers first and keeps them while
// the requiring one exists.
func TestRequires(t *testing.T) {
	p := newPier(t)
	p.MustRun("create", "--name", "dep", Image, "sleep", "100")
	p.ExpectEngineError(p.Expect(125, "create", "--requires", "nosuch", Image), `"nosuch" is not a valid container, cannot be used as a dependency`)
	p.MustRun("create", "--name", "top", "--requires", "dep", Image, "sleep", "100")
	p.MustRun("start", "top")
	if got := p.Status("dep"); got != "running" {
		t.Fatalf("required container is %s after start", got)
	}
	p.ExpectEngineError(p.Expect(125, "rm", "-f", "dep"), "has dependent containers which must be removed before it")
}

// A pod's limits are on its own cgroup, which its containers live under;
// pod rm removes the cgroup.
func TestPodCgroupLimits(t *testing.T) {
	p := newPier(t)
	p.MustRun("pod", "create", "--name", "lim", "--memory", "64m", "--pids-limit", "100")
	p.MustRun("run", "-d", "--pod", "lim", "--name", "m", Image, "sleep", "100")
	cg := p.MustRun("pod", "inspect", "--format", "{{.CgroupPath}}", "lim").Out()
	memFile, pidsFile := "/sys/fs/cgroup"+cg+"/memory.max", "/sys/fs/cgroup"+cg+"/pids.max"
	if _, err := os.Stat("/sys/fs/cgroup/memory"); err == nil { // cgroup v1
		memFile, pidsFile = "/sys/fs/cgroup/memory"+cg+"/memory.limit_in_bytes", "/sys/fs/cgroup/pids"+cg+"/pids.max"
	}
	for file, want := range map[string]string{memFile: "67108864", pidsFile: "100"} {
		b, err := os.ReadFile(file)
		if err != nil || strings.TrimSpace(string(b)) != want {
			t.Fatalf("%s: %q, %v; want %s", file, b, err, want)
		}
	}
	pid := p.Inspect("m", "{{.State.Pid}}")
	if b, _ := os.ReadFile("/proc/" + pid + "/cgroup"); !strings.Contains(string(b), cg+"/") {
		t.Fatalf("member is not under the pod's cgroup %s:\n%s", cg, b)
	}
	p.MustRun("pod", "rm", "-f", "-t", "0", "lim")
	if _, err := os.Stat(filepath.Dir(memFile)); !os.IsNotExist(err) {
		t.Fatalf("pod cgroup left after pod rm: %v", err)
	}
}

// The pod's volumes are its infra container's and every member's; a
// member's own mount at the same place wins.
func TestPodVolumes(t *testing.T) {
	p := newPier(t)
	host := t.TempDir()
	if err := os.WriteFile(filepath.Join(host, "f"), []byte("from host\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p.MustRun("volume", "create", "pv")
	p.MustRun("pod", "create", "--name", "vp", "-v", host+":/mnt/host", "-v", "pv:/data", "--shm-size", "10m")
	if got := p.MustRun("run", "--rm", "--pod", "vp", Image, "sh", "-c", "cat /mnt/host/f; echo kept > /data/x; df -k /dev/shm | tail -1").Out(); !strings.HasPrefix(got, "from host\n") || !strings.Contains(got, " 10240 ") {
		t.Fatalf("member's pod volumes and shm: %q", got)
	}
	if got := p.MustRun("run", "--rm", "--pod", "vp", "-v", t.TempDir()+":/mnt/host", Image, "sh", "-c", "ls /mnt/host; cat /data/x").Out(); got != "kept" {
		t.Fatalf("own mount over the pod's, and the named volume: %q", got)
	}
	if r := p.Expect(2, "volume", "rm", "pv"); !strings.Contains(r.Stderr, "volume pv is being used") {
		t.Fatalf("volume rm of the pod's volume: %s", r)
	}
	p.MustRun("pod", "rm", "vp")
	p.MustRun("volume", "rm", "pv")
}

// Prunes follow podman: container prune leaves infra containers to their
// pods, pod prune and system prune remove exited pods only, system reset
// removes running pods too.
func TestPodPrune(t *testing.T) {
	p := newPier(t)
	exited := p.MustRun("pod", "create", "--name", "ex").Out()
	p.MustRun("pod", "start", "ex")
	p.MustRun("pod", "stop", "-t", "0", "ex")
	p.MustRun("pod", "create", "--name", "fresh")
	if got := p.MustRun("container", "prune", "-f").Out(); got != "" {
		t.Fatalf("container prune removed %q", got)
	}
	if got := p.MustRun("system", "prune", "-f").Out(); !strings.HasPrefix(got, "Deleted Pods\n"+exited+"\n") {
		t.Fatalf("system prune: %q", got)
	}
	if got := p.MustRun("pod", "ps", "--format", "{{.Name}}").Out(); got != "fresh" {
		t.Fatalf("pods after prune: %q", got)
	}
	p.MustRun("pod", "start", "fresh")
	p.MustRun("system", "reset", "-f")
	if got := p.MustRun("pod", "ps", "-q").Out(); got != "" {
		t.Fatalf("pods after reset: %q", got)
	}
	p.MustRun("import", "-c", `CMD ["/bin/sh"]`, imageTar, Image) // the harness's cleanup expects it
}

// A container that fails to start makes pod start fail with 125 and one
// "Error:" line per failing container; the others still start.
func TestPodStartPartialFailure(t *testing.T) {
	p := newPier(t)
	p.MustRun("pod", "create", "--name", "pf")
	p.MustRun("create", "--pod", "pf", "--name", "good", Image, "sleep", "100")
	p.MustRun("create", "--pod", "pf", "--name", "bad1", Image, "/nonexistent")
	p.MustRun("create", "--pod", "pf", "--name", "bad2", Image, "/nonexistent")
	r := p.Expect(125, "pod", "start", "pf")
	if n := strings.Count(r.Stderr, "Error: starting container bad"); n != 2 {
		t.Fatalf("want one error line per failing container: %s", r)
	}
	if got := p.Status("good"); got != "running" {
		t.Fatalf("the good container is %s", got)
	}
	if got := p.MustRun("pod", "inspect", "--format", "{{.State}}", "pf").Out(); got != "Degraded" {
		t.Fatalf("pod state: %q", got)
	}
}

// A pod rm killed after its containers went and before the pod's row
// leaves an empty pod that the next pod rm removes completely.
func TestPodRemoveKilled(t *testing.T) {
	p := newPier(t)
	p.MustRun("pod", "create", "--name", "rk")
	p.MustRun("run", "-d", "--pod", "rk", Image, "sleep", "100")
	r := p.RunWith(RunOpts{Env: []string{"PIER_FAILPOINT=pod-remove-before-state"}}, "pod", "rm", "-f", "-t", "0", "rk")
	if r.Signal != syscall.SIGKILL {
		t.Fatalf("pod rm was not killed: %s", r)
	}
	if got := p.MustRun("pod", "ps", "--format", "{{.Name}} {{.NumberOfContainers}}").Out(); got != "rk 0" {
		t.Fatalf("pod after a killed rm: %q", got)
	}
	p.MustRun("pod", "rm", "rk")
	p.CheckClean("after the second pod rm")
}
