package e2e

import (
	"os"
	"strings"
	"testing"
)

// --security-opt proc-opts= mounts /proc with those options (podman's
// hidepid and gid); apparmor=unconfined is a no-op where AppArmor is off,
// and a profile there is refused with podman's words.
func TestSecurityOptProcOptsAndAppArmor(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	out := p.MustRun("run", "--rm", "--security-opt", "proc-opts=hidepid=2,gid=5", Image, "sh", "-c", `grep " /proc " /proc/mounts`).Out()
	if !strings.Contains(out, "hidepid=invisible") || !strings.Contains(out, "gid=5") {
		t.Errorf("/proc mounted %q, want hidepid and gid=5", out)
	}
	if b, err := os.ReadFile("/sys/module/apparmor/parameters/enabled"); err == nil && len(b) > 0 && b[0] == 'Y' {
		t.Log("AppArmor is enabled on this host: only its refusal is checked")
		p.ExpectEngineError(p.Run("run", "--rm", "--security-opt", "apparmor=unconfined", Image, "true"), "pier applies no AppArmor profiles")
		return
	}
	p.MustRun("run", "--rm", "--security-opt", "apparmor=unconfined", Image, "true")
	p.ExpectEngineError(p.Run("run", "--rm", "--security-opt", "apparmor=myprof", Image, "true"),
		`apparmor profile "myprof" specified, but Apparmor is not enabled on this system`)
	if ids := p.PsIDs(); len(ids) != 0 {
		t.Errorf("a refused run left containers: %v", ids)
	}
}
