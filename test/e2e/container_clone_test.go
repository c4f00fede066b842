package e2e

import (
	"os"
	"strings"
	"testing"
)

// container clone copies a container's config under a new ID and name
// ("-clone", numbered when taken), with the limits given over the
// source's; IMAGE replaces the image, --run starts the clone (its limits
// in its cgroup), --destroy removes the source, --pod moves the copy.
func TestContainerClone(t *testing.T) {
	p := newPier(t)
	p.MustRun("create", "--name", "orig", "-m", "64m", "-e", "K=V", Image, "sleep", "100")
	id := p.MustRun("container", "clone", "orig").Out()
	const show = "{{.ID}} {{.Name}} {{.Config.Cmd}} {{.Config.Env}} {{.HostConfig.Memory}} {{.State.Status}}"
	got := p.Inspect("orig-clone", show)
	if !strings.HasPrefix(got, id+" orig-clone [sleep 100] ") || !strings.Contains(got, "K=V") || !strings.HasSuffix(got, " 67108864 created") {
		t.Fatalf("clone: %q", got)
	}
	if p.Inspect("orig", "{{.ID}}") == id {
		t.Fatal("the clone has the source's ID")
	}
	p.MustRun("container", "clone", "orig")
	p.MustRun("container", "clone", "orig-clone")
	if got := p.MustRun("ps", "-a", "--format", "{{.Names}}", "--filter", "name=orig-clone").Out(); strings.Count(got, "\n") != 2 || !strings.Contains(got, "orig-clone2") {
		t.Fatalf("clone names: %q", got)
	}

	// The limits given replace the source's; --run applies them.
	p.MustRun("tag", Image, "localhost/other:latest")
	p.MustRun("container", "clone", "--run", "--cpus", "0.5", "-m", "48m", "--cpu-shares", "512", "orig", "lim", "localhost/other")
	if got := p.Inspect("lim", "{{.ImageName}} {{.Config.Cmd}} {{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.CpuShares}} {{.State.Status}}"); got != "localhost/other:latest [sleep 100] 50331648 500000000 512 running" {
		t.Fatalf("clone with limits and image: %q", got)
	}
	if got := cgroupFiles(p, "lim", "cpu/cpu.cfs_quota_us", "cpu/cpu.shares", "memory/memory.limit_in_bytes"); strings.Join(got, " ") != "50000 512 50331648" {
		t.Fatalf("clone's cgroup: %q", got)
	}

	// The memory flags are checked alone, as podman: a swap limit needs
	// --memory, whatever the source's.
	p.ExpectEngineError(p.Expect(125, "container", "clone", "--memory-swap", "100m", "orig", "sw"), "you should always set a memory limit when using a memoryswap limit")
	p.Expect(1, "container", "exists", "sw")
	p.MustRun("container", "clone", "-m", "0", "orig", "m0")
	if got := p.Inspect("m0", "{{.HostConfig.Memory}}"); got != "67108864" {
		t.Fatalf("clone -m 0 keeps the source's limit, as podman: %q", got)
	}

	// --destroy: refused for a running source without --force (and no
	// clone made), else the source is gone.
	p.ExpectEngineError(p.Expect(125, "container", "clone", "--destroy", "lim", "lim2"), "running or paused containers cannot be removed without force")
	p.Expect(1, "container", "exists", "lim2")
	p.ExpectEngineError(p.Expect(125, "container", "clone", "-f", "lim"), "cannot set --force without --destroy: invalid argument")
	p.MustRun("container", "clone", "--destroy", "--force", "lim", "lim2")
	p.Expect(1, "container", "exists", "lim")
	if got := p.Inspect("lim2", "{{.HostConfig.Memory}} {{.State.Status}}"); got != "50331648 created" {
		t.Fatalf("clone of the destroyed: %q", got)
	}

	// --pod puts the copy in a pod, joining its namespaces.
	pod := p.MustRun("pod", "create", "--name", "pp").Out()
	p.MustRun("container", "clone", "--pod", "pp", "orig", "inpod")
	if got := p.Inspect("inpod", "{{.Pod}}"); got != pod {
		t.Fatalf("clone --pod: pod %q, want %q", got, pod)
	}
	// A member's clone stays in its pod; with --pod it leaves it for the
	// other pod's namespaces and cgroup.
	p.MustRun("create", "--pod", "pp", "--name", "m1", Image, "sleep", "100")
	p.MustRun("container", "clone", "m1")
	if got := p.Inspect("m1-clone", "{{.Pod}} {{.HostConfig.NetworkMode}}"); got != p.Inspect("m1", "{{.Pod}} {{.HostConfig.NetworkMode}}") {
		t.Fatalf("member's clone: %q", got)
	}
	pod2 := p.MustRun("pod", "create", "--name", "pp2").Out()
	p.MustRun("container", "clone", "--pod", "pp2", "--run", "m1", "moved")
	infra2 := p.MustRun("pod", "inspect", "-f", "{{.InfraContainerID}}", "pp2").Out()
	if got := p.Inspect("moved", "{{.Pod}} {{.HostConfig.NetworkMode}} {{.State.Status}}"); got != pod2+" container:"+infra2+" running" {
		t.Fatalf("clone --pod of a member: %q", got)
	}
	a, _ := os.Readlink("/proc/" + p.Inspect("moved", "{{.State.Pid}}") + "/ns/net")
	b, _ := os.Readlink("/proc/" + p.Inspect(infra2, "{{.State.Pid}}") + "/ns/net")
	if a == "" || a != b {
		t.Fatalf("clone --pod: netns %q, the pod's %q", a, b)
	}
	p.ExpectEngineError(p.Expect(125, "container", "clone", "--pod", "nosuch", "orig"), "no pod with name or ID nosuch found: no such pod")
	p.ExpectEngineError(p.Expect(125, "container", "clone", "nosuch"), `no container with name or ID "nosuch" found: no such container`)
	p.ExpectEngineError(p.Expect(125, "container", "clone", "orig", "orig"), `the container name "orig" is already in use`)
}

// The memory flags name their value as podman's help does (create, run,
// update and clone share them).
func TestContainerCloneHelp(t *testing.T) {
	p := newPier(t)
	for _, cmd := range []string{"clone", "update"} {
		out := p.MustRun("container", cmd, "--help").Out()
		if !strings.Contains(out, "-m, --memory <number>[<unit>] ") || !strings.Contains(out, "--memory-reservation <number>[<unit>] ") {
			t.Errorf("container %s --help:\n%s", cmd, out)
		}
	}
	if out := p.MustRun("container", "clone", "--help").Out(); !strings.Contains(out, "container clone [options] CONTAINER NAME IMAGE") || strings.Contains(out, "pids-limit") {
		t.Errorf("container clone --help:\n%s", out)
	}
}
