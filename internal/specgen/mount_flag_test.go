package specgen

import (
	"reflect"
	"testing"

	"github.com/pier-engine/pier/internal/define"
)

func TestParseMount(t *testing.T) {
	ok := map[string]define.Mount{
		"src=foo,dst=/x": {Type: "volume", Name: "foo", Destination: "/x"},
		"type=volume,target=/x/,volume-nocopy,ro":                                {Type: "volume", Destination: "/x", Options: []string{"nocopy", "ro"}},
		"type=bind,src=/tmp,dst=/b,readonly=true,bind-propagation=rshared":       {Type: "bind", Source: "/tmp", Destination: "/b", Options: []string{"ro", "rshared"}},
		"type=bind,source=/tmp,destination=/b,bind-nonrecursive,relabel=private": {Type: "bind", Source: "/tmp", Destination: "/b", Options: []string{"Z", "bind"}},
		"type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=700,noexec":                  {Type: "tmpfs", Source: "tmpfs", Destination: "/t", Options: []string{"size=1m", "mode=700", "noexec"}},
		"type=image,src=busybox,dst=/x":                                          {Type: "image", Source: "busybox", Destination: "/x", Options: []string{"ro"}},
		"type=image,src=busybox,dst=/x,rw=true":                                  {Type: "image", Source: "busybox", Destination: "/x", Options: []string{"rw"}},
		"type=bind,src=/tmp,dst=/i,idmap=uids=0-1-10":                            {Type: "bind", Source: "/tmp", Destination: "/i", Options: []string{"idmap=uids=0-1-10"}},
		"type=devpts,dst=/p,uid=5,mode=600":                                      {Type: "devpts", Source: "devpts", Destination: "/p", Options: []string{"uid=5", "mode=600"}},
		"type=bind,src=/tmp,dst=/u,U=true":                                       {Type: "bind", Source: "/tmp", Destination: "/u", Options: []string{"U"}},
	}
	for in, want := range ok {
		got, err := ParseMount(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %+v, %v; want %+v", in, got, err, want)
		}
	}
	bad := map[string]string{
		"type=bogus,dst=/x":                       `invalid filesystem type "bogus"`,
		"type=volume,src=foo":                     "must set volume destination",
		"type=volume,src=foo,dst=/x,bogus=1":      "bogus: invalid mount option",
		"type=volume,src=foo,dst=/x,dst=/y":       `cannot pass "dst" option more than once: must provide an argument for option`,
		"type=tmpfs,src=foo,dst=/x":               `"src" option not supported for "tmpfs" mount types`,
		"type=volume,src=foo,dst=/x,tmpfs-size=1": `"tmpfs-size" option not supported for "volume" mount types`,
		"type=volume,dst=x":                       `invalid container path "x", must be an absolute path`,
		"type=ramfs,dst=/x":                       `mount type "ramfs" is not supported yet: not implemented`,
		"type=devpts,dst=/x,uid=a":                `invalid devpts option "uid=a"`,
		"type=glob,dst=/x":                        "must set source for glob mounts",
	}
	for in, want := range bad {
		if _, err := ParseMount(in); err == nil || err.Error() != want {
			t.Errorf("%s: %v, want %q", in, err, want)
		}
	}
}
