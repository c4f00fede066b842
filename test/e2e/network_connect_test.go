package e2e

import (
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// bridgePorts lists the host interfaces enslaved to a network's bridge
// (one veth per container on it).
func bridgePorts(t *testing.T, p *Pier, net string) []string {
	t.Helper()
	br := p.MustRun("network", "inspect", "--format", "{{.NetworkInterface}}", net).Out()
	out, err := exec.Command("ip", "-o", "link", "show", "master", br).Output()
	if err != nil {
		return nil // no bridge (yet): no ports
	}
	var ports []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if f := strings.Fields(l); len(f) > 1 {
			ports = append(ports, strings.TrimSuffix(f[1], ":"))
		}
	}
	return ports
}

// A running container connected to a second network gets an interface
// there and is found by name and alias from that network; disconnected,
// the interface, its host veth and its /etc/hosts line are gone. A
// stopped container joins at its next start. Afterwards nothing is left.
func TestNetworkConnectDisconnect(t *testing.T) {
	p := newPier(t)
	before := hostNetState(t)
	p.MustRun("network", "create", "--subnet", "10.231.50.0/24", "cn1")
	p.MustRun("network", "create", "--subnet", "10.231.51.0/24", "cn2")
	a := p.MustRun("run", "-d", "--name", "a", "--network", "cn1", Image, "sleep", "300").Out()
	p.MustRun("run", "-d", "--name", "b", "--network", "cn2", Image, "sleep", "300")
	if n := len(bridgePorts(t, p, "cn2")); n != 1 {
		t.Fatalf("cn2 has %d ports before connect", n)
	}
	p.MustRun("network", "connect", "--alias", "ali", "--ip", "10.231.51.50", "cn2", "a")
	if out := p.MustRun("exec", "a", "ip", "-o", "-4", "addr", "show", "eth1").Out(); !strings.Contains(out, "inet 10.231.51.50/24") {
		t.Fatalf("no eth1 on cn2 after connect:\n%s", out)
	}
	if n := len(bridgePorts(t, p, "cn2")); n != 2 {
		t.Fatalf("cn2 has %d ports after connect, want 2", n)
	}
	for _, name := range []string{"a", "ali"} {
		var out string
		if !eventually(10*time.Second, func() bool {
			out = p.Run("exec", "b", "nslookup", name).String()
			return strings.Contains(out, "10.231.51.50")
		}) {
			t.Fatalf("b cannot resolve %s:\n%s", name, out)
		}
	}
	if out := p.MustRun("exec", "a", "cat", "/etc/hosts").Out(); !strings.Contains(out, "10.231.51.50\t") {
		t.Errorf("/etc/hosts lacks the new address:\n%s", out)
	}
	if got := p.Inspect("a", "{{.NetworkSettings.Networks.cn2.Aliases}}"); !strings.HasPrefix(got, "[ali ") {
		t.Errorf("aliases on cn2: %s", got)
	}
	p.ExpectEngineError(p.Run("network", "connect", "cn2", "a"), "container "+a+" is already connected to network cn2: network is already connected")
	if got := p.MustRun("network", "reload", "a").Out(); got != a {
		t.Errorf("reload printed %q, want the ID", got)
	}
	if out := p.MustRun("exec", "a", "ip", "-o", "-4", "addr", "show", "eth1").Out(); !strings.Contains(out, "inet 10.231.51.50/24") {
		t.Fatalf("reload changed the address:\n%s", out)
	}

	p.MustRun("network", "disconnect", "cn2", "a")
	if r := p.Run("exec", "a", "ip", "link", "show", "eth1"); r.ExitCode == 0 {
		t.Fatalf("eth1 still there after disconnect: %s", r)
	}
	if n := len(bridgePorts(t, p, "cn2")); n != 1 {
		t.Fatalf("cn2 has %d ports after disconnect, want 1 (the host veth stayed)", n)
	}
	if out := p.MustRun("exec", "a", "cat", "/etc/hosts").Out(); strings.Contains(out, "10.231.51.50") {
		t.Errorf("/etc/hosts keeps the old address:\n%s", out)
	}
	p.ExpectEngineError(p.Run("network", "disconnect", "cn2", "a"), "container a is not connected to network cn2")

	p.MustRun("create", "--name", "c", "--network", "cn1", Image, "sleep", "300")
	p.MustRun("network", "connect", "cn2", "c")
	p.MustRun("network", "connect", "cn2", "c") // a no-op while stopped, as podman
	p.MustRun("start", "c")
	if out := p.MustRun("exec", "c", "ip", "-o", "-4", "addr").Out(); !strings.Contains(out, "eth1") || !strings.Contains(out, "10.231.51.") {
		t.Fatalf("a stopped container connected does not join at start:\n%s", out)
	}
	p.MustRun("run", "-d", "--name", "n", "--network", "none", Image, "sleep", "300")
	p.ExpectEngineError(p.Run("network", "connect", "cn2", "n"), `"none" is not supported: invalid network mode`)

	ids := p.PsIDs()
	p.MustRun("rm", "-af", "-t", "0")
	p.MustRun("network", "rm", "cn1", "cn2")
	checkNetStateSame(t, before, append(ids, "10.231.50.", "10.231.51.")...)
}

// --network NAME:ip=,mac=,alias= and --ip/--mac-address set the
// interface podman would; a taken address is podman's IPAM error.
func TestNetworkStaticAddresses(t *testing.T) {
	p := newPier(t)
	p.MustRun("network", "create", "--subnet", "10.231.52.0/24", "sn")
	out := p.MustRun("run", "--rm", "--network", "sn:ip=10.231.52.9,mac=92:d0:c6:0a:29:35,alias=x,interface_name=foo0",
		Image, "sh", "-c", "ip -o -4 addr show foo0; ip link show foo0").Out()
	if !strings.Contains(out, "inet 10.231.52.9/24") || !strings.Contains(out, "92:d0:c6:0a:29:35") {
		t.Fatalf("per-network options:\n%s", out)
	}
	id := p.MustRun("run", "-d", "--network", "sn", "--ip", "10.231.52.10", "--mac-address", "92:d0:c6:0a:29:36", Image, "sleep", "300").Out()
	if got := p.Inspect(id, "{{.NetworkSettings.Networks.sn.IPAddress}} {{.NetworkSettings.Networks.sn.MacAddress}}"); got != "10.231.52.10 92:d0:c6:0a:29:36" {
		t.Fatalf("--ip/--mac-address: %s", got)
	}
	r := p.Run("run", "--rm", "--network", "sn", "--ip", "10.231.52.10", Image, "true")
	if r.ExitCode == 0 || !strings.Contains(r.Stderr, "IPAM error: requested ip address 10.231.52.10 is already allocated to container ID "+id) {
		t.Fatalf("taken address: %s", r)
	}
	p.MustRun("run", "-d", "--name", "al", "--network", "sn", "--network-alias", "web2", Image, "sleep", "300")
	alIP := p.Inspect("al", "{{.NetworkSettings.Networks.sn.IPAddress}}")
	var look string
	if !eventually(10*time.Second, func() bool {
		look = p.Run("run", "--rm", "--network", "sn", Image, "nslookup", "web2").String()
		return strings.Contains(look, alIP)
	}) {
		t.Fatalf("--network-alias web2 not resolved to %s:\n%s", alIP, look)
	}
	if got := p.MustRun("ps", "-q", "--filter", "network=sn").Lines(); len(got) != 2 {
		t.Errorf("ps --filter network=sn: %v", got)
	}
	p.MustRun("rm", "-f", "-t", "0", id, "al")
	p.MustRun("network", "rm", "sn")
}

// pier killed during connect, after netavark set the interface up but
// before the config names the network, leaves a record that stop and rm
// act on: nothing of the second network stays on the host.
func TestNetworkConnectCrash(t *testing.T) {
	p := newPier(t)
	before := hostNetState(t)
	p.MustRun("network", "create", "--subnet", "10.231.53.0/24", "cc1")
	p.MustRun("network", "create", "--subnet", "10.231.54.0/24", "cc2")
	p.MustRun("run", "-d", "--name", "cc", "--network", "cc1", "-p", "127.0.0.1::80", Image, "sleep", "300")
	r := p.RunWith(RunOpts{Env: []string{"PIER_FAILPOINT=network-connect-after-setup"}}, "network", "connect", "cc2", "cc")
	if r.Signal != syscall.SIGKILL {
		t.Fatalf("failpoint should SIGKILL pier: %s", r)
	}
	if n := len(bridgePorts(t, p, "cc2")); n != 1 {
		t.Fatalf("the crashed connect should have left its veth (%d)", n)
	}
	ids := p.PsIDs()
	p.MustRun("rm", "-af", "-t", "0")
	if n := len(bridgePorts(t, p, "cc2")); n != 0 {
		t.Fatalf("cc2 keeps %d ports after rm", n)
	}
	p.MustRun("network", "rm", "cc1", "cc2")
	checkNetStateSame(t, before, append(ids, "10.231.53.", "10.231.54.")...)
}
