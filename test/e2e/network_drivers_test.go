package e2e

import (
	"os/exec"
	"strings"
	"testing"
	"time"
)

// A macvlan network on a parent link the test makes (a veth pair: this
// kernel has no dummy links) gives two containers addresses on its subnet
// that reach each other; ipvlan, which netavark 1.4.0 lacks, is refused
// at create, as is a parent that does not exist.
func TestNetworkMacvlan(t *testing.T) {
	p := newPier(t)
	if out, err := exec.Command("ip", "link", "add", "piermv0", "type", "veth", "peer", "name", "piermv1").CombinedOutput(); err != nil {
		t.Skipf("cannot make a veth parent: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", "piermv0").Run() })
	for _, l := range []string{"piermv0", "piermv1"} {
		if err := exec.Command("ip", "link", "set", l, "up").Run(); err != nil {
			t.Fatal(err)
		}
	}
	before := hostNetState(t)
	p.MustRun("network", "create", "-d", "macvlan", "-o", "parent=piermv0", "--subnet", "10.231.70.0/24", "mvnet")
	if got := p.MustRun("network", "inspect", "--format", "{{.Driver}} {{.NetworkInterface}} {{.DNSEnabled}} {{.Options}}", "mvnet").Out(); got != "macvlan piermv0 false map[]" {
		t.Fatalf("macvlan network: %s", got)
	}
	m1 := p.MustRun("run", "-d", "--name", "m1", "--network", "mvnet", Image, "sh", "-c", "while :; do echo via-macvlan | nc -l -p 8000; done").Out()
	if out := p.MustRun("run", "--rm", "--network", "mvnet", Image, "ip", "-o", "-4", "addr", "show", "eth0").Out(); !strings.Contains(out, "inet 10.231.70.3/24") {
		t.Fatalf("second container on macvlan:\n%s", out)
	}
	if out, err := exec.Command("ip", "-n", "pier-"+m1, "-d", "link", "show", "eth0").CombinedOutput(); err != nil || !strings.Contains(string(out), "macvlan") {
		t.Fatalf("m1's eth0 is no macvlan link: %v\n%s", err, out)
	}
	var got string
	if !eventually(10*time.Second, func() bool {
		// busybox wget dies of SIGSEGV on macvlan links here; nc does not.
		r := p.Run("run", "--rm", "--network", "mvnet", Image, "nc", "-w", "2", "10.231.70.2", "8000")
		got = r.String()
		return r.Out() == "via-macvlan"
	}) {
		t.Fatalf("macvlan containers do not reach each other: %s", got)
	}
	p.ExpectEngineError(p.Run("network", "create", "-d", "ipvlan", "-o", "parent=piermv0", "--subnet", "10.231.71.0/24", "ivnet"), "no ipvlan driver")
	p.ExpectEngineError(p.Run("network", "create", "-d", "macvlan", "-o", "parent=nope0", "--subnet", "10.231.72.0/24", "x"), "parent interface nope0 does not exist")
	p.ExpectEngineError(p.Run("network", "create", "-d", "macvlan", "-o", "parent=piermv0", "-o", "mode=foo", "--subnet", "10.231.72.0/24", "x"), `unknown macvlan mode "foo"`)
	ids := p.PsIDs()
	p.MustRun("rm", "-af", "-t", "0")
	p.MustRun("network", "rm", "mvnet")
	checkNetStateSame(t, before, append(ids, "10.231.70.")...)
}

// --ipv6 makes a dual-stack network with a random unique-local /64; its
// containers get both addresses, aardvark on both in resolv.conf, and
// find each other by name over IPv6.
func TestNetworkIPv6(t *testing.T) {
	p := newPier(t)
	before := hostNetState(t)
	p.MustRun("network", "create", "--ipv6", "--subnet", "10.231.73.0/24", "v6net")
	subnets := p.MustRun("network", "inspect", "--format", "{{range .Subnets}}{{.Subnet}} {{end}}{{.IPv6Enabled}}", "v6net").Out()
	f := strings.Fields(subnets)
	if len(f) != 3 || f[0] != "10.231.73.0/24" || !strings.HasPrefix(f[1], "fd") || !strings.HasSuffix(f[1], "::/64") || f[2] != "true" {
		t.Fatalf("--ipv6 subnets: %s", subnets)
	}
	prefix := strings.TrimSuffix(f[1], "::/64")
	p.MustRun("run", "-d", "--name", "s6", "--network", "v6net", Image, "sleep", "300")
	out := p.MustRun("run", "--rm", "--network", "v6net", Image, "sh", "-c", "ip -o -6 addr show eth0 scope global; cat /etc/resolv.conf").Out()
	if !strings.Contains(out, "inet6 "+prefix+"::3/64") || !strings.Contains(out, "nameserver "+prefix+"::1") {
		t.Fatalf("IPv6 address or resolver missing:\n%s", out)
	}
	var look string
	if !eventually(10*time.Second, func() bool {
		look = p.Run("run", "--rm", "--network", "v6net", Image, "nslookup", "-type=aaaa", "s6").String()
		return strings.Contains(look, prefix+"::2")
	}) {
		t.Fatalf("s6 not resolved over IPv6:\n%s", look)
	}
	id := p.MustRun("run", "-d", "--network", "v6net", "--ip6", prefix+"::99", Image, "sleep", "300").Out()
	if got := p.Inspect(id, "{{.NetworkSettings.Networks.v6net.GlobalIPv6Address}}"); got != prefix+"::99" {
		t.Fatalf("--ip6: %s", got)
	}
	ids := p.PsIDs()
	p.MustRun("rm", "-af", "-t", "0")
	p.MustRun("network", "rm", "v6net")
	checkNetStateSame(t, before, append(ids, "10.231.73.", prefix)...)
}
