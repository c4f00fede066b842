package e2e

import (
	"os"
	"strings"
	"testing"
)

// The monitor leaves the caller's cgroup for /pier/conmon (as conmon's
// /libpod_parent/conmon) and does not carry pier's failpoint knob (its exit
// command gets it back: see TestExitCommandFailureLoggedAndRepaired).
func TestMonitorCgroupAndEnv(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.RunWith(RunOpts{Env: []string{"PIER_FAILPOINT=no-such-step"}}, "run", "-d", "--name", "m", Image, "sleep", "1000")
	mon := p.Inspect("m", "{{.State.ConmonPid}}")
	env, err := os.ReadFile("/proc/" + mon + "/environ")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(env), "PIER_FAILPOINT") {
		t.Errorf("the monitor inherited PIER_FAILPOINT")
	}
	cg, err := os.ReadFile("/proc/" + mon + "/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	self, _ := os.ReadFile("/proc/self/cgroup")
	moved := false
	for _, line := range strings.Split(string(cg), "\n") {
		if strings.HasSuffix(line, ":/pier/conmon") {
			moved = true
		}
	}
	if !moved {
		t.Errorf("the monitor is not in /pier/conmon:\n%s\n(ours:\n%s)", cg, self)
	}
	p.MustRun("rm", "-f", "-t", "0", "m")
}
