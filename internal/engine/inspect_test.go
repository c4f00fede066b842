package engine

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	spec "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pier-engine/pier/internal/define"
)

func TestInspectData(t *testing.T) {
	run := t.TempDir()
	if err := os.WriteFile(filepath.Join(run, "hosts"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	created := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	c := &define.Container{
		Config: define.ContainerConfig{
			ID: strings.Repeat("ab", 32), Name: "web", Created: created,
			Image: "localhost/busybox:latest", ImageID: strings.Repeat("cd", 32),
			Entrypoint: []string{"/bin/sh", "-c"}, Cmd: []string{"sleep 10"},
			Env: []string{"A=1"}, WorkingDir: "/", Labels: map[string]string{"k": "v"},
			Terminal: true, Stdin: true, ReadOnly: true, AutoRemove: true, NetworkMode: "none",
			StopSignal: int(syscall.SIGKILL), StopTimeout: 7, Runtime: "/usr/bin/runc", LogDriver: "k8s-file",
			Mounts: []define.Mount{
				{Type: "bind", Source: "/src", Destination: "/dst", Options: []string{"ro", "rbind"}},
				{Type: "tmpfs", Destination: "/tmp", Options: []string{"rw", "size=1m"}},
			},
			Rlimits: []spec.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 10, Hard: 20}},
		},
		State: define.ContainerState{Status: define.StatusRunning, PID: 42, MonitorPID: 41, StartedAt: created.Add(time.Second)},
	}
	d := inspectData(c, inspectFacts{paths: ctrPathsIn(run, "/static"), driver: "overlay", logPath: "/static/ctr.log"})

	if d.Path != "/bin/sh" || !reflect.DeepEqual(d.Args, []string{"-c", "sleep 10"}) {
		t.Errorf("Path %q Args %q", d.Path, d.Args)
	}
	if d.Image != c.Config.ImageID || d.ImageName != c.Config.Image || d.Name != "web" || d.OCIRuntime != "/usr/bin/runc" {
		t.Errorf("identity fields: %+v", d)
	}
	st := d.State
	if st.Status != "running" || !st.Running || st.Pid != 42 || st.ConmonPid != 41 || st.CgroupPath == "" {
		t.Errorf("state: %+v", st)
	}
	if d.HostsPath != filepath.Join(run, "hosts") || d.ResolvConfPath != "" {
		t.Errorf("host files: hosts %q resolv %q (only existing files are shown)", d.HostsPath, d.ResolvConfPath)
	}
	cfg := d.Config
	if cfg.StopSignal != "SIGKILL" || cfg.StopTimeout != 7 || !cfg.Tty || !cfg.OpenStdin ||
		!reflect.DeepEqual(cfg.Entrypoint, []string{"/bin/sh", "-c"}) || cfg.Hostname != c.Config.ID[:12] {
		t.Errorf("config: %+v", cfg)
	}
	h := d.HostConfig
	if !reflect.DeepEqual(h.Binds, []string{"/src:/dst:ro,rbind,rprivate"}) || h.Tmpfs["/tmp"] != "rw,size=1m" ||
		!h.ReadonlyRootfs || !h.AutoRemove || h.NetworkMode != "none" || h.LogConfig.Path != "/static/ctr.log" {
		t.Errorf("host config: %+v", h)
	}
	if !reflect.DeepEqual(h.Ulimits, []define.InspectUlimit{{Name: "RLIMIT_NOFILE", Soft: 10, Hard: 20}}) {
		t.Errorf("ulimits %+v", h.Ulimits)
	}
	want := []define.InspectMount{{Type: "bind", Source: "/src", Destination: "/dst", Options: []string{"rbind"}, RW: false, Propagation: "rprivate"}}
	if !reflect.DeepEqual(d.Mounts, want) {
		t.Errorf("mounts %+v (tmpfs is not listed, ro clears RW)", d.Mounts)
	}

	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"Id", "Created", "State", "Config", "HostConfig", "Mounts", "GraphDriver", "NetworkSettings"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	if m["Created"] != "2024-05-01T12:00:00Z" {
		t.Errorf("Created = %v", m["Created"])
	}
}

func TestInspectDefaults(t *testing.T) {
	c := &define.Container{
		Config: define.ContainerConfig{ID: strings.Repeat("a", 64), Cmd: []string{"true"}},
		State:  define.ContainerState{Status: define.StatusConfigured},
	}
	d := inspectData(c, inspectFacts{paths: ctrPathsIn(t.TempDir(), "/static")})
	if d.Config.StopSignal != "SIGTERM" || d.State.Status != "created" || d.Path != "true" ||
		d.Args == nil || d.Config.Entrypoint == nil || d.State.CgroupPath != "" || d.OCIRuntime != "" {
		t.Errorf("defaults: %+v %+v %+v", d, d.Config, d.State)
	}
}

func TestFormatUptime(t *testing.T) {
	if got := formatUptime(5465); got != "1h 31m 5.00s" {
		t.Errorf("got %q", got)
	}
}

// Bind mounts show the defaults the spec gets, as podman's inspect.
func TestBindOptionsDefaults(t *testing.T) {
	for in, want := range map[string]string{
		"":             "rprivate,rbind",
		"ro,Z":         "ro,Z,rprivate,rbind",
		"bind":         "bind,private",
		"bind,shared":  "bind,shared",
		"idmap,rslave": "idmap,rslave,rbind",
	} {
		var opts []string
		if in != "" {
			opts = strings.Split(in, ",")
		}
		if got := strings.Join(bindOptions(define.Mount{Type: "bind", Options: opts}), ","); got != want {
			t.Errorf("%q: want %q, got %q", in, want, got)
		}
	}
}
