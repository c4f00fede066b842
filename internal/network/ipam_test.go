package network

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.etcd.io/bbolt"
	"go.podman.io/common/libnetwork/netavark"
	"go.podman.io/common/libnetwork/types"
	cconfig "go.podman.io/common/pkg/config"
)

func attach(n types.Network, static ...string) []Attachment {
	a := Attachment{Network: n, Opts: types.PerNetworkOptions{InterfaceName: "eth0"}}
	for _, ip := range static {
		a.Opts.StaticIPs = append(a.Opts.StaticIPs, net.ParseIP(ip))
	}
	return []Attachment{a}
}

func alloc(t *testing.T, p IPAM, id string, n types.Network, taken map[string]Used, static ...string) (string, error) {
	t.Helper()
	atts := attach(n, static...)
	if err := p.Allocate(id, atts, taken); err != nil {
		return "", err
	}
	return atts[0].Opts.StaticIPs[0].String(), nil
}

// Allocation is podman's: the next free address after the last one
// handed out, wrapping, never the gateway or broadcast; static addresses
// checked; addresses held outside the database (taken) skipped.
func TestIPAMAllocate(t *testing.T) {
	p := IPAM{Path: filepath.Join(t.TempDir(), "ipam.db")}
	sub, _ := types.ParseCIDR("10.9.0.0/29")
	n := types.Network{Name: "n", Subnets: []types.Subnet{{Subnet: sub, Gateway: net.ParseIP("10.9.0.1")}}}
	taken := map[string]Used{"n": {"10.9.0.2": "c0"}}
	var got []string
	for _, id := range []string{"c1", "c2", "c3", "c4"} {
		ip, err := alloc(t, p, id, n, taken)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ip)
	}
	if want := "10.9.0.3 10.9.0.4 10.9.0.5 10.9.0.6"; strings.Join(got, " ") != want {
		t.Fatalf("got %v, want %s", got, want)
	}
	if _, err := alloc(t, p, "c5", n, taken); err == nil {
		t.Fatal("a full subnet gave an address (the broadcast?)")
	}
	for ip, want := range map[string]string{
		"10.9.0.2": "IPAM error: requested ip address 10.9.0.2 is already allocated to container ID c0",
		"10.9.0.4": "IPAM error: requested ip address 10.9.0.4 is already allocated to container ID c2",
		"10.9.0.1": "IPAM error: address already in use: requested static IP 10.9.0.1 matches the subnet gateway",
	} {
		if _, err := alloc(t, p, "c6", n, taken, ip); err == nil || err.Error() != want {
			t.Errorf("static %s: %v", ip, err)
		}
	}
	if err := p.Release("c2", []string{"n"}); err != nil {
		t.Fatal(err)
	}
	if ips, _ := p.Assigned("c2", "n"); len(ips) != 0 {
		t.Fatalf("released container still holds %v", ips)
	}
	if ip, err := alloc(t, p, "c6", n, taken, "10.9.0.4"); err != nil || ip != "10.9.0.4" {
		t.Errorf("a freed static address: %v %v", ip, err)
	}
	if err := p.Release("c1", []string{"n"}); err != nil {
		t.Fatal(err)
	}
	// lastIP is .6: the search wraps past the gateway and c0's .2.
	if ip, err := alloc(t, p, "c7", n, taken); err != nil || ip != "10.9.0.3" {
		t.Errorf("after wrapping: %v %v", ip, err)
	}
	if err := p.RemoveNetwork("n"); err != nil {
		t.Fatal(err)
	}
	if ip, err := alloc(t, p, "c8", n, nil); err != nil || ip != "10.9.0.2" {
		t.Errorf("a removed network's addresses are free again: %v %v", ip, err)
	}
}

// pier's ipam.db is podman's: libnetwork's own netavark backend (what
// podman 5 runs, with a stand-in netavark binary) and pier allocate in
// one database without overlap, and each frees what the other recorded.
func TestIPAMSharedWithLibnetwork(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("libnetwork's root IPAM takes /run/lock/netavark.lock: needs root")
	}
	dir := t.TempDir()
	confDir, runDir := filepath.Join(dir, "networks"), filepath.Join(dir, "run")
	n, err := Config{Dir: confDir}.Create(CreateRequest{Name: "shared", Subnets: []string{"10.9.1.0/24"}})
	if err != nil {
		t.Fatal(err)
	}
	fake := filepath.Join(dir, "netavark")
	script := "#!/bin/sh\ncat >/dev/null\ncase \"$*\" in *setup*) echo '{\"shared\":{}}';; esac\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	lib, err := netavark.NewNetworkInterface(&netavark.InitConfig{
		NetworkConfigDir: confDir, NetworkRunDir: runDir, NetavarkBinary: fake, Config: &cconfig.Config{},
	})
	if err != nil {
		t.Fatal(err)
	}
	libOpts := func(id string, static ...string) types.NetworkOptions {
		o := types.NetworkOptions{ContainerID: id, Networks: []types.NamedPerNetworkOptions{{Name: "shared", PerNetworkOptions: types.PerNetworkOptions{InterfaceName: "eth0"}}}}
		for _, ip := range static {
			o.Networks[0].StaticIPs = append(o.Networks[0].StaticIPs, net.ParseIP(ip))
		}
		return o
	}
	if _, err := lib.Setup("/proc/self/ns/net", types.SetupOptions{NetworkOptions: libOpts("podmanctr")}); err != nil {
		t.Fatal(err)
	}
	p := IPAMIn(runDir)
	if ip, err := alloc(t, p, "pierctr", n, nil); err != nil || ip != "10.9.1.3" {
		t.Fatalf("pier after podman's .2: %v %v", ip, err)
	}
	want := "IPAM error: requested ip address 10.9.1.2 is already allocated to container ID podmanctr"
	if _, err := alloc(t, p, "other", n, nil, "10.9.1.2"); err == nil || err.Error() != want {
		t.Fatalf("podman's address requested by pier: %v", err)
	}
	if _, err := lib.Setup("/proc/self/ns/net", types.SetupOptions{NetworkOptions: libOpts("p2", "10.9.1.3")}); err == nil ||
		!strings.Contains(err.Error(), "10.9.1.3 is already allocated to container ID pierctr") {
		t.Fatalf("pier's address requested by podman: %v", err)
	}
	// libnetwork's teardown finds pier's addresses in the ids bucket and
	// frees them from the subnet bucket.
	if err := lib.Teardown("/proc/self/ns/net", types.TeardownOptions{NetworkOptions: libOpts("pierctr")}); err != nil {
		t.Fatal(err)
	}
	if ip, err := alloc(t, p, "again", n, nil, "10.9.1.3"); err != nil || ip != "10.9.1.3" {
		t.Fatalf("address freed by libnetwork: %v %v", ip, err)
	}
	if err := p.Release("podmanctr", []string{"shared"}); err != nil {
		t.Fatal(err)
	}
	if _, err := lib.Setup("/proc/self/ns/net", types.SetupOptions{NetworkOptions: libOpts("p3", "10.9.1.2")}); err != nil {
		t.Fatalf("address freed by pier: %v", err)
	}
	// The raw schema, as libnetwork documents it.
	db, err := bbolt.Open(filepath.Join(runDir, "ipam.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_ = db.View(func(tx *bbolt.Tx) error {
		nb := tx.Bucket([]byte("shared"))
		if got := string(nb.Bucket([]byte("ids")).Get([]byte("again"))); got != `["10.9.1.3"]` {
			t.Errorf("ids entry: %q", got)
		}
		sb := nb.Bucket([]byte("10.9.1.0/24"))
		if got := string(sb.Get(net.ParseIP("10.9.1.3").To4())); got != "again" {
			t.Errorf("subnet entry: %q", got)
		}
		return nil
	})
}
