package network

import (
	"net"
	"testing"

	"go.podman.io/common/libnetwork/types"
)

func TestParsePublish(t *testing.T) {
	for in, want := range map[string]types.PortMapping{
		"80":                 {ContainerPort: 80, Range: 1, Protocol: "tcp"},
		":80":                {ContainerPort: 80, Range: 1, Protocol: "tcp"},
		"8080:80/udp":        {HostPort: 8080, ContainerPort: 80, Range: 1, Protocol: "udp"},
		"127.0.0.1:8080:80":  {HostIP: "127.0.0.1", HostPort: 8080, ContainerPort: 80, Range: 1, Protocol: "tcp"},
		"127.0.0.1::80":      {HostIP: "127.0.0.1", ContainerPort: 80, Range: 1, Protocol: "tcp"},
		"9000-9001:90-91":    {HostPort: 9000, ContainerPort: 90, Range: 2, Protocol: "tcp"},
		"[::1]:8080:80/sctp": {HostIP: "::1", HostPort: 8080, ContainerPort: 80, Range: 1, Protocol: "sctp"},
	} {
		got, err := ParsePublish(in)
		if err != nil || len(got) != 1 || got[0] != want {
			t.Errorf("%q: %+v %v, want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "0", "x:80", "1:2:3:4", "80/icmp", "9000-9002:90-91", "300.1.1.1:80:80"} {
		if _, err := ParsePublish(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if got := FormatPorts([]types.PortMapping{{HostPort: 9000, ContainerPort: 90, Range: 2, Protocol: "tcp"}}); got != "0.0.0.0:9000-9001->90-91/tcp" {
		t.Errorf("FormatPorts: %q", got)
	}
}

func TestAllocate(t *testing.T) {
	sub, _ := types.ParseCIDR("10.9.0.0/29")
	n := types.Network{Name: "n", Subnets: []types.Subnet{{Subnet: sub, Gateway: net.ParseIP("10.9.0.1")}}}
	used := Used{"10.9.0.2": "c0"}
	var got []string
	for range 4 {
		ips, err := Allocate(n, nil, used)
		if err != nil {
			t.Fatal(err)
		}
		used[ips[0].String()] = "c"
		got = append(got, ips[0].String())
	}
	if want := "10.9.0.3 10.9.0.4 10.9.0.5 10.9.0.6"; join(got) != want {
		t.Fatalf("got %s, want %s", join(got), want)
	}
	if _, err := Allocate(n, nil, used); err == nil {
		t.Fatal("a full subnet gave an address (the broadcast?)")
	}
	for ip, want := range map[string]string{
		"10.9.0.2": "IPAM error: requested ip address 10.9.0.2 is already allocated to container ID c0",
		"10.9.0.1": "IPAM error: address already in use: requested static IP 10.9.0.1 matches the subnet gateway",
	} {
		if _, err := Allocate(n, []net.IP{net.ParseIP(ip)}, used); err == nil || err.Error() != want {
			t.Errorf("static %s: %v", ip, err)
		}
	}
	delete(used, "10.9.0.4")
	if ips, err := Allocate(n, []net.IP{net.ParseIP("10.9.0.4")}, used); err != nil || !ips[0].Equal(net.ParseIP("10.9.0.4")) {
		t.Errorf("free static address: %v %v", ips, err)
	}
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}

func TestCreatePicksFreeSubnetAndInterface(t *testing.T) {
	c := Config{Dir: t.TempDir()}
	a, err := c.Create(CreateRequest{Name: "a"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Create(CreateRequest{Name: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Subnets[0].Subnet.String() == b.Subnets[0].Subnet.String() || a.NetworkInterface == b.NetworkInterface {
		t.Fatalf("a %+v b %+v share a subnet or bridge", a, b)
	}
	if _, err := c.Create(CreateRequest{Name: "bad name"}); err == nil {
		t.Fatal("invalid name accepted")
	}
	if _, err := c.Create(CreateRequest{Name: "c", Subnets: []string{a.Subnets[0].Subnet.String()}}); err == nil {
		t.Fatal("a used subnet accepted")
	}
	nets, err := c.List()
	if err != nil || len(nets) != 3 || nets[2].Name != "podman" || nets[2].ID != "2f259bab93aaaaa2542ba43ef33eb990d0999ee1b9924b557b7be53c0b7a1bb9" {
		t.Fatalf("list %+v %v", nets, err)
	}
}
