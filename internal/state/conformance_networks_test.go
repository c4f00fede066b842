package state

import (
	"context"
	"net"
	"testing"

	"go.podman.io/common/libnetwork/types"

	"github.com/pier-engine/pier/internal/define"
)

func init() {
	extraConformance = append(extraConformance, conformanceCase{"SaveNetworks", testSaveNetworks})
}

func testSaveNetworks(t *testing.T, h *harness) {
	ctx := context.Background()
	s, _ := h.store(t)
	mustAdd(t, s, ctr("id1", "one"))
	nets := map[string]types.PerNetworkOptions{
		"a": {InterfaceName: "eth1", Aliases: []string{"x"}, StaticIPs: []net.IP{net.ParseIP("10.1.2.3")}},
	}
	if err := s.SaveNetworks(ctx, "id1", nets); err != nil {
		t.Fatal(err)
	}
	c, err := s.Container(ctx, "id1")
	if err != nil {
		t.Fatal(err)
	}
	got := c.Config.Networks["a"]
	if len(c.Config.Networks) != 1 || got.InterfaceName != "eth1" || got.Aliases[0] != "x" || !got.StaticIPs[0].Equal(net.ParseIP("10.1.2.3")) {
		t.Fatalf("networks after save: %+v", c.Config.Networks)
	}
	if c.Config.Cmd[0] != "sh" || c.Config.Name != "one" {
		t.Fatalf("SaveNetworks damaged the config: %+v", c.Config)
	}
	if err := s.SaveNetworks(ctx, "id1", nil); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Container(ctx, "id1"); len(c.Config.Networks) != 0 {
		t.Fatalf("networks after clearing: %+v", c.Config.Networks)
	}
	wantErr(t, s.SaveNetworks(ctx, "nope", nets), define.ErrNoSuchCtr)
}
