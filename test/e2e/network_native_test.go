package e2e

import (
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// pier sets up bridge networks without DNS itself (the native driver),
// netavark's way: the published port answers from the host and from
// another container, netavark is not run, and pier's containers and
// netavark's share the bridge and the chains, each side tearing down the
// other's, nothing left when the last goes.
func TestNetworkNativeBridge(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	p := newPier(t)
	before := hostNetState(t)
	netavarkCalls := recordNetavark(t, p)
	viaNetavark := func(args ...string) {
		t.Helper()
		if r := p.RunWith(RunOpts{Env: []string{"PIER_NETWORK_NATIVE=0"}}, args...); r.ExitCode != 0 {
			t.Fatalf("with netavark: %s", r)
		}
	}

	p.MustRun("network", "create", "--disable-dns", "--subnet", "10.231.77.0/24", "nativenet")
	sum := sha512.Sum512([]byte("nativenet"))
	hash := strings.ToUpper(hex.EncodeToString(sum[:]))[:13]
	bridge := p.MustRun("network", "inspect", "--format", "{{.NetworkInterface}}", "nativenet").Out()
	port := freeTCPPort(t)
	p.MustRun("run", "-d", "--name", "web", "--network", "nativenet", "-p", fmt.Sprintf("%d:80", port),
		Image, "sh", "-c", "echo from-native > /index.html; httpd -f -p 80 -h /")
	url := fmt.Sprintf("http://127.0.0.1:%d/index.html", port)
	waitHTTPBody(t, url, "from-native")
	out := p.MustRun("run", "--rm", "--network", "nativenet", Image, "wget", "-qO-", fmt.Sprintf("http://10.231.77.1:%d/index.html", port)).Out()
	if out != "from-native" {
		t.Fatalf("from another container through the host: %q", out)
	}
	if c := netavarkCalls(); c != "" {
		t.Fatalf("netavark ran for a network without DNS:\n%s", c)
	}
	save, _ := exec.Command("iptables-save", "-t", "nat").Output()
	if !strings.Contains(string(save), fmt.Sprintf("-A NETAVARK-DN-%s -p tcp -m tcp --dport %d -j DNAT --to-destination 10.231.77.", hash, port)) {
		t.Fatalf("no DNAT rule for %d in:\n%s", port, save)
	}

	// netavark's container beside it; pier's teardown of its own leaves
	// netavark's, netavark's teardown of the last removes everything.
	p.MustRun("run", "-d", "--name", "old", "--network", "nativenet", Image, "sleep", "600")
	viaNetavark("run", "-d", "--name", "nv", "--network", "nativenet", "-p", fmt.Sprintf("%d:81", port+1), Image, "sleep", "600")
	if !strings.Contains(netavarkCalls(), "setup") {
		t.Fatal("PIER_NETWORK_NATIVE=0 did not run netavark")
	}
	p.MustRun("rm", "-f", "-t", "0", "web", "old")
	if l := netLeftovers(hash, bridge); !strings.Contains(l, fmt.Sprint(port+1)) || strings.Contains(l, fmt.Sprintf("dport %d ", port)) {
		t.Fatalf("after pier's teardown beside netavark's container:\n%s", l)
	}
	viaNetavark("rm", "-f", "-t", "0", "nv")
	if l := netLeftovers(hash, bridge); l != "" {
		t.Fatalf("left after netavark tore down the last container:\n%s", l)
	}

	// The other way: netavark's container first, pier's teardown last.
	viaNetavark("run", "-d", "--name", "nv2", "--network", "nativenet", "-p", fmt.Sprintf("%d:80", port), Image, "sleep", "600")
	p.MustRun("run", "-d", "--name", "pier2", "--network", "nativenet", Image, "sleep", "600")
	p.MustRun("rm", "-f", "-t", "0", "nv2") // pier removes netavark's rules
	p.MustRun("rm", "-f", "-t", "0", "pier2")
	if l := netLeftovers(hash, bridge); l != "" {
		t.Fatalf("left after pier tore down the last container:\n%s", l)
	}
	p.MustRun("network", "rm", "nativenet")
	checkNetStateSame(t, before, "10.231.77.", hash, fmt.Sprint(port))
}

// Native networks with a namespace shared by another container, and a
// second network connected and disconnected, as netavark does them.
func TestNetworkNativeSharedAndConnect(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	p := newPier(t)
	before := hostNetState(t)
	p.MustRun("network", "create", "--disable-dns", "--subnet", "10.231.77.0/24", "nativenet")
	// A namespace another container still runs in keeps it: the
	// interface goes with the teardown, as netavark removes it.
	p.MustRun("run", "-d", "--name", "owner", "--network", "nativenet", Image, "sleep", "600")
	p.MustRun("run", "-d", "--name", "joiner", "--network", "container:owner", Image, "sleep", "600")
	p.MustRun("stop", "-t", "0", "owner")
	if got := p.MustRun("exec", "joiner", "ip", "-o", "link").Out(); strings.Contains(got, "eth0") {
		t.Fatalf("the joiner still has the stopped owner's interface:\n%s", got)
	}
	p.MustRun("rm", "-f", "-t", "0", "joiner", "owner")

	// connect and disconnect: a second interface and default route, as
	// netavark adds them, and gone again.
	p.MustRun("network", "create", "--disable-dns", "--subnet", "10.231.78.0/24", "nativenet2")
	p.MustRun("run", "-d", "--name", "two", "--network", "nativenet", Image, "sleep", "600")
	p.MustRun("network", "connect", "nativenet2", "two")
	if got := p.MustRun("exec", "two", "ip", "route").Out(); !strings.Contains(got, "default via 10.231.78.1 dev eth1") || !strings.Contains(got, "default via 10.231.77.1 dev eth0") {
		t.Fatalf("routes after connect:\n%s", got)
	}
	p.MustRun("network", "disconnect", "nativenet2", "two")
	if got := p.MustRun("exec", "two", "ip", "-o", "link").Out(); strings.Contains(got, "eth1") {
		t.Fatalf("eth1 after disconnect:\n%s", got)
	}
	p.MustRun("rm", "-f", "-t", "0", "two")
	p.MustRun("network", "rm", "nativenet2", "nativenet")
	checkNetStateSame(t, before, "10.231.77.", "10.231.78.")
}

// recordNetavark makes p's netavark a wrapper that records its calls, and
// returns what it recorded so far.
func recordNetavark(t *testing.T, p *Pier) func() string {
	helpers := filepath.Join(p.WorkDir(), "helpers")
	calls := filepath.Join(p.WorkDir(), "netavark-calls")
	os.MkdirAll(helpers, 0o755)
	writeFile(t, filepath.Join(helpers, "netavark"), fmt.Sprintf("#!/bin/sh\necho \"$@\" >> %s\nexec /usr/lib/podman/netavark \"$@\"\n", calls))
	os.Chmod(filepath.Join(helpers, "netavark"), 0o755)
	os.Symlink("/usr/lib/podman/aardvark-dns", filepath.Join(helpers, "aardvark-dns"))
	p.WriteConf(fmt.Sprintf("[engine]\nhelper_binaries_dir = [%q]\n", helpers))
	return func() string { b, _ := os.ReadFile(calls); return string(b) }
}

// netLeftovers is what iptables and ip link still show of network
// nativenet.
func netLeftovers(hash, bridge string) string { return netLeftoversOf(hash, bridge, "10.231.77.") }

func netLeftoversOf(hash, bridge, subnet string) string {
	var left []string
	for _, c := range [][]string{{"iptables-save"}, {"ip", "-o", "link", "show"}} {
		out, _ := exec.Command(c[0], c[1:]...).Output()
		for _, l := range strings.Split(string(out), "\n") {
			if strings.Contains(l, hash) || strings.Contains(l, subnet) || strings.Contains(l, " "+bridge+":") || strings.Contains(l, "master "+bridge+" ") {
				left = append(left, l)
			}
		}
	}
	return strings.Join(left, "\n")
}

// With podman 5.8.2 itself (PIER_TEST_PODMAN5, as the cross-engine
// test): pier's native containers and podman's netavark ones on one
// network without DNS publish ports side by side, reach each other, and
// whichever engine removes the last container leaves nothing behind.
func TestNetworkNativePodman5(t *testing.T) {
	bin := os.Getenv(podman5Env)
	if bin == "" {
		t.Skipf("%s is not set", podman5Env)
	}
	p, run := pierBesidePodman5(t, bin)
	podman := func(args ...string) string {
		t.Helper()
		out, err := run(args...)
		if err != nil {
			t.Fatalf("podman %v: %v\n%s", args, err, out)
		}
		return out
	}
	t.Cleanup(func() { podman("rm", "-af", "-t", "0") })
	podman("import", "-q", imageTar, Image)
	p.MustRun("network", "create", "--disable-dns", "--subnet", "10.231.89.0/24", "nat5")
	sum := sha512.Sum512([]byte("nat5"))
	hash := strings.ToUpper(hex.EncodeToString(sum[:]))[:13]
	bridge := p.MustRun("network", "inspect", "--format", "{{.NetworkInterface}}", "nat5").Out()
	get := func(port int) string {
		var body string
		eventually(10*time.Second, func() bool {
			resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/index.html", port))
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			body = strings.TrimSpace(string(b))
			return body != ""
		})
		return body
	}
	serve := func(who string) []string {
		return []string{Image, "sh", "-c", "echo from-" + who + " > /index.html; httpd -f -p 80 -h /"}
	}
	for _, last := range []string{"pier", "podman"} {
		pp, qp := freeTCPPort(t), freeTCPPort(t)
		p.MustRun(append([]string{"run", "-d", "--name", "pierctr", "--network", "nat5", "-p", fmt.Sprintf("%d:80", pp)}, serve("pier")...)...)
		podman(append([]string{"run", "-d", "--name", "podmanctr", "--network", "nat5", "-p", fmt.Sprintf("%d:80", qp)}, serve("podman")...)...)
		if got := get(pp); got != "from-pier" {
			t.Fatalf("pier's published port: %q", got)
		}
		if got := get(qp); got != "from-podman" {
			t.Fatalf("podman's published port: %q", got)
		}
		podmanIP := podman("inspect", "--format", "{{.NetworkSettings.Networks.nat5.IPAddress}}", "podmanctr")
		if got := p.MustRun("exec", "pierctr", "wget", "-qO-", "http://"+podmanIP+"/index.html").Out(); got != "from-podman" {
			t.Fatalf("pier's container to podman's: %q", got)
		}
		first, second := func() { podman("rm", "-f", "-t", "0", "podmanctr") }, func() { p.MustRun("rm", "-f", "-t", "0", "pierctr") }
		gone, kept := qp, pp
		if last == "podman" {
			first, second, gone, kept = second, first, pp, qp
		}
		first()
		if l := netLeftoversOf(hash, bridge, "10.231.89."); !strings.Contains(l, fmt.Sprintf("dport %d ", kept)) || strings.Contains(l, fmt.Sprintf("dport %d ", gone)) {
			t.Fatalf("%s last: after the first removal:\n%s", last, l)
		}
		second()
		if l := netLeftoversOf(hash, bridge, "10.231.89."); l != "" {
			t.Fatalf("%s removed the last container and left:\n%s", last, l)
		}
	}
	p.MustRun("network", "rm", "nat5")
}
