package engine

import (
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"go.podman.io/common/libnetwork/types"

	"github.com/pier-engine/pier/internal/network"
	"github.com/pier-engine/pier/internal/proc"
)

// A RUN step's addresses count as used while the pier holding them lives;
// a dead holder's reservation is dropped.
func TestBuildReservationsDropDeadOwners(t *testing.T) {
	r := &Runtime{runDir: t.TempDir()}
	dir := filepath.Join(r.runDir, "build-networks")
	os.MkdirAll(dir, 0o700)
	write := func(name string, owner int, start uint64, ip string) string {
		req := network.SetupRequest{ContainerID: name, Networks: []network.Attachment{{
			Network: types.Network{Name: "podman"},
			Opts:    types.PerNetworkOptions{StaticIPs: []net.IP{net.ParseIP(ip)}},
		}}}
		data, _ := json.Marshal(reservation{Owner: owner, OwnerStart: start, Req: req})
		p := filepath.Join(dir, name+".json")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	self, _ := proc.StartTime(os.Getpid())
	write("live", os.Getpid(), self, "10.88.0.5")
	dead := exec.Command("true")
	if err := dead.Start(); err != nil {
		t.Fatal(err)
	}
	deadStart, _ := proc.StartTime(dead.Process.Pid)
	dead.Wait()
	stale := write("stale", dead.Process.Pid, deadStart, "10.88.0.6")

	sub, _ := types.ParseCIDR("10.88.0.0/16")
	withSubnet := types.Network{Name: "podman", Subnets: []types.Subnet{{Subnet: sub}}}
	if err := r.ipam().Allocate("stale", []network.Attachment{{Network: withSubnet}}, nil); err != nil {
		t.Fatal(err)
	}

	used := map[string]network.Used{}
	r.buildReservations(used)
	if ips, err := r.ipam().Assigned("stale", "podman"); err != nil || len(ips) != 0 {
		t.Errorf("a dead build's address should be freed in ipam.db: %v %v", ips, err)
	}
	if _, ok := used["podman"]["10.88.0.5"]; !ok {
		t.Errorf("a live build's address should be used: %v", used)
	}
	if _, ok := used["podman"]["10.88.0.6"]; ok {
		t.Errorf("a dead build's address should be free: %v", used)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Errorf("the dead build's reservation should be removed")
	}
}
