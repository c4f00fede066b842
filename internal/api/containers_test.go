package api

import (
	"testing"
	"time"

	"go.podman.io/common/libnetwork/types"

	"github.com/pier-engine/pier/internal/define"
)

// Docker clients print ports from these: docker ps from the summary,
// docker port from inspect.
func TestCompatPorts(t *testing.T) {
	c := &define.Container{Config: define.ContainerConfig{
		ID: "abc", Name: "web",
		PortMappings: []types.PortMapping{{ContainerPort: 80, HostPort: 8080, Protocol: "tcp", Range: 2}},
	}}
	sum := compatSummary(c, time.Now())
	if len(sum.Ports) != 2 || sum.Ports[1].PublicPort != 8081 || sum.Ports[1].PrivatePort != 81 || sum.Ports[0].IP.String() != "0.0.0.0" {
		t.Errorf("summary ports = %+v", sum.Ports)
	}
	if sum.Names[0] != "/web" {
		t.Errorf("names = %v", sum.Names)
	}
	ns := compatNetworkSettings(&define.InspectNetworkSettings{
		Ports:    map[string][]define.InspectHostPort{"80/tcp": {{HostIP: "", HostPort: "8080"}}},
		Networks: map[string]*define.InspectNetwork{"podman": {IPAddress: "10.88.0.5", Gateway: "10.88.0.1"}},
	})
	for port, binds := range ns.Ports {
		if port.String() != "80/tcp" || len(binds) != 1 || binds[0].HostPort != "8080" || binds[0].HostIP.String() != "0.0.0.0" {
			t.Errorf("inspect ports = %v %+v", port, binds)
		}
	}
	if ep := ns.Networks["podman"]; ep == nil || ep.IPAddress.String() != "10.88.0.5" {
		t.Errorf("networks = %+v", ns.Networks)
	}
}
