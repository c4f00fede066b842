package state

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pier-engine/pier/internal/define"
)

func init() {
	extraConformance = append(extraConformance, conformanceCase{"Volumes", testVolumes})
}

// testVolumes checks that volumes have their own namespace, and that a
// volume a container uses cannot be removed until the container is gone.
func testVolumes(t *testing.T, h *harness) {
	ctx := context.Background()
	s, _ := h.store(t)
	v := &define.Volume{Name: "data", Driver: "local", MountPoint: "/g/volumes/data/_data", Created: created, Labels: map[string]string{"a": "b"}}
	if err := s.AddVolume(ctx, v); err != nil {
		t.Fatal(err)
	}
	if err := s.AddVolume(ctx, v); !errors.Is(err, define.ErrVolumeExists) {
		t.Fatalf("second add: %v, want ErrVolumeExists", err)
	}
	c := ctr("c1", "data") // same name as the volume: allowed
	c.Config.Dependencies = []define.Dependency{{Kind: define.KindVolume, ID: "data", Reason: "mount"}}
	mustAdd(t, s, c)
	bad := ctr("c2", "c2")
	bad.Config.Dependencies = []define.Dependency{{Kind: define.KindVolume, ID: "gone", Reason: "mount"}}
	if err := s.AddContainer(ctx, bad); !errors.Is(err, define.ErrNoSuchVolume) {
		t.Fatalf("container on a missing volume: %v", err)
	}
	err := s.RemoveVolume(ctx, "data")
	if !errors.Is(err, define.ErrVolumeBeingUsed) || !strings.Contains(err.Error(), "volume data is being used by the following container(s): c1") {
		t.Fatalf("remove in use: %v", err)
	}
	if err := s.RemoveContainer(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	v.NeedsCopyUp = true
	if err := s.SaveVolume(ctx, v); err != nil {
		t.Fatal(err)
	}
	got, err := s.Volume(ctx, "data")
	if err != nil || !got.NeedsCopyUp || got.Labels["a"] != "b" {
		t.Fatalf("Volume: %+v, %v", got, err)
	}
	if err := s.RemoveVolume(ctx, "data"); err != nil {
		t.Fatal(err)
	}
	if vols, err := s.Volumes(ctx); err != nil || len(vols) != 0 {
		t.Fatalf("Volumes after remove: %v, %v", vols, err)
	}
}
