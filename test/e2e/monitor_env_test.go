package e2e

import (
	"os"
	"strings"
	"testing"
)

// The monitor leaves the caller's cgroup for /pier/conmon (as conmon's
// /libpod_parent/conmon).
func TestMonitorCgroupAndEnv(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "m", Image, "sleep", "1000")
	mon := p.Inspect("m", "{{.State.ConmonPid}}")
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
