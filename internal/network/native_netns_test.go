package network

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.podman.io/common/libnetwork/types"
)

// These tests compare the native bridge driver with netavark 1.4.0 itself
// on real namespaces, bridges and iptables. Each "host" is a network
// namespace of the test's own, so the machine's firewall and bridges are
// never touched and nothing else running there changes what is compared;
// the driver runs in it as this test binary re-executed under nsenter.

const (
	helperEnv   = "PIER_NATIVE_HELPER"
	helperNSEnv = "PIER_NATIVE_NS"
	netavarkBin = "/usr/lib/podman/netavark"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		if err := helperMain(mode); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// helperMain is the re-executed test binary, in a test host namespace.
func helperMain(mode string) error {
	switch mode {
	case "serve": // one TCP answer on :80, in a container namespace
		l, err := net.Listen("tcp", ":80")
		if err != nil {
			return err
		}
		fmt.Println("listening")
		_ = l.(*net.TCPListener).SetDeadline(time.Now().Add(20 * time.Second))
		for {
			c, err := l.Accept()
			if err != nil {
				return err
			}
			fmt.Fprint(c, "hello from "+os.Getenv(helperNSEnv))
			c.Close()
		}
	case "dial":
		c, err := net.DialTimeout("tcp", os.Getenv(helperNSEnv), 5*time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		b, err := io.ReadAll(c)
		fmt.Print(string(b))
		return err
	}
	var req SetupRequest
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		return err
	}
	d := Driver{Native: true, Netavark: netavarkBin, RunDir: os.TempDir()}
	if !d.nativeFits(req) {
		return fmt.Errorf("the request is not one for the native driver")
	}
	ns := os.Getenv(helperNSEnv)
	if mode == "teardown" {
		return d.Teardown(context.Background(), ns, req)
	}
	st, err := d.nativeSetup(context.Background(), ns, req)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(st)
}

type nsEnv struct {
	t      *testing.T
	prefix string
	cfg    string
}

func newNSEnv(t *testing.T) *nsEnv {
	if os.Geteuid() != 0 {
		t.Skip("needs root: network namespaces, bridges and iptables")
	}
	for _, tool := range []string{netavarkBin, "ip", "nsenter", "iptables-save", "ip6tables-save", "sysctl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("needs %s: %v", tool, err)
		}
	}
	if !nativeHostOK() {
		t.Skip("the native driver is off on this host (firewalld, NETAVARK_FW or no iptables)")
	}
	return &nsEnv{t: t, prefix: fmt.Sprintf("pnt%d-", os.Getpid()), cfg: t.TempDir()}
}

// ns makes a network namespace (lo up) removed at the end of the test.
func (e *nsEnv) ns(name string) string {
	e.t.Helper()
	name = e.prefix + name
	e.must("ip", "netns", "add", name)
	e.t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", name).Run() })
	e.must("ip", "-n", name, "link", "set", "lo", "up")
	return "/run/netns/" + name
}

func (e *nsEnv) must(args ...string) string {
	e.t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		e.t.Fatalf("%v: %v\n%s", args, err, out)
	}
	return string(out)
}

// in runs a command in host namespace host.
func (e *nsEnv) in(host string, stdin []byte, env []string, args ...string) (string, error) {
	cmd := exec.Command("nsenter", append([]string{"--net=" + host, "--"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	err := cmd.Run()
	if err != nil {
		err = fmt.Errorf("%v: %w: %s", args, err, stderr.String())
	}
	return out.String(), err
}

// native runs the native driver in host for container namespace ctr.
func (e *nsEnv) native(host, verb, ctr string, req SetupRequest) string {
	e.t.Helper()
	b, _ := json.Marshal(req)
	out, err := e.in(host, b, []string{helperEnv + "=" + verb, helperNSEnv + "=" + ctr}, os.Args[0])
	if err != nil {
		e.t.Fatalf("native %s: %v", verb, err)
	}
	return out
}

// netavark runs netavark 1.4.0 itself in host for ctr.
func (e *nsEnv) netavark(host, verb, ctr string, req SetupRequest) string {
	e.t.Helper()
	b, _ := json.Marshal(req.input())
	out, err := e.in(host, b, nil, netavarkBin, "--config", e.cfg, "--rootless=false", verb, ctr)
	if err != nil {
		e.t.Fatalf("netavark %s: %v", verb, err)
	}
	return out
}

var (
	macRE   = regexp.MustCompile(`link/ether \S+ brd \S+|link-netns(id)? \S+|@if\d+|^\d+: `)
	spaceRE = regexp.MustCompile(`\s+`)
)

// snapshot is host's firewall, links, addresses, routes and sysctls, and
// ctr's, with what differs between two equal setups (MACs, indexes,
// link-local addresses derived from MACs, counters) left out.
func (e *nsEnv) snapshot(host, ctr string) string {
	e.t.Helper()
	var sb strings.Builder
	for _, ns := range []string{host, ctr} {
		for _, c := range [][]string{
			{"iptables-save"}, {"ip6tables-save"}, {"ip", "-o", "link"}, {"ip", "-o", "addr"},
			{"ip", "route"}, {"ip", "-6", "route"},
			{"sh", "-c", "sysctl -a 2>/dev/null | grep -E '^net\\.ipv4\\.ip_forward |conf\\.all\\.forwarding|\\.(accept_dad|accept_ra|autoconf|route_localnet|arp_notify) ' | grep -v -E 'conf\\.(default|lo)\\.'"},
		} {
			out, err := e.in(ns, nil, nil, c...)
			if err != nil {
				e.t.Fatal(err)
			}
			sb.WriteString("== " + strings.Join(c, " ") + "\n")
			for _, l := range strings.Split(out, "\n") {
				if strings.HasPrefix(l, "#") || strings.Contains(l, "fe80") || l == "" {
					continue
				}
				l = macRE.ReplaceAllString(l, "")
				// A new bridge's operstate turns UP a moment after its
				// first port: when is not what is compared.
				l = strings.Replace(l, "state UNKNOWN", "state UP", 1)
				l = strings.TrimSpace(spaceRE.ReplaceAllString(strings.Split(l, `\`)[0], " "))
				sb.WriteString(l + "\n")
			}
		}
	}
	return sb.String()
}

func testRequest(id, name, bridge string, ips ...string) SetupRequest {
	n := types.Network{Name: name, ID: strings.Repeat("ab", 32), Driver: "bridge", NetworkInterface: bridge,
		Subnets: []types.Subnet{
			{Subnet: types.IPNet{IPNet: *cidr("10.211.5.0/24")}, Gateway: net.ParseIP("10.211.5.1")},
			{Subnet: types.IPNet{IPNet: *cidr("fd77:211::/64")}, Gateway: net.ParseIP("fd77:211::1")},
		},
		IPv6Enabled: true, Options: map[string]string{"mtu": "1400"},
		IPAMOptions: map[string]string{"driver": "host-local"}}
	opts := types.PerNetworkOptions{InterfaceName: "eth0"}
	for _, ip := range ips {
		opts.StaticIPs = append(opts.StaticIPs, net.ParseIP(ip))
	}
	return SetupRequest{ContainerID: strings.Repeat(id, 64/len(id)), ContainerName: "c" + id,
		Networks: []Attachment{{Network: n, Opts: opts}},
		Ports: []types.PortMapping{
			{ContainerPort: 80, HostPort: 18801, Range: 1, Protocol: "tcp"},
			{HostIP: "127.0.0.1", ContainerPort: 53, HostPort: 18802, Range: 2, Protocol: "udp"},
		}}
}

func diffLines(a, b string) string {
	var out []string
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			out = append(out, fmt.Sprintf("line %d:\n  netavark: %s\n  native:   %s", i+1, x, y))
		}
	}
	return strings.Join(out, "\n")
}

// The native setup of a request leaves the host and the container in the
// state netavark 1.4.0 leaves them in for the same request (iptables and
// ip6tables, bridge, veth, addresses, routes, sysctls, status), and so
// does the teardown.
func TestNativeMatchesNetavark(t *testing.T) {
	e := newNSEnv(t)
	hostA, hostB := e.ns("ha"), e.ns("hb")
	ctrA, ctrB := e.ns("ca"), e.ns("cb")
	req := testRequest("a1", "ntnet", "ntbr0", "10.211.5.7", "fd77:211::7")
	req.Networks[0].Opts.StaticMAC = types.HardwareAddr{0x02, 0x42, 0xac, 0x11, 0, 7}
	req.DNSServers = []string{"192.0.2.53"}
	req.Ports = append(req.Ports, types.PortMapping{HostIP: "::1", ContainerPort: 443, HostPort: 18804, Range: 1, Protocol: "tcp"})

	ref := e.netavark(hostA, "setup", ctrA, req)
	got := e.native(hostB, "setup", ctrB, req)
	var refSt, gotSt map[string]types.StatusBlock
	if err := json.Unmarshal([]byte(ref), &refSt); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(got), &gotSt); err != nil {
		t.Fatal(err)
	}
	rb, _ := json.Marshal(refSt)
	gb, _ := json.Marshal(gotSt)
	if string(rb) != string(gb) {
		t.Errorf("status:\nnetavark %s\nnative   %s", rb, gb)
	}
	sa, sb := e.snapshot(hostA, ctrA), e.snapshot(hostB, ctrB)
	if sa != sb {
		t.Errorf("after setup:\n%s\n\nnative state:\n%s", diffLines(sa, sb), sb)
	}

	// both runs one verb with netavark in host A and natively in host B;
	// same compares the two hosts and returns B's state.
	both := func(verb, ctrA, ctrB string, req SetupRequest) {
		e.netavark(hostA, verb, ctrA, req)
		e.native(hostB, verb, ctrB, req)
	}
	same := func(what, ctrA, ctrB string) string {
		t.Helper()
		sa, sb := e.snapshot(hostA, ctrA), e.snapshot(hostB, ctrB)
		if sa != sb {
			t.Errorf("%s:\n%s", what, diffLines(sa, sb))
		}
		return sb
	}

	// A second network on the same container (network connect): its
	// default route beside the first one's.
	conn := testRequest("a1", "ntnet2", "ntbr1", "10.211.6.7")
	conn.Networks[0].Network.Subnets = []types.Subnet{{Subnet: types.IPNet{IPNet: *cidr("10.211.6.0/24")}, Gateway: net.ParseIP("10.211.6.1")}}
	conn.Networks[0].Opts.InterfaceName = "eth1"
	conn.Ports = nil
	both("setup", ctrA, ctrB, conn)
	same("after connecting a second network", ctrA, ctrB)
	both("teardown", ctrA, ctrB, conn)
	same("after disconnecting it", ctrA, ctrB)

	// A second container on the same network: rules appended, not
	// duplicated, the bridge shared.
	req2 := testRequest("b2", "ntnet", "ntbr0", "10.211.5.8", "fd77:211::8")
	req2.Ports = []types.PortMapping{{ContainerPort: 8080, HostPort: 18803, Range: 1, Protocol: "tcp"}}
	ctrA2, ctrB2 := e.ns("ca2"), e.ns("cb2")
	both("setup", ctrA2, ctrB2, req2)
	same("after a second setup", ctrA2, ctrB2)
	both("teardown", ctrA, ctrB, req)
	same("after a partial teardown", ctrA2, ctrB2)
	both("teardown", ctrA2, ctrB2, req2)
	sb = same("after the last teardown", ctrA2, ctrB2)
	if strings.Contains(sb, "ntbr0") || strings.Contains(sb, networkHash("ntnet")) || strings.Contains(sb, "10.211.5.0") {
		t.Errorf("the last teardown left the network behind:\n%s", sb)
	}
}

// leftovers is what of network ntnet is still in host.
func (e *nsEnv) leftovers(host string) []string {
	var left []string
	for _, c := range [][]string{{"iptables-save"}, {"ip6tables-save"}, {"ip", "-o", "link"}} {
		out, err := e.in(host, nil, nil, c...)
		if err != nil {
			e.t.Fatal(err)
		}
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, networkHash("ntnet")) || strings.Contains(l, "10.211.5.") ||
				strings.Contains(l, "fd77:211") || strings.Contains(l, "ntbr0") || strings.Contains(l, "veth") {
				left = append(left, l)
			}
		}
	}
	return left
}

// pier's and podman's containers share one bridge and one set of chains:
// each engine tears down what the other set up, and whichever engine
// tears down the network's last container leaves nothing.
func TestNativeInteropWithNetavark(t *testing.T) {
	e := newNSEnv(t)
	for _, last := range []string{"native", "netavark"} {
		t.Run("last by "+last, func(t *testing.T) {
			host := e.ns("h" + last)
			c1, c2 := e.ns("c1"+last), e.ns("c2"+last)
			r1 := testRequest("a1", "ntnet", "ntbr0", "10.211.5.7", "fd77:211::7")
			r2 := testRequest("b2", "ntnet", "ntbr0", "10.211.5.8", "fd77:211::8")
			r2.Ports = []types.PortMapping{{ContainerPort: 80, HostPort: 18811, Range: 1, Protocol: "tcp"}}
			if last == "native" {
				e.native(host, "setup", c1, r1)
				e.netavark(host, "setup", c2, r2)
				e.netavark(host, "teardown", c1, r1) // netavark removes the native setup's rules
				if l := e.leftovers(host); !strings.Contains(strings.Join(l, "\n"), "18811") || strings.Contains(strings.Join(l, "\n"), "18801") {
					t.Errorf("after the first teardown:\n%s", strings.Join(l, "\n"))
				}
				e.native(host, "teardown", c2, r2)
			} else {
				e.netavark(host, "setup", c1, r1)
				e.native(host, "setup", c2, r2)
				e.native(host, "teardown", c1, r1)
				if l := e.leftovers(host); !strings.Contains(strings.Join(l, "\n"), "18811") || strings.Contains(strings.Join(l, "\n"), "18801") {
					t.Errorf("after the first teardown:\n%s", strings.Join(l, "\n"))
				}
				e.netavark(host, "teardown", c2, r2)
			}
			if l := e.leftovers(host); len(l) > 0 {
				t.Errorf("left after the last teardown:\n%s", strings.Join(l, "\n"))
			}
		})
	}
}

// A port published by the native driver answers from the host on
// 127.0.0.1 and from another container through the host.
func TestNativePublishedPort(t *testing.T) {
	e := newNSEnv(t)
	host, c1, c2 := e.ns("hp"), e.ns("pc1"), e.ns("pc2")
	r1 := testRequest("a1", "ntnet", "ntbr0", "10.211.5.7", "fd77:211::7")
	r2 := testRequest("b2", "ntnet", "ntbr0", "10.211.5.8", "fd77:211::8")
	r2.Ports = nil
	e.native(host, "setup", c1, r1)
	e.native(host, "setup", c2, r2)

	srv := exec.Command("nsenter", "--net="+c1, "--", os.Args[0])
	srv.Env = append(os.Environ(), helperEnv+"=serve", helperNSEnv+"=c1")
	stdout, _ := srv.StdoutPipe()
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Process.Kill(); _ = srv.Wait() })
	if _, err := io.ReadFull(stdout, make([]byte, len("listening"))); err != nil {
		t.Fatal(err)
	}
	for _, from := range []struct{ ns, addr string }{
		{host, "127.0.0.1:18801"},
		{c2, "10.211.5.1:18801"},
	} {
		out, err := e.in(from.ns, nil, []string{helperEnv + "=dial", helperNSEnv + "=" + from.addr}, os.Args[0])
		if err != nil || out != "hello from c1" {
			t.Errorf("dial %s from %s: %q %v", from.addr, from.ns, out, err)
		}
	}
	e.native(host, "teardown", c2, r2)
	e.native(host, "teardown", c1, r1)
	if l := e.leftovers(host); len(l) > 0 {
		t.Errorf("left after teardown:\n%s", strings.Join(l, "\n"))
	}
}
