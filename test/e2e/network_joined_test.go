package e2e

import (
	"strings"
	"testing"
)

// --network container:X shares X's /etc/hosts and resolv.conf, as podman:
// the joiner's hostname and name are added to X's hosts file on
// 127.0.0.1 (both containers see it) and taken out when the joiner stops.
func TestNetworkJoinedHosts(t *testing.T) {
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "x", Image, "sleep", "100")
	id := p.MustRun("run", "-d", "--name", "j", "--network", "container:x", Image, "sleep", "100").Out()
	line := "127.0.0.1\t" + id[:12] + " j"
	if got := p.MustRun("exec", "x", "cat", "/etc/hosts").Out(); !strings.Contains(got, line) {
		t.Fatalf("x's /etc/hosts lacks the joiner %q:\n%s", line, got)
	}
	joined := p.MustRun("exec", "j", "cat", "/etc/hosts").Out()
	if !strings.Contains(joined, line) || !strings.Contains(joined, " x\n") && !strings.HasSuffix(joined, " x") {
		t.Fatalf("j's /etc/hosts is not x's:\n%s", joined)
	}
	if a, b := p.MustRun("exec", "x", "cat", "/etc/resolv.conf").Out(), p.MustRun("exec", "j", "cat", "/etc/resolv.conf").Out(); a != b {
		t.Fatalf("resolv.conf differs: x %q, j %q", a, b)
	}
	// Name resolution only: ping needs NET_RAW, which containers lack.
	if got := p.Run("exec", "x", "ping", "-c1", "-W1", "j").Stdout; !strings.Contains(got, "PING j (127.0.0.1)") {
		t.Fatalf("x resolving j: %s", got)
	}
	p.MustRun("stop", "-t", "0", "j")
	if got := p.MustRun("exec", "x", "cat", "/etc/hosts").Out(); strings.Contains(got, " j") {
		t.Fatalf("the stopped joiner is still in x's /etc/hosts:\n%s", got)
	}
	p.MustRun("rm", "-f", "-t", "0", "j", "x")
}
