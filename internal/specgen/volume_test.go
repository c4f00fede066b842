package specgen

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

func TestParseVolume(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		in      string
		want    define.Mount
		wantErr string
		class   error
	}{
		{in: "/src:/dst", want: define.Mount{Type: "bind", Source: "/src", Destination: "/dst"}},
		{in: "/src/:/dst/:ro,Z,rshared", want: define.Mount{Type: "bind", Source: "/src", Destination: "/dst", Options: []string{"ro", "Z", "rshared"}}},
		{in: "/src:/dst:cached,rw,noexec", want: define.Mount{Type: "bind", Source: "/src", Destination: "/dst", Options: []string{"rw", "noexec"}}},
		{in: "./data:/dst", want: define.Mount{Type: "bind", Source: filepath.Join(wd, "data"), Destination: "/dst"}},
		{in: "/a:/b:c:d", wantErr: "/a:/b:c:d: incorrect volume format, should be [host-dir:]ctr-dir[:option]", class: errdefs.ErrInvalidArgument},
		{in: ":/dst", wantErr: "host directory cannot be empty", class: errdefs.ErrInvalidArgument},
		{in: "/src:", wantErr: "container directory cannot be empty", class: errdefs.ErrInvalidArgument},
		{in: "/src:dst", wantErr: `invalid container path "dst", must be an absolute path`, class: errdefs.ErrInvalidArgument},
		{in: "/src:/dst:bogus", wantErr: `invalid option type "bogus"`, class: errdefs.ErrInvalidArgument},
		{in: "/src:/dst:ro,rw", wantErr: `invalid options "ro, rw", can only specify 1 'rw' or 'ro' option`, class: errdefs.ErrInvalidArgument},
		{in: "/src:/dst:shared,rslave", wantErr: `invalid options "shared, rslave", can only specify 1 '[r]shared', '[r]private', '[r]slave' or '[r]unbindable' option`, class: errdefs.ErrInvalidArgument},
		{in: "/src:/dst:z,Z", wantErr: `invalid options "z, Z", can only specify 1 'z', 'Z', or 'O' option`, class: errdefs.ErrInvalidArgument},
		{in: "/src:/dst:U,O", want: define.Mount{Type: "bind", Source: "/src", Destination: "/dst", Options: []string{"U", "O"}}},
		{in: "/src:/dst:z,O", wantErr: `invalid options "z, O", can only specify 1 'z', 'Z', or 'O' option`, class: errdefs.ErrInvalidArgument},
		{in: "/src:/dst:idmap", want: define.Mount{Type: "bind", Source: "/src", Destination: "/dst", Options: []string{"idmap"}}},
		{in: "/src:/dst:idmap=bogus", wantErr: `unknown option "bogus"`, class: errdefs.ErrInvalidArgument},
		{in: "myvol:/dst/:ro,nocopy", want: define.Mount{Type: "volume", Name: "myvol", Destination: "/dst", Options: []string{"ro", "nocopy"}}},
		{in: "/dst/", want: define.Mount{Type: "volume", Destination: "/dst"}},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseVolume(tc.in)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("got %v, want %q", err, tc.wantErr)
				}
				if !errors.Is(err, tc.class) {
					t.Fatalf("%v is not %v", err, tc.class)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestParseTmpfs(t *testing.T) {
	cases := []struct {
		in      string
		want    define.Mount
		wantErr string
	}{
		{in: "/run", want: define.Mount{Type: "tmpfs", Source: "tmpfs", Destination: "/run"}},
		{in: "/cache/:rw,size=64m,mode=1777,exec,notmpcopyup", want: define.Mount{Type: "tmpfs", Source: "tmpfs", Destination: "/cache", Options: []string{"rw", "size=64m", "mode=1777", "exec", "notmpcopyup"}}},
		{in: "/x:", want: define.Mount{Type: "tmpfs", Source: "tmpfs", Destination: "/x"}},
		{in: "", wantErr: "container directory cannot be empty"},
		{in: "tmp", wantErr: `invalid container path "tmp", must be an absolute path`},
		{in: "/x:bogus", wantErr: `unknown mount option "bogus"`},
		{in: "/x:size", wantErr: `unknown mount option "size"`},
		{in: "/x:ro=1", wantErr: `unknown mount option "ro=1"`},
		{in: "/x:rw,ro", wantErr: "only one of 'rw' and 'ro' can be used"},
		{in: "/x:size=1m,size=2m", wantErr: "only one tmpfs size can be specified"},
		{in: "/x:mode=99", wantErr: `invalid tmpfs mode "99", must be octal`},
		{in: "/x:bind", wantErr: "the 'bind' and 'rbind' options are not allowed with tmpfs mounts"},
		{in: "/x:Z", wantErr: "the 'z' and 'Z' options are not allowed with tmpfs mounts"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseTmpfs(tc.in)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("got %v, want %q", err, tc.wantErr)
				}
				if !errors.Is(err, errdefs.ErrInvalidArgument) {
					t.Fatalf("%v is not an invalid argument", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// What the parsers accept, Generate turns into a spec with podman's defaults.
func TestParsedMountsGenerate(t *testing.T) {
	v, err := ParseVolume("/src:/dst:ro,z")
	if err != nil {
		t.Fatal(err)
	}
	tm, err := ParseTmpfs("/cache:size=1m")
	if err != nil {
		t.Fatal(err)
	}
	c := baseConfig()
	c.Mounts = []define.Mount{v, tm}
	s, err := Generate(c, baseHost())
	if err != nil {
		t.Fatal(err)
	}
	if m := findMount(s, "/dst"); m == nil || !reflect.DeepEqual(m.Options, []string{"ro", "rprivate", "rbind"}) {
		t.Fatalf("bind: %+v", m)
	}
	if m := findMount(s, "/cache"); m == nil || !reflect.DeepEqual(m.Options, []string{"size=1m", "rw", "rprivate", "noexec", "nosuid", "nodev", "tmpcopyup"}) {
		t.Fatalf("tmpfs: %+v", m)
	}
}
