package e2e

import (
	"fmt"
	"net"
	"os/exec"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hostNetState is what a bridge container may change on the host: links,
// network namespaces and firewall rules. Lines of other engines' objects
// (podman's netns-*) are kept: only pier's must be gone after.
func hostNetState(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, cmd := range map[string][]string{
		"links":    {"ip", "-o", "link", "show"},
		"netns":    {"ip", "netns", "list"},
		"addrs":    {"ip", "-o", "addr", "show"},
		"iptables": {"iptables-save"},
	} {
		b, err := exec.Command(cmd[0], cmd[1:]...).Output()
		if err != nil {
			t.Fatalf("%v: %v", cmd, err)
		}
		var keep []string
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "#") || strings.HasPrefix(l, ":") || strings.Contains(l, "veth") {
				continue // counters and other engines' veths come and go
			}
			if name == "links" {
				if f := strings.Fields(l); len(f) > 1 {
					l = f[1] // the name only: indexes and flags change
				}
			}
			keep = append(keep, l)
		}
		sort.Strings(keep)
		out[name] = strings.Join(keep, "\n")
	}
	return out
}

// checkNetStateSame compares the lines of the host's network state that
// name one of needles (the test's container IDs, subnet, addresses,
// ports): other engines and tests on the host change the rest meanwhile.
func checkNetStateSame(t *testing.T, before map[string]string, needles ...string) {
	t.Helper()
	after := hostNetState(t)
	mine := func(s string) string {
		var out []string
		for _, l := range strings.Split(s, "\n") {
			for _, n := range needles {
				if strings.Contains(l, n) {
					out = append(out, l)
					break
				}
			}
		}
		return strings.Join(out, "\n")
	}
	for k, b := range before {
		if mine(after[k]) != mine(b) {
			t.Errorf("%s changed:\nbefore:\n%s\nafter:\n%s", k, mine(b), mine(after[k]))
		}
	}
}

// Two containers on a user network talk by name; the second resolves the
// first through aardvark-dns. Afterwards nothing is left on the host.
func TestNetworkNamesAndCleanup(t *testing.T) {
	p := newPier(t)
	before := hostNetState(t)
	p.MustRun("network", "create", "--subnet", "10.231.7.0/24", "e2enet")
	p.MustRun("run", "-d", "--name", "srv", "--network", "e2enet", Image, "sh", "-c", "echo from-srv > /index.html; httpd -f -p 80 -h /")
	if got := p.Inspect("srv", "{{.NetworkSettings.Networks.e2enet.IPAddress}}"); got != "10.231.7.2" {
		t.Fatalf("srv address %q", got)
	}
	var out string
	ok := eventually(10*time.Second, func() bool {
		r := p.Run("run", "--network", "e2enet", Image, "wget", "-qO-", "http://srv/index.html")
		out = r.String()
		return r.Out() == "from-srv"
	})
	if !ok {
		t.Fatalf("wget by name: %s", out)
	}
	hosts := p.MustRun("run", "--network", "e2enet", "--name", "cli", Image, "cat", "/etc/hosts").Out()
	if !strings.Contains(hosts, "10.231.7.1\thost.containers.internal ") || !strings.Contains(hosts, " cli") {
		t.Fatalf("/etc/hosts:\n%s", hosts)
	}
	ids := p.PsIDs()
	p.MustRun("rm", "-af", "-t", "0")
	p.MustRun("network", "rm", "e2enet")
	checkNetStateSame(t, before, append(ids, "10.231.7.")...)
}

// A published port is reachable from the host on 127.0.0.1; a second
// container asking for the same host port fails with podman's error.
func TestNetworkPublishedPort(t *testing.T) {
	p := newPier(t)
	before := hostNetState(t)
	port := freeTCPPort(t)
	p.MustRun("run", "-d", "--name", "web", "--network", "bridge", "-p", fmt.Sprintf("127.0.0.1:%d:80", port),
		Image, "sh", "-c", "echo hello-host > /index.html; httpd -f -p 80 -h /")
	ip := p.Inspect("web", "{{.NetworkSettings.IPAddress}}")
	url := fmt.Sprintf("http://127.0.0.1:%d/index.html", port)
	waitHTTPBody(t, url, "hello-host")
	if got := p.MustRun("port", "web").Out(); got != fmt.Sprintf("80/tcp -> 127.0.0.1:%d", port) {
		t.Fatalf("port: %q", got)
	}
	if got := p.MustRun("ps", "--format", "{{.Ports}}").Out(); got != fmt.Sprintf("127.0.0.1:%d->80/tcp", port) {
		t.Fatalf("ps ports: %q", got)
	}
	r := p.Run("run", "--rm", "--network", "bridge", "-p", fmt.Sprintf("%d:80", port), Image, "true")
	if r.ExitCode != 126 || !strings.Contains(r.Stderr, fmt.Sprintf("cannot listen on the TCP port: listen tcp4 :%d: bind: address already in use", port)) {
		t.Fatalf("conflict: %s", r)
	}
	ids := p.PsIDs()
	p.MustRun("rm", "-f", "-t", "0", "web")
	checkNetStateSame(t, before, append(ids, ip+"/", ip+" ", fmt.Sprint(port))...)
}

func freeTCPPort(t *testing.T) int {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// --dns, --dns-option, --dns-search and --add-host reach the container's
// files (podman 5 refuses --dns without a network).
func TestNetworkDNSFlags(t *testing.T) {
	p := newPier(t)
	out := p.MustRun("run", "--rm", "--network", "host", "--dns", "192.0.2.53", "--dns-opt", "ndots:3",
		"--dns-search", "example.test", "--add-host", "foo.test:192.0.2.7", Image, "cat", "/etc/resolv.conf", "/etc/hosts").Out()
	for _, want := range []string{"nameserver 192.0.2.53", "options ndots:3", "search example.test", "192.0.2.7\tfoo.test"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	if out := p.MustRun("run", "--rm", "--network", "none", Image, "ip", "-o", "link").Out(); strings.Contains(out, "eth0") {
		t.Errorf("--network none has more than lo:\n%s", out)
	}
}

// pier killed at any step of network setup or teardown leaves a record
// the next command repairs: after rm -af and network rm nothing is left.
func TestNetworkFailpoints(t *testing.T) {
	for _, fp := range []struct {
		name  string
		setup bool
		args  []string
	}{
		{"network-after-netns", false, []string{"run", "-d", "--name", "fp", "--network", "fpnet", "-p", "127.0.0.1::80", Image, "sleep", "100"}},
		{"network-after-setup", false, []string{"run", "-d", "--name", "fp", "--network", "fpnet", "-p", "127.0.0.1::80", Image, "sleep", "100"}},
		{"network-teardown-before-netns", true, []string{"rm", "-f", "-t", "0", "fp"}},
	} {
		t.Run(fp.name, func(t *testing.T) {
			p := newPier(t)
			before := hostNetState(t)
			p.MustRun("network", "create", "--subnet", "10.231.9.0/24", "fpnet")
			if fp.setup {
				p.MustRun("run", "-d", "--name", "fp", "--network", "fpnet", "-p", "127.0.0.1::80", Image, "sleep", "100")
			}
			r := p.RunWith(RunOpts{Env: []string{"PIER_FAILPOINT=" + fp.name}}, fp.args...)
			if r.Signal != syscall.SIGKILL {
				t.Fatalf("failpoint %s should SIGKILL pier: %s", fp.name, r)
			}
			ids := p.PsIDs()
			p.MustRun("rm", "-af", "-t", "0")
			p.MustRun("network", "rm", "fpnet")
			checkNetStateSame(t, before, append(ids, "10.231.9.")...)
		})
	}
}
