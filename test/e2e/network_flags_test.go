package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The network flags podman 5 has that pier lacked: create --ipam-driver
// (none: no addresses, no DNS; dhcp and unknown refused), --gateway as
// podman's IP list, --route refused (netavark 1.4.0 ignores routes),
// ls -n/--no-trunc, rm -t -1.
func TestNetworkCreateIPAMDriverAndLsFlags(t *testing.T) {
	p := newPier(t)
	p.MustRun("network", "create", "--ipam-driver", "none", "noipam")
	b, err := os.ReadFile(filepath.Join(p.NetworkDir(), "noipam.json"))
	if err != nil {
		t.Fatal(err)
	}
	if s := string(b); !strings.Contains(s, `"driver": "none"`) || strings.Contains(s, "subnets") || !strings.Contains(s, `"dns_enabled": false`) {
		t.Fatalf("network file:\n%s", s)
	}
	out := p.MustRun("run", "--rm", "--network", "noipam", Image, "ip", "-o", "addr", "show", "eth0").Out()
	if strings.Contains(out, "inet ") || !strings.Contains(out, "eth0") {
		t.Fatalf("eth0 on an ipam-none network should have no IPv4 address: %s", out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--ipam-driver", "none", "--subnet", "10.231.98.0/24", "x"}, "none ipam driver is set but subnets are given"},
		{[]string{"--ipam-driver", "foo", "x"}, `unsupported ipam driver "foo"`},
		{[]string{"--ipam-driver", "dhcp", "x"}, "the dhcp ipam driver needs netavark's DHCP proxy service"},
		{[]string{"--ipam-driver", "none", "--dns", "1.1.1.1", "x"}, "cannot set NetworkDNSServers if DNS is not enabled for the network"},
		{[]string{"--route", "10.232.0.0/16,10.231.99.5", "x"}, "--route: static routes are not applied by netavark 1.4.0"},
		{[]string{"--subnet", "10.231.97.0/24", "--ip-range", "10.231.97.0/26", "--ip-range", "10.231.97.64/26", "x"}, "cannot set more ranges than subnets"},
		{[]string{"--gateway", "foo", "x"}, `invalid argument "foo" for "--gateway" flag: invalid string being converted to IP address: foo`},
	} {
		r := p.Run(append([]string{"network", "create"}, c.args...)...)
		if r.ExitCode != 125 || !strings.Contains(r.Stderr, c.want) {
			t.Errorf("create %v: want %q: %s", c.args, c.want, r)
		}
	}
	if r := p.Run("network", "exists", "x"); r.ExitCode != 1 {
		t.Fatalf("a refused create left a network: %s", r)
	}
	p.MustRun("network", "create", "--subnet", "10.231.96.0/24", "--gateway", "10.231.96.5", "gw")
	if got := p.MustRun("network", "inspect", "--format", "{{range .Subnets}}{{.Gateway}}{{end}}", "gw").Out(); got != "10.231.96.5" {
		t.Fatalf("gateway: %q", got)
	}

	id := p.MustRun("network", "inspect", "--format", "{{.ID}}", "noipam").Out()
	if got := p.MustRun("network", "ls", "--no-trunc", "-n", "--filter", "name=noipam").Out(); !strings.HasPrefix(got, id+" ") || strings.Contains(got, "NETWORK ID") {
		t.Fatalf("ls --no-trunc -n: %q (id %s)", got, id)
	}
	if got := p.MustRun("network", "ls", "--filter", "name=noipam", "--format", "{{.ID}}").Out(); got != id[:12] {
		t.Fatalf("ls ID truncated: %q", got)
	}
	p.MustRun("network", "rm", "-f", "-t", "-1", "noipam", "gw")
}
