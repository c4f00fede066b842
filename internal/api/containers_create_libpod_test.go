package api

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/pier-engine/pier/internal/define"
)

// podmanCreateBody is what podman 5.8.2's remote client sends for
// `podman --remote create --name rem2 -p 8080:80 -v /tmp:/data -v vol1:/v
// --tmpfs /scr -e A=1 --cap-add NET_ADMIN --memory 64m --network none
// --restart on-failure:3 -u 1000 busybox sleep 100` (captured).
const podmanCreateBody = `{"name":"rem2","command":["sleep","100"],"env_host":false,"httpproxy":true,"env":{"A":"1"},"terminal":false,"stdin":false,"stop_timeout":10,"log_configuration":{},"restart_policy":"on-failure","restart_tries":3,"systemd":"true","sdnotifyMode":"container","pidns":{},"utsns":{},"remove":false,"init_container_type":"","unsetenvall":false,"manage_password":true,"image":"busybox","raw_image_name":"busybox","image_volume_mode":"anonymous","init":false,"mounts":[{"destination":"/data","type":"bind","source":"/tmp"},{"destination":"/scr","type":"tmpfs","source":"tmpfs"}],"volumes":[{"Name":"vol1","Dest":"/v","Options":null,"IsAnonymous":false,"SubPath":""}],"ipcns":{},"volatile":false,"privileged":false,"user":"1000","cap_add":["NET_ADMIN"],"seccomp_policy":"default","userns":{},"idmappings":{"HostUIDMapping":true,"HostGIDMapping":true,"UIDMap":null,"GIDMap":null,"AutoUserNs":false,"AutoUserNsOpts":{"Size":0,"InitialSize":0,"PasswdFile":"","GroupFile":"","AdditionalUIDMappings":null,"AdditionalGIDMappings":null}},"read_only_filesystem":false,"read_write_tmpfs":false,"umask":"0022","cgroupns":{},"netns":{"nsmode":"none"},"portmappings":[{"host_ip":"","container_port":80,"host_port":8080,"range":1,"protocol":""}],"publish_image_ports":false,"Networks":{},"use_image_resolve_conf":false,"use_image_hostname":false,"use_image_hosts":false,"resource_limits":{"memory":{"limit":67108864,"swap":134217728}},"healthconfig":{},"healthLogDestination":"local","healthMaxLogCount":5,"healthMaxLogSize":500}`

func TestLibpodSpecFromPodmanClient(t *testing.T) {
	if err := checkUnapplied([]byte(podmanCreateBody)); err != nil {
		t.Fatalf("podman's defaults refused: %v", err)
	}
	var sp libpodSpec
	if err := json.Unmarshal([]byte(podmanCreateBody), &sp); err != nil {
		t.Fatal(err)
	}
	req, err := specRequest(&sp)
	if err != nil {
		t.Fatal(err)
	}
	if req.Name != "rem2" || req.NetworkMode != "none" || req.RestartPolicy != "on-failure" || req.RestartRetries != 3 ||
		req.User != "1000" || !reflect.DeepEqual(req.Env, []string{"A=1"}) || !reflect.DeepEqual(req.Publish, []string{"8080:80"}) ||
		!reflect.DeepEqual(req.Isolation.CapAdd, []string{"NET_ADMIN"}) || *req.Resources.Memory.Limit != 64<<20 {
		t.Errorf("request = %+v", req)
	}
	want := []define.Mount{
		{Type: "bind", Source: "/tmp", Destination: "/data"},
		{Type: "tmpfs", Source: "tmpfs", Destination: "/scr"},
		{Type: "volume", Name: "vol1", Destination: "/v"},
	}
	if !reflect.DeepEqual(req.Mounts, want) {
		t.Errorf("mounts = %+v", req.Mounts)
	}
}

func TestLibpodSpecRefusesUnapplied(t *testing.T) {
	for _, body := range []string{
		`{"image":"x","healthconfig":{"Test":["CMD","true"]}}`,
		`{"image":"x","umask":"0077"}`,
		`{"image":"x","use_image_resolve_conf":true}`,
	} {
		if err := checkUnapplied([]byte(body)); !errors.Is(err, define.ErrNotImplemented) {
			t.Errorf("%s: err = %v, want not implemented", body, err)
		}
	}
}

func TestSpecPortFlag(t *testing.T) {
	for _, tc := range []struct {
		p    specPort
		want string
	}{
		{specPort{ContainerPort: 80, HostPort: 8080}, "8080:80"},
		{specPort{ContainerPort: 80}, "80"},
		{specPort{ContainerPort: 53, HostPort: 5353, Protocol: "udp", HostIP: "127.0.0.1"}, "127.0.0.1:5353:53/udp"},
		{specPort{ContainerPort: 80, Range: 3, HostIP: "::1"}, "[::1]::80-82"},
		{specPort{ContainerPort: 80, HostPort: 9000, Range: 2}, "9000-9001:80-81"},
	} {
		if got := tc.p.Flag(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.p, got, tc.want)
		}
	}
}
