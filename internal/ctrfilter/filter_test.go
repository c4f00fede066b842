package ctrfilter

import (
	"reflect"
	"testing"

	"go.podman.io/common/libnetwork/types"

	"github.com/pier-engine/pier/internal/define"
)

func TestNetworkFilter(t *testing.T) {
	ctr := func(id, name, mode string, nets ...string) *define.Container {
		c := &define.Container{Config: define.ContainerConfig{ID: id, Name: name, NetworkMode: mode}}
		if len(nets) > 0 {
			c.Config.Networks = map[string]types.PerNetworkOptions{}
			for _, n := range nets {
				c.Config.Networks[n] = types.PerNetworkOptions{}
			}
		}
		return c
	}
	cs := []*define.Container{
		ctr("aaa111", "web", "bridge", "front", "back"),
		ctr("bbb222", "db", "bridge", "back"),
		ctr("ccc333", "side", "container:aaa111"),
		ctr("ddd444", "solo", "none"),
	}
	// Network IDs resolve to names; unknown networks match nothing.
	nets := map[string]string{"front": "front", "back": "back", "f00d": "front"}
	env := Env{All: cs, NetworkName: func(v string) (string, bool) { n, ok := nets[v]; return n, ok }}
	for _, tc := range []struct {
		vals []string
		want []string
	}{
		{[]string{"back"}, []string{"web", "db"}},
		{[]string{"f00d"}, []string{"web"}},
		{[]string{"nosuch"}, nil},
		{[]string{"container:web"}, []string{"side"}},
		{[]string{"container:aaa"}, []string{"side"}},
		{[]string{"container:db"}, nil},
	} {
		match := networkPredicate(tc.vals, env)
		var got []string
		for _, c := range cs {
			if match(c) {
				got = append(got, c.Config.Name)
			}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("network=%v: got %v, want %v", tc.vals, got, tc.want)
		}
	}
}

func TestVolumeFilter(t *testing.T) {
	mounts := []define.Mount{
		{Type: "volume", Name: "data", Source: "/var/lib/v/data/_data", Destination: "/data"},
		{Type: "bind", Source: "/srv", Destination: "/mnt"},
		{Type: "tmpfs", Destination: "/scratch"},
	}
	for v, want := range map[string]bool{
		"data": true, "data:/data": true, "data:/other": false, "/data": false, // named: by name only
		"/mnt": true, "/srv:/mnt": true, "/srv:/x": false, "/scratch": true, "nosuch": false,
	} {
		if got := matchVolume(v, mounts); got != want {
			t.Errorf("volume=%s: %v, want %v", v, got, want)
		}
	}
}
