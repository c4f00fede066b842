package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// top lists the container's processes with podman's descriptors (their
// PIDs in the container, the host's beside them), falls back to the
// host's ps(1) for ps options, and refuses containers that do not run.
func TestTop(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "c", Image, "sh", "-c", "sleep 1000 & wait")
	hostPid := p.Inspect("c", "{{.State.Pid}}")
	// Until the forked child has exec'd sleep, it shows its parent's
	// command line.
	eventually(10*time.Second, func() bool {
		l := p.MustRun("top", "c").Lines()
		return len(l) == 3 && strings.HasSuffix(strings.TrimSpace(l[2]), "sleep 1000")
	})

	lines := p.MustRun("top", "c").Lines()
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "USER        PID         PPID        %CPU        ELAPSED") {
		t.Fatalf("default columns: %q", lines)
	}
	if f := strings.Fields(lines[1]); f[0] != "root" || f[1] != "1" || f[2] != "0" || f[5] != "?" || !strings.HasSuffix(lines[1], "sh -c sleep 1000 & wait ") {
		t.Errorf("init's row: %q", lines[1])
	}
	if f := strings.Fields(lines[2]); f[1] == "1" || f[2] != "1" || f[len(f)-2] != "sleep" {
		t.Errorf("child's row: %q", lines[2])
	}

	// The suite's "does not use nsenter from image": AIX descriptors only.
	p.MustRun("exec", "c", "sh", "-c", "printf '#!/bin/sh\\nfalse\\n' > /bin/nsenter; chmod +x /bin/nsenter")
	lines = p.MustRun("top", "c", "huser,user", "hpid", "pid,capeff").Lines()
	if lines[0] != "HUSER       USER        HPID        PID         EFFECTIVE CAPS" {
		t.Errorf("header: %q", lines[0])
	}
	if f := strings.Fields(lines[1]); f[0] != "root" || f[1] != "root" || f[2] != hostPid || f[3] != "1" || !strings.Contains(f[4], "CHOWN,") {
		t.Errorf("hpid/huser row: %q (host pid %s)", lines[1], hostPid)
	}

	// Unknown descriptors are ps(1) options; ps's own line is left out.
	lines = p.MustRun("top", "c", "-eo", "pid,args").Lines()
	if len(lines) != 3 || strings.TrimSpace(lines[1]) != "1 sh -c sleep 1000 & wait" || !strings.HasSuffix(lines[2], " sleep 1000") {
		t.Errorf("top -eo pid,args: %q", lines)
	}
	r := p.Run("top", "c", "bogus")
	if r.ExitCode != 125 || !strings.Contains(r.Stderr, "ps(1) failed with exit code 1") {
		t.Errorf("top with a bad ps option: %s", r)
	}
	if l := p.MustRun("top", "-l", "pid").Lines(); len(l) != 3 || l[0] != "PID" {
		t.Errorf("top -l pid: %q", l)
	}
	if _, err := strconv.Atoi(hostPid); err != nil {
		t.Fatal(hostPid)
	}

	p.MustRun("create", "--name", "idle", Image, "true")
	r = p.Run("top", "idle")
	if r.ExitCode != 125 || !strings.Contains(r.Stderr, "Error: top can only be used on running containers") {
		t.Errorf("top of a created container: %s", r)
	}
	r = p.Run("top")
	if r.ExitCode != 125 || !strings.Contains(r.Stderr, "Error: you must provide the name or id of a running container") {
		t.Errorf("top without a container: %s", r)
	}
}
