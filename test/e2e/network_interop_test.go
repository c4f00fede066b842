package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// podman5 is the reference podman this host may have; the interop test
// needs a podman 5 (4.x writes the same files, but 5 is the reference).
const podman5 = "/opt/podman5/podman"

// A network made by podman is pier's too, and the reverse: both read and
// write the same files in network_config_dir.
func TestNetworkPodmanInterop(t *testing.T) {
	if _, err := os.Stat(podman5); err != nil {
		t.Skip("podman 5 not installed at " + podman5)
	}
	p := newPier(t)
	podman := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(podman5, append([]string{"--root", filepath.Join(p.Dir, "p5root"), "--runroot", filepath.Join(p.Dir, "p5run")}, args...)...)
		cmd.Env = append(os.Environ(), "CONTAINERS_CONF="+p.ConfPath, "PODMAN_IGNORE_CGROUPSV1_WARNING=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("podman %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	podman("network", "create", "--subnet", "10.231.11.0/24", "fromp5")
	p.MustRun("network", "create", "--subnet", "10.231.12.0/24", "topodman")
	if got := p.MustRun("network", "inspect", "--format", "{{.NetworkInterface}} {{.DNSEnabled}}", "fromp5").Out(); !strings.HasPrefix(got, "podman") || !strings.HasSuffix(got, " true") {
		t.Fatalf("pier inspect of podman's network: %q", got)
	}
	if got := podman("network", "inspect", "--format", "{{range .Subnets}}{{.Subnet}}{{end}}", "topodman"); got != "10.231.12.0/24" {
		t.Fatalf("podman inspect of pier's network: %q", got)
	}
	out := p.MustRun("run", "--rm", "--network", "fromp5", Image, "ip", "-o", "-4", "addr", "show", "eth0").Out()
	if !strings.Contains(out, "10.231.11.2/24") {
		t.Fatalf("pier container on podman's network: %s", out)
	}
	p.MustRun("network", "rm", "fromp5")
	podman("network", "rm", "topodman")
	if got := p.MustRun("network", "ls", "-q").Out(); got != "podman" {
		t.Fatalf("networks left: %q", got)
	}
}
