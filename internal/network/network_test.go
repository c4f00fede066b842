package network

import (
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
