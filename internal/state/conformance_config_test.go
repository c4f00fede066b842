package state

import (
	"context"
	"testing"

	"github.com/pier-engine/pier/internal/define"
)

func init() {
	extraConformance = append(extraConformance, conformanceCase{"SaveConfig", testSaveConfig})
}

func testSaveConfig(t *testing.T, h *harness) {
	ctx := context.Background()
	s, _ := h.store(t)
	c := ctr("id1", "one")
	mustAdd(t, s, c)
	c.Config.PidsLimit = 77
	c.Config.RestartPolicy = "always"
	if err := s.SaveConfig(ctx, &c.Config); err != nil {
		t.Fatal(err)
	}
	got, err := s.LookupContainer(ctx, "one")
	if err != nil {
		t.Fatal(err)
	}
	sameCtr(t, got, c)
	other := c.Config
	other.Name = "two"
	wantErr(t, s.SaveConfig(ctx, &other), define.ErrNoSuchCtr)
	other = c.Config
	other.ID = "nope"
	wantErr(t, s.SaveConfig(ctx, &other), define.ErrNoSuchCtr)
}
