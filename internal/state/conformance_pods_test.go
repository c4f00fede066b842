package state

import (
	"context"
	"errors"
	"testing"

	"github.com/pier-engine/pier/internal/define"
)

func init() {
	extraConformance = append(extraConformance, conformanceCase{"Pods", testPods})
}

// testPods checks that pods share the containers' name namespace, resolve
// like containers, and cannot be removed while a container is in them.
func testPods(t *testing.T, h *harness) {
	ctx := context.Background()
	s, _ := h.store(t)
	p := &define.Pod{Config: define.PodConfig{ID: "p0d1", Name: "web", Created: created, ExitPolicy: "continue"}}
	if err := s.AddPod(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := s.AddPod(ctx, &define.Pod{Config: define.PodConfig{ID: "p0d2", Name: "web", Created: created}}); !errors.Is(err, define.ErrPodExists) {
		t.Fatalf("pod with a taken name: %v", err)
	}
	if err := s.AddContainer(ctx, ctr("c0", "web")); !errors.Is(err, define.ErrNameInUse) {
		t.Fatalf("container with a pod's name: %v", err)
	}
	mustAdd(t, s, ctr("c1", "c1name"))
	if err := s.AddPod(ctx, &define.Pod{Config: define.PodConfig{ID: "p0d3", Name: "c1name", Created: created}}); !errors.Is(err, define.ErrPodExists) {
		t.Fatalf("pod with a container's name: %v", err)
	}
	if _, err := s.LookupContainer(ctx, "web"); !errors.Is(err, define.ErrNoSuchCtr) {
		t.Fatalf("a pod's name resolved as a container: %v", err)
	}
	for _, q := range []string{"web", "p0d1", "p0d"} {
		got, err := s.LookupPod(ctx, q)
		if err != nil || got.Config.ID != "p0d1" {
			t.Fatalf("LookupPod(%q) = %+v, %v", q, got, err)
		}
	}
	if _, err := s.LookupPod(ctx, "c1name"); !errors.Is(err, define.ErrNoSuchPod) {
		t.Fatalf("a container's name resolved as a pod: %v", err)
	}
	member := ctr("m1", "member")
	member.Config.Pod = "p0d1"
	member.Config.Dependencies = []define.Dependency{{Kind: define.KindPod, ID: "p0d1", Reason: "pod"}}
	mustAdd(t, s, member)
	orphan := ctr("m2", "orphan")
	orphan.Config.Dependencies = []define.Dependency{{Kind: define.KindPod, ID: "gone", Reason: "pod"}}
	if err := s.AddContainer(ctx, orphan); !errors.Is(err, define.ErrNoSuchPod) {
		t.Fatalf("container in a missing pod: %v", err)
	}
	if deps, err := s.Dependents(ctx, define.KindPod, "p0d1"); err != nil || len(deps) != 1 || deps[0] != "m1" {
		t.Fatalf("pod members: %v, %v", deps, err)
	}
	if err := s.RemovePod(ctx, "p0d1"); !errors.Is(err, define.ErrCtrExists) {
		t.Fatalf("removing a pod with a container: %v", err)
	}
	p.Config.InfraContainerID = "m1"
	if err := s.SavePod(ctx, p); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Pod(ctx, "p0d1"); err != nil || got.Config.InfraContainerID != "m1" {
		t.Fatalf("Pod after save: %+v, %v", got, err)
	}
	err := s.Update(ctx, func(tx Tx) error {
		if err := tx.RemoveContainer("m1"); err != nil {
			return err
		}
		return tx.RemovePod("p0d1")
	})
	if err != nil {
		t.Fatal(err)
	}
	if pods, err := s.Pods(ctx); err != nil || len(pods) != 0 {
		t.Fatalf("Pods after remove: %v, %v", pods, err)
	}
	// The name is free again, for a container too.
	mustAdd(t, s, ctr("c2", "web"))
}
