package specgen

import (
	"reflect"
	"strings"
	"testing"

	spec "github.com/opencontainers/runtime-spec/specs-go"
)

func TestIDMapMappings(t *testing.T) {
	ctr := []spec.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	uids, gids, err := IDMapMappings("idmap", ctr, ctr)
	if err != nil || !reflect.DeepEqual(uids, ctr) || !reflect.DeepEqual(gids, ctr) {
		t.Errorf("plain idmap: want the container's maps, got %v %v %v", uids, gids, err)
	}
	uids, gids, err = IDMapMappings("idmap=uids=0-1-10#10-11-10;gids=@0-5-10", ctr, ctr)
	wantU := []spec.LinuxIDMapping{{ContainerID: 0, HostID: 1, Size: 10}, {ContainerID: 10, HostID: 11, Size: 10}}
	wantG := []spec.LinuxIDMapping{{ContainerID: 0, HostID: 100005, Size: 10}}
	if err != nil || !reflect.DeepEqual(uids, wantU) || !reflect.DeepEqual(gids, wantG) {
		t.Errorf("custom idmap: want %v %v, got %v %v %v", wantU, wantG, uids, gids, err)
	}
	for opt, want := range map[string]string{
		"idmap=bogus":           `unknown option "bogus"`,
		"idmap=uids=1-2":        "invalid mapping: 1-2",
		"idmap=gids=a-1-1":      "invalid mapping: a-1-1",
		"idmap=uids=@7-1-1":     "", // 1 is mapped through ctr
		"idmap=uids=@0-70000-1": "not mapped in the container",
	} {
		_, _, err := IDMapMappings(opt, ctr, ctr)
		if want == "" {
			if err != nil {
				t.Errorf("%s: %v", opt, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: want %q, got %v", opt, want, err)
		}
	}
	if _, err := ParseVolume("/src:/dst:idmap=uids=0-1-10"); err != nil {
		t.Errorf("-v with idmap=: %v", err)
	}
	m, err := ParseMount("type=bind,src=/src,dst=/dst,idmap")
	if err != nil || len(m.Options) == 0 || m.Options[0] != "idmap" {
		t.Errorf("--mount idmap: got %v %v", m, err)
	}
}
