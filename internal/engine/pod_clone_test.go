package engine

import (
	"slices"
	"testing"

	"github.com/pier-engine/pier/internal/define"
)

func TestCloneNames(t *testing.T) {
	for in, want := range map[string][]string{
		"web":         {"web-clone", "web-clone1", "web-clone2"},
		"web-clone":   {"web-clone", "web-clone1", "web-clone2"},
		"web-clone12": {"web-clone", "web-clone1", "web-clone2"},
		"my-cloner":   {"my-cloner-clone", "my-cloner-clone1", "my-cloner-clone2"},
	} {
		if got := cloneNames(in)[:3]; !slices.Equal(got, want) {
			t.Errorf("cloneNames(%q) = %q, want %q", in, got, want)
		}
	}
}

// A copy refers to the copies of its pod, infra and siblings, and keeps
// what the clone did not copy.
func TestRemapClone(t *testing.T) {
	cfg := &define.ContainerConfig{
		Pod: "oldpod",
		Dependencies: []define.Dependency{
			{Kind: define.KindPod, ID: "oldpod"}, {Kind: define.KindContainer, ID: "oldinfra"}, {Kind: define.KindContainer, ID: "outside"},
		},
		Namespaces:  define.Namespaces{UTSMode: "container:oldinfra", IPCMode: "container:oldinfra", PIDMode: "host"},
		NetworkMode: netnsPrefix + "oldinfra",
		VolumesFrom: []string{"oldinfra:ro", "outside"},
	}
	remapClone(cfg, map[string]string{"oldpod": "newpod", "oldinfra": "newinfra"})
	if cfg.Pod != "newpod" || cfg.Dependencies[0].ID != "newpod" || cfg.Dependencies[1].ID != "newinfra" || cfg.Dependencies[2].ID != "outside" {
		t.Fatalf("pod and dependencies: %+v %+v", cfg.Pod, cfg.Dependencies)
	}
	if cfg.UTSMode != "container:newinfra" || cfg.IPCMode != "container:newinfra" || cfg.PIDMode != "host" || cfg.NetworkMode != netnsPrefix+"newinfra" {
		t.Fatalf("namespaces: %+v %s", cfg.Namespaces, cfg.NetworkMode)
	}
	if !slices.Equal(cfg.VolumesFrom, []string{"newinfra:ro", "outside"}) {
		t.Fatalf("volumes-from: %q", cfg.VolumesFrom)
	}
}
