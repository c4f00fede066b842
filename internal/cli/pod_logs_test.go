package cli

import (
	"errors"
	"testing"

	"github.com/pier-engine/pier/internal/define"
)

// A member's name wins over another member's ID that starts with it: the
// e2e test failed whenever container a's random ID began with "b".
func TestPodMemberNameBeforeIDPrefix(t *testing.T) {
	mk := func(name, id string) target {
		return target{ctr: &define.Container{Config: define.ContainerConfig{Name: name, ID: id}}}
	}
	ts := []target{mk("a", "b1f0"), mk("b", "c2e1"), mk("c", "b1f9")}
	if got, err := podMember(ts, "b", "p"); err != nil || got.ctr.Config.Name != "b" {
		t.Fatalf("-c b: %v %v", got.ctr, err)
	}
	if got, err := podMember(ts, "c2", "p"); err != nil || got.ctr.Config.Name != "b" {
		t.Fatalf("-c c2: %v %v", got.ctr, err)
	}
	if _, err := podMember(ts, "b1f", "p"); !errors.Is(err, define.ErrAmbiguous) {
		t.Fatalf("-c b1f: want ambiguous, got %v", err)
	}
	if _, err := podMember(ts, "zz", "p"); !errors.Is(err, define.ErrNoSuchCtr) {
		t.Fatalf("-c zz: want no such container, got %v", err)
	}
}
