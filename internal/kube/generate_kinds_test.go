package kube

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	"sigs.k8s.io/yaml"

	"github.com/pier-engine/pier/internal/define"
)

func genWebPod(t *testing.T, restart string, opts GenerateOptions) []byte {
	t.Helper()
	cfg := &define.ContainerConfig{Name: "web", Image: "localhost/busybox:latest", Cmd: []string{"sleep", "1000"},
		RestartPolicy: restart, NetworkMode: "bridge",
		Annotations: map[string]string{"foo": "bar", "io.podman.annotations.init": "TRUE"}}
	pod, err := GeneratePod(nil, []GenContainer{{Config: cfg}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := WrapKind(pod, opts, true)
	if err != nil {
		t.Fatal(err)
	}
	y, err := Marshal(obj, true)
	if err != nil {
		t.Fatal(err)
	}
	return y
}

// Each --type decodes strictly into its Kubernetes type and plays back to
// the pod podman would make of it (NAME-pod, same container).
func TestGenerateKinds(t *testing.T) {
	for _, tc := range []struct {
		typ, restart string
		into         any
		want         []string
	}{
		{KindDeployment, "", &appsv1.Deployment{}, []string{"kind: Deployment\n", "name: web-pod-deployment\n", "replicas: 3\n", "matchLabels:\n      app: web-pod\n"}},
		{KindDaemonSet, "always", &appsv1.DaemonSet{}, []string{"kind: DaemonSet\n", "name: web-pod-daemonset\n", "updateStrategy: {}\n"}},
		{KindJob, "no", &batchv1.Job{}, []string{"apiVersion: batch/v1\n", "name: web-pod-job\n", "completions: 1\n", "parallelism: 1\n", "restartPolicy: Never\n"}},
	} {
		opts := GenerateOptions{Type: tc.typ, Replicas: 1}
		if tc.typ == KindDeployment {
			opts.Replicas = 3
		}
		y := string(genWebPod(t, tc.restart, opts))
		for _, w := range append(tc.want, "foo/web: bar\n") {
			if !strings.Contains(y, w) {
				t.Errorf("%s lacks %q:\n%s", tc.typ, w, y)
			}
		}
		for _, bad := range []string{"status:", "strategy: {}", "io.podman.annotations.init"} {
			if strings.Contains(y, bad) && !(bad == "strategy: {}" && tc.typ == KindDaemonSet) {
				t.Errorf("%s has %q:\n%s", tc.typ, bad, y)
			}
		}
		if err := yaml.UnmarshalStrict([]byte(y), tc.into); err != nil {
			t.Errorf("%s strict decode: %v", tc.typ, err)
		}
		o := mustParse(t, y)
		p, err := Plan(&o.Workloads[0], o, &Options{})
		if err != nil {
			t.Fatal(err)
		}
		if p.Pod.Name != "web-pod-"+tc.typ+"-pod" || p.Containers[0].Name != p.Pod.Name+"-web" {
			t.Errorf("%s played back as pod %s, container %s", tc.typ, p.Pod.Name, p.Containers[0].Name)
		}
	}
	y := string(genWebPod(t, "", GenerateOptions{Type: KindPod, PodmanOnly: true}))
	if !strings.Contains(y, `io.podman.annotations.init/web: "TRUE"`) {
		t.Errorf("--podman-only lacks the init annotation:\n%s", y)
	}
}

func TestGenerateKindErrors(t *testing.T) {
	for _, tc := range []struct {
		opts GenerateOptions
		want string
	}{
		{GenerateOptions{Type: KindJob, Replicas: 2}, "--replicas can only be set when --type is set to deployment"},
		{GenerateOptions{Type: KindDeployment, Replicas: -1}, "--replicas has to be greater than or equal to 1"},
	} {
		if err := ValidateGenerateOptions(&tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v", tc.opts, err)
		}
	}
	cfg := &define.ContainerConfig{Name: "web", Image: "busybox", RestartPolicy: "no"}
	for typ, want := range map[string]string{
		KindDeployment: "k8s Deployments can only have restartPolicy set to Always",
		KindDaemonSet:  "k8s DaemonSets can only have restartPolicy set to Always",
		"bogus":        "only pods, deployments, jobs, and daemonsets are currently supported: bogus",
	} {
		pod, err := GeneratePod(nil, []GenContainer{{Config: cfg}}, GenerateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := WrapKind(pod, GenerateOptions{Type: typ}, true); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v", typ, err)
		}
	}
	cfg.RestartPolicy = "always"
	pod, _ := GeneratePod(nil, []GenContainer{{Config: cfg}}, GenerateOptions{})
	if _, err := WrapKind(pod, GenerateOptions{Type: KindJob}, true); err == nil || !strings.Contains(err.Error(), "k8s Jobs can not have restartPolicy set to Always") {
		t.Errorf("job: %v", err)
	}
}
