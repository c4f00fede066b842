package kube

import (
	"strings"
	"testing"

	"go.podman.io/common/libnetwork/types"
	"sigs.k8s.io/yaml"

	"github.com/pier-engine/pier/internal/define"
	v1 "k8s.io/api/core/v1"
)

// A generated pod is YAML that kube play reads back to the same
// container, and that the Kubernetes types accept strictly.
func TestGenerateRoundTrip(t *testing.T) {
	cfg := &define.ContainerConfig{Name: "web_1", Image: "localhost/busybox:latest", Cmd: []string{"sleep", "1000"},
		Env:        []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "FOO=bar", "IMG=1"},
		WorkingDir: "/tmp", User: "1000:1000", RestartPolicy: "always", NetworkMode: "bridge",
		PortMappings: []types.PortMapping{{HostPort: 8080, ContainerPort: 80, Protocol: "tcp", Range: 1}},
		Mounts: []define.Mount{{Type: "bind", Source: "/tmp", Destination: "/hosttmp", Options: []string{"ro"}},
			{Type: "volume", Name: "vol1", Destination: "/data"}}}
	pod, err := GeneratePod(nil, []GenContainer{{Config: cfg, ImageCmd: []string{"sh"}, ImageEnv: []string{"IMG=1"}}}, GenerateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	y, err := Marshal(pod, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"name: web1-pod", "app: web1-pod", "claimName: vol1", "name: tmp-host-0", "hostPort: 8080", "runAsUser: 1000", "restartPolicy: Always"} {
		if !strings.Contains(string(y), want) {
			t.Errorf("YAML lacks %q:\n%s", want, y)
		}
	}
	for _, bad := range []string{"status:", "resources:", "PATH", "IMG"} {
		if strings.Contains(string(y), bad) {
			t.Errorf("YAML has %q:\n%s", bad, y)
		}
	}
	var strict v1.Pod
	if err := yaml.UnmarshalStrict(y, &strict); err != nil {
		t.Fatalf("strict decode: %v", err)
	}
	o := mustParse(t, string(y))
	p, err := Plan(&o.Workloads[0], o, &Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := p.Containers[0]
	if c.Name != "web1-pod-web1" || *c.Entrypoint != `["sleep","1000"]` || c.User != "1000:1000" || c.WorkingDir != "/tmp" {
		t.Errorf("played back: %+v", c)
	}
	if len(c.Mounts) != 2 || c.Mounts[0].Source != "/tmp" || c.Mounts[1].Name != "vol1" || p.Pod.PortMappings[0].HostPort != 8080 {
		t.Errorf("mounts %+v ports %+v", c.Mounts, p.Pod.PortMappings)
	}
	svc := GenerateService(pod)
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 80 || svc.Spec.Ports[0].NodePort < 30000 || svc.Spec.Selector["app"] != "web1-pod" {
		t.Errorf("service: %+v", svc.Spec)
	}
}
