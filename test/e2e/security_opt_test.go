package e2e

import "testing"

// --security-opt mask= and unmask=: the masked and read-only paths the
// container gets.
func TestRunSecurityOptMask(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	got := p.MustRun("run", "--rm", "--security-opt", "unmask=/proc/sys", "--security-opt", "mask=/etc/hostname:/etc/hosts", Image,
		"sh", "-c", "grep -c ' /proc/sys ' /proc/self/mountinfo; wc -c < /etc/hostname; wc -c < /etc/hosts; grep -c ' /proc/timer_list ' /proc/self/mountinfo").Lines()
	want := []string{"0", "0", "0", "1"}
	if len(got) != 4 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] {
		t.Errorf("unmask=/proc/sys mask=/etc/hostname:/etc/hosts: want %q, got %q", want, got)
	}
	if got := p.MustRun("run", "--rm", "--security-opt", "unmask=ALL", Image, "sh", "-c", "grep -c -E ' /proc/(sys|timer_list|keys) ' /proc/self/mountinfo || true").Out(); got != "0" {
		t.Errorf("unmask=ALL should leave nothing masked or read-only, got %s", got)
	}
	p.ExpectEngineError(p.Run("run", "--rm", "--security-opt", "mask=relative", Image, "true"), `"relative" is not an absolute path`)
}
