package e2e

import (
	"strings"
	"testing"
)

// --systemd: podman's systemd mode (tmpfs on /run, /run/lock, /tmp and
// /var/log/journal, systemd's cgroup hierarchy, container_uuid, stop
// signal SIGRTMIN+3) and, when privileged, no /dev/ttyN.
func TestRunSystemdMode(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	out := p.MustRun("run", "--rm", "--name", "sd", "--systemd=always", Image, "sh", "-c",
		`for d in /run /run/lock /tmp /var/log/journal /sys/fs/cgroup/systemd; do grep -q " $d " /proc/self/mountinfo && echo $d; done; echo ${#container_uuid}`).Lines()
	want := []string{"/run", "/run/lock", "/tmp", "/var/log/journal", "/sys/fs/cgroup/systemd", "32"}
	if strings.Join(out, " ") != strings.Join(want, " ") {
		t.Errorf("--systemd=always: want %q, got %q", want, out)
	}
	id := p.MustRun("create", "--systemd=always", Image, "true").Out()
	if got := p.Inspect(id, "{{.Config.StopSignal}} {{.Config.SystemdMode}}"); got != "SIGRTMIN+3 true" {
		t.Errorf("inspect of a systemd container: %q", got)
	}
	id = p.MustRun("create", "--systemd=false", Image, "/sbin/init").Out()
	if got := p.Inspect(id, "{{.Config.StopSignal}} {{.Config.SystemdMode}}"); got != "SIGTERM false" {
		t.Errorf("--systemd=false: %q", got)
	}
	if n := p.MustRun("run", "--rm", "--privileged", "--systemd=always", Image, "sh", "-c", "ls /dev | grep -cE '^tty[0-9]+$' || true").Out(); n != "0" {
		t.Errorf("a privileged systemd container should get no /dev/ttyN, got %s", n)
	}
	p.ExpectEngineError(p.Run("create", "--systemd=bogus", Image, "true"), "invalid systemd option requested: bogus")
}
