package engine

import (
	"strings"
	"testing"

	"github.com/pier-engine/pier/internal/define"
)

// The same mount given twice is one mount; two different ones on one
// destination are refused with podman's text (no class suffix).
func TestCheckMountsDuplicates(t *testing.T) {
	dir := t.TempDir()
	same := []define.Mount{
		{Type: "bind", Source: dir, Destination: "/v"}, {Type: "bind", Source: dir, Destination: "/v"},
		{Type: "volume", Name: "a", Destination: "/n"}, {Type: "volume", Name: "a", Destination: "/n"},
	}
	got, err := checkMounts(same)
	if err != nil || len(got) != 2 {
		t.Fatalf("identical mounts: %v, %v", got, err)
	}
	_, err = checkMounts([]define.Mount{{Type: "volume", Name: "a", Destination: "/n"}, {Type: "volume", Name: "b", Destination: "/n"}})
	if err == nil || err.Error() != "/n: duplicate mount destination" {
		t.Fatalf("two volumes on one destination: %v", err)
	}
}

// Volume mounts keep podman's full option list: what inspect shows.
func TestVolumeMountDefaults(t *testing.T) {
	got := strings.Join(volumeMountDefaults([]string{"ro", "z", "noexec"}), ",")
	if got != "ro,z,noexec,rprivate,nosuid,nodev,rbind" {
		t.Errorf("defaults: %s", got)
	}
	got = strings.Join(volumeMountDefaults([]string{"suid", "dev"}), ",")
	if got != "suid,dev,rprivate,rbind" {
		t.Errorf("with suid,dev: %s", got)
	}
}
