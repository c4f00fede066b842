package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// containers.conf's dns_servers, dns_searches, dns_options,
// base_hosts_file and host_containers_internal_ip reach the container's
// files as podman 5 writes them; --dns-search adds after the file's.
func TestNetworkNamesConf(t *testing.T) {
	p := newPier(t)
	base := filepath.Join(p.Dir, "basehosts")
	if err := os.WriteFile(base, []byte("192.0.2.11\tfrom-base-file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p.WriteConf(`[containers]
dns_servers = ["192.0.2.53"]
dns_searches = ["conf.test"]
dns_options = ["ndots:4"]
base_hosts_file = "` + base + `"
host_containers_internal_ip = "192.0.2.99"
`)
	out := p.MustRun("run", "--rm", "--network", "host", "--dns-search", "flag.test", "--name", "nc",
		Image, "cat", "/etc/resolv.conf", "/etc/hosts").Out()
	for _, want := range []string{"search conf.test flag.test\n", "nameserver 192.0.2.53\n", "options ndots:4",
		"192.0.2.11\tfrom-base-file\n", "192.0.2.99\thost.containers.internal host.docker.internal"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	p.WriteConf("[containers]\nno_hosts = true\n")
	if out := p.MustRun("run", "--rm", Image, "cat", "/proc/mounts").Out(); strings.Contains(out, " /etc/hosts ") {
		t.Errorf("no_hosts = true still mounts /etc/hosts:\n%s", out)
	}
	p.ExpectEngineError(p.Run("run", "--rm", "--add-host", "a:192.0.2.1", Image, "true"), "--no-hosts and --add-host cannot be set together")
}

// --network none: no resolv.conf (the image's), the name on 127.0.0.1;
// podman 5's refusals of flags that cannot apply.
func TestNetworkNamesNone(t *testing.T) {
	p := newPier(t)
	out := p.MustRun("run", "--rm", "--network", "none", "--name", "nn", Image, "sh", "-c", "cat /etc/hosts; cat /proc/mounts").Out()
	if !strings.Contains(out, "127.0.0.1\t") || !strings.Contains(out, " nn\n") || strings.Contains(out, " /etc/resolv.conf ") {
		t.Errorf("--network none files:\n%s", out)
	}
	if out := p.MustRun("run", "--rm", "--no-hosts", Image, "cat", "/proc/mounts").Out(); strings.Contains(out, " /etc/hosts ") {
		t.Errorf("--no-hosts still mounts /etc/hosts:\n%s", out)
	}
	if out := p.MustRun("run", "--rm", "--dns", "none", Image, "cat", "/proc/mounts").Out(); strings.Contains(out, " /etc/resolv.conf ") {
		t.Errorf("--dns none still mounts /etc/resolv.conf:\n%s", out)
	}
	out = p.MustRun("run", "--rm", "--add-host", "a;b:192.0.2.4", "--add-host", "gw:host-gateway", "--hosts-file", "none", Image, "cat", "/etc/hosts").Out()
	if !strings.Contains(out, "192.0.2.4\ta b\n") || !strings.Contains(out, "10.88.0.1\tgw\n") || strings.Contains(out, "runsc") {
		t.Errorf("--add-host/--hosts-file none:\n%s", out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--network", "none", "--dns", "192.0.2.1"}, "conflicting options: dns and the network mode: none"},
		{[]string{"--no-hosts", "--hosts-file", "image"}, "--no-hosts and --hosts-file cannot be set together"},
		{[]string{"--add-host", "a:1.2.3"}, `invalid IP address in add-host: "1.2.3"`},
		{[]string{"--dns", "none", "--dns-search", "x.test"}, "UseImageResolvConf and DNSSearch are mutually exclusive options"},
		{[]string{"--dns-search", "a..b"}, "a..b is not a valid domain"},
		{[]string{"--network", "none", "--ip", "10.88.0.9"}, "--ip can only be set when the network mode is bridge: invalid argument"},
		{[]string{"--ip", "10.99.0.7"}, "requested static ip 10.99.0.7 not in any subnet on network podman"},
	} {
		p.ExpectEngineError(p.Run(append(append([]string{"run", "--rm"}, c.args...), Image, "true")...), c.want)
	}
	if out := p.MustRun("ps", "-aq").Out(); out != "" {
		t.Errorf("a refused run left a container: %s", out)
	}
}

// network create --dns and network update --dns-add/--dns-drop change the
// servers a network's aardvark forwards to, in the definition and, while
// a container runs on it, in the running aardvark's config.
func TestNetworkUpdateDNS(t *testing.T) {
	p := newPier(t)
	p.MustRun("network", "create", "--dns", "192.0.2.10", "--subnet", "10.231.55.0/24", "un")
	p.MustRun("run", "-d", "--name", "u", "--network", "un", Image, "sleep", "300")
	if got := p.MustRun("network", "update", "--dns-add", "192.0.2.53", "--dns-drop", "192.0.2.10", "un").Out(); got != "un" {
		t.Fatalf("update printed %q", got)
	}
	if got := p.MustRun("network", "inspect", "--format", "{{.NetworkDNSServers}}", "un").Out(); got != "[192.0.2.53]" {
		t.Fatalf("servers after update: %s", got)
	}
	// podman's netavark config dir, shared by every engine on the host
	b, err := os.ReadFile(filepath.Join("/run/containers/networks", "aardvark-dns", "un"))
	if err != nil {
		t.Fatal(err)
	}
	if first := strings.SplitN(string(b), "\n", 2)[0]; first != "10.231.55.1 192.0.2.53" {
		t.Fatalf("aardvark config: %q", first)
	}
	p.ExpectEngineError(p.Run("network", "update", "--dns-add", "bad", "un"), "unable to parse ip bad specified in AddDNSServer: invalid argument")
	p.ExpectEngineError(p.Run("network", "create", "--disable-dns", "--dns", "192.0.2.1", "x"), "cannot set NetworkDNSServers if DNS is not enabled for the network")
	p.MustRun("rm", "-f", "-t", "0", "u")
	p.MustRun("network", "update", "--dns-drop", "192.0.2.53", "un") // no aardvark running: the file only
	p.MustRun("network", "rm", "un")
}
