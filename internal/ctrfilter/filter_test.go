package ctrfilter

import (
	"reflect"
	"testing"
	"time"

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

// since=b names the container "b", not an older one whose ID starts with b.
func TestCreatedFilterNameBeforeIDPrefix(t *testing.T) {
	at := func(id, name string, min int) *define.Container {
		return &define.Container{Config: define.ContainerConfig{ID: id, Name: name, Created: time.Date(2026, 1, 1, 0, min, 0, 0, time.UTC)}}
	}
	cs := []*define.Container{at("b0ff", "a", 1), at("c1aa", "b", 2), at("d2bb", "c", 3)}
	match, err := New(map[string][]string{"since": {"b"}}, Env{All: cs})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cs {
		if match(c) {
			got = append(got, c.Config.Name)
		}
	}
	if !reflect.DeepEqual(got, []string{"c"}) {
		t.Fatalf("since=b: got %v, want [c]", got)
	}
}
