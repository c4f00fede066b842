package state

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/pier-engine/pier/internal/define"
)

func init() {
	extraConformance = append(extraConformance,
		conformanceCase{"Dependencies", testDependencies},
		conformanceCase{"Update", testUpdate},
		conformanceCase{"UpdateRollback", testUpdateRollback},
	)
}

func dependsOn(c *define.Container, ids ...string) *define.Container {
	for _, id := range ids {
		c.Config.Dependencies = append(c.Config.Dependencies, define.Dependency{Kind: define.KindContainer, ID: id, Reason: "netns"})
	}
	return c
}

func testDependencies(t *testing.T, h *harness) {
	ctx := context.Background()
	s, _ := h.store(t)
	mustAdd(t, s, ctr("base", "base"))
	// A dependency on a container that does not exist is refused, and
	// leaves nothing behind (name, row).
	wantErr(t, s.AddContainer(ctx, dependsOn(ctr("bad", "bad"), "nope")), define.ErrNoSuchCtr)
	mustAdd(t, s, ctr("bad", "bad"))
	wantErr(t, s.AddContainer(ctx, dependsOn(ctr("self", "self"), "self")), define.ErrInvalidArg)

	mustAdd(t, s, dependsOn(ctr("d1", "d1"), "base"), dependsOn(ctr("d2", "d2"), "base", "d1"))
	got, err := s.Dependents(ctx, define.KindContainer, "base")
	if err != nil || !slices.Equal(got, []string{"d1", "d2"}) {
		t.Fatalf("Dependents(base) = %v, %v; want [d1 d2]", got, err)
	}
	if got, _ := s.Dependents(ctx, define.KindContainer, "d2"); len(got) != 0 {
		t.Fatalf("Dependents(d2) = %v, want none", got)
	}
	// The dependencies survive in the config.
	c, err := s.Container(ctx, "d2")
	if err != nil || len(c.Config.Dependencies) != 2 {
		t.Fatalf("d2's recorded dependencies: %+v, %v", c, err)
	}

	err = s.RemoveContainer(ctx, "base")
	wantErr(t, err, define.ErrCtrExists)
	want := "container base has dependent containers which must be removed before it: d1, d2: container already exists"
	if err.Error() != want {
		t.Fatalf("refusal = %q, want %q", err, want)
	}
	if _, err := s.Container(ctx, "base"); err != nil {
		t.Fatalf("refused remove still removed: %v", err)
	}
	wantErr(t, s.RemoveContainer(ctx, "d1"), define.ErrCtrExists) // d2 needs d1
	for _, id := range []string{"d2", "d1", "base"} {
		if err := s.RemoveContainer(ctx, id); err != nil {
			t.Fatalf("removing %s once its dependents are gone: %v", id, err)
		}
	}
	// A dependent's records go with it.
	mustAdd(t, s, ctr("base", "base"))
	if got, _ := s.Dependents(ctx, define.KindContainer, "base"); len(got) != 0 {
		t.Fatalf("records of removed dependents survived: %v", got)
	}
}

// testUpdate changes several containers in one transaction; reads inside
// it see its own changes.
func testUpdate(t *testing.T, h *harness) {
	ctx := context.Background()
	s, _ := h.store(t)
	mustAdd(t, s, ctr("a", "a"), ctr("b", "b"))
	err := s.Update(ctx, func(tx Tx) error {
		if err := tx.AddContainer(dependsOn(ctr("c", "c"), "a")); err != nil {
			return err
		}
		if deps, err := tx.Dependents(define.KindContainer, "a"); err != nil || !slices.Equal(deps, []string{"c"}) {
			return errors.Join(err, errors.New("own dependency not visible"))
		}
		if err := tx.SaveState("a", &define.ContainerState{Status: define.StatusRunning, PID: 5}); err != nil {
			return err
		}
		if got, err := tx.Container("a"); err != nil || got.State.PID != 5 {
			return errors.Join(err, errors.New("own state change not visible"))
		}
		// Refused inside the transaction as outside.
		if err := tx.RemoveContainer("a"); !errors.Is(err, define.ErrCtrExists) {
			return errors.Join(err, errors.New("remove of a depended-on container not refused"))
		}
		return tx.RemoveContainer("b")
	})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := s.Container(ctx, "a"); err != nil || c.State.PID != 5 {
		t.Fatalf("a after Update: %+v, %v", c, err)
	}
	if _, err := s.Container(ctx, "c"); err != nil {
		t.Fatalf("c after Update: %v", err)
	}
	_, err = s.Container(ctx, "b")
	wantErr(t, err, define.ErrNoSuchCtr)
}

// testUpdateRollback: a failing fn leaves everything as it was.
func testUpdateRollback(t *testing.T, h *harness) {
	ctx := context.Background()
	s, _ := h.store(t)
	mustAdd(t, s, ctr("a", "a"))
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx Tx) error {
		if err := tx.AddContainer(ctr("b", "b")); err != nil {
			return err
		}
		if err := tx.SaveState("a", &define.ContainerState{Status: define.StatusExited, ExitCode: 9}); err != nil {
			return err
		}
		if err := tx.RemoveContainer("a"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update error = %v, want fn's", err)
	}
	all, err := s.Containers(ctx)
	if err != nil || len(all) != 1 || all[0].Config.ID != "a" || all[0].State.ExitCode != 0 {
		t.Fatalf("after a rolled-back Update: %+v, %v", all, err)
	}
	// The name b was not kept reserved.
	mustAdd(t, s, ctr("b2", "b"))
	if err := s.Update(ctx, func(tx Tx) error { return tx.AddContainer(ctr("x", "a")) }); !errors.Is(err, define.ErrNameInUse) ||
		!strings.Contains(err.Error(), `"a"`) {
		t.Fatalf("name conflict inside Update: %v", err)
	}
}
