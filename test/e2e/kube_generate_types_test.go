package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	"sigs.k8s.io/yaml"
)

// kube generate --type deployment|daemonset|job writes the container's pod
// as that kind's template (strictly valid Kubernetes), and kube play of it
// brings the same container back in the NAME-pod pod.
func TestKubeGenerateTypes(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	for _, tc := range []struct {
		typ, restart string
		into         any
		extra        []string
	}{
		{"deployment", "always", &appsv1.Deployment{}, []string{"--replicas", "2"}},
		{"daemonset", "always", &appsv1.DaemonSet{}, nil},
		{"job", "no", &batchv1.Job{}, nil},
	} {
		p.MustRun("create", "--name", "gen", "--restart", tc.restart, "--annotation", "team=blue", "-e", "GREETING=hi",
			Image, "sh", "-c", "echo $GREETING; sleep 600")
		args := append([]string{"kube", "generate", "--type", tc.typ, "gen"}, tc.extra...)
		y := p.MustRun(args...).Stdout
		if err := yaml.UnmarshalStrict([]byte(y), tc.into); err != nil {
			t.Fatalf("%s: strict decode: %v\n%s", tc.typ, err, y)
		}
		if !strings.Contains(y, "name: gen-pod-"+tc.typ+"\n") || !strings.Contains(y, "team/gen: blue") {
			t.Errorf("%s:\n%s", tc.typ, y)
		}
		if tc.typ == "deployment" && !strings.Contains(y, "replicas: 2\n") {
			t.Errorf("--replicas 2:\n%s", y)
		}
		f := filepath.Join(t.TempDir(), tc.typ+".yaml")
		if err := os.WriteFile(f, []byte(y), 0o644); err != nil {
			t.Fatal(err)
		}
		p.MustRun("rm", "gen")
		p.MustRun("kube", "play", "--network", "none", f)
		ctr := "gen-pod-" + tc.typ + "-pod-gen"
		if got := p.WaitLogs(ctr, "hi", 20*time.Second); !strings.Contains(got, "hi") {
			t.Errorf("%s: played container logs %q", tc.typ, got)
		}
		p.MustRun("kube", "down", f)
	}
	p.MustRun("create", "--name", "gen", "--restart", "no", Image, "true")
	r := p.Expect(125, "kube", "generate", "--type", "deployment", "gen")
	p.ExpectEngineError(r, "k8s Deployments can only have restartPolicy set to Always")
	r = p.Expect(125, "kube", "generate", "--type", "job", "--replicas", "3", "gen")
	p.ExpectEngineError(r, "--replicas can only be set when --type is set to deployment")
	p.MustRun("rm", "gen")
}

// --privileged, -P and --security-opt seccomp= leave podman's annotations
// on the container, which kube generate carries only with --podman-only.
func TestKubeGeneratePodmanOnly(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("create", "--name", "po", "--privileged", "-P", "--init", "--security-opt", "seccomp=unconfined", Image, "true")
	ann := p.Inspect("po", `{{index .Config.Annotations "io.podman.annotations.privileged"}} {{index .Config.Annotations "io.podman.annotations.publish-all"}} {{index .Config.Annotations "io.podman.annotations.seccomp"}}`)
	if ann != "TRUE TRUE unconfined" {
		t.Errorf("annotations %q", ann)
	}
	all := p.MustRun("kube", "generate", "--podman-only", "po").Stdout
	for _, w := range []string{`io.podman.annotations.privileged/po: "TRUE"`, `io.podman.annotations.publish-all/po: "TRUE"`,
		`io.podman.annotations.init/po: "TRUE"`, "io.podman.annotations.seccomp/po: unconfined"} {
		if !strings.Contains(all, w) {
			t.Errorf("--podman-only lacks %q:\n%s", w, all)
		}
	}
	if plain := p.MustRun("kube", "generate", "po").Stdout; strings.Contains(plain, "io.podman.annotations") {
		t.Errorf("without --podman-only:\n%s", plain)
	}
	p.MustRun("rm", "po")
}

// A pod member carries podman's SandboxID annotation (its infra
// container), which kube generate of the pod shows per container.
func TestKubeGeneratePodSandboxID(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("pod", "create", "--name", "sbp")
	p.MustRun("create", "--pod", "sbp", "--name", "sbc", Image, "sleep", "100")
	infra := p.MustRun("pod", "inspect", "--format", "{{.InfraContainerID}}", "sbp").Out()
	if got := p.Inspect("sbc", `{{index .Config.Annotations "io.kubernetes.cri-o.SandboxID"}}`); got != infra {
		t.Errorf("SandboxID %q, want the infra %q", got, infra)
	}
	if y := p.MustRun("kube", "generate", "sbp").Stdout; !strings.Contains(y, "io.kubernetes.cri-o.SandboxID/sbc: "+infra+"\n") {
		t.Errorf("generate:\n%s", y)
	}
	p.MustRun("pod", "rm", "-f", "sbp")
}

// A container made with --init, generated with --podman-only, plays back
// with its init process as PID 1, as podman's.
func TestKubePodmanOnlyInitRoundTrip(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("create", "--name", "ini", "--init", Image, "sleep", "600")
	y := p.MustRun("kube", "generate", "--podman-only", "ini").Stdout
	f := filepath.Join(t.TempDir(), "ini.yaml")
	if err := os.WriteFile(f, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	p.MustRun("rm", "ini")
	p.MustRun("kube", "play", "--network", "none", f)
	if got := p.Inspect("ini-pod-ini", "{{.HostConfig.Init}}"); got != "true" {
		t.Errorf("played container Init %q\n%s", got, y)
	}
	if comm := p.MustRun("exec", "ini-pod-ini", "cat", "/proc/1/comm").Out(); comm == "sleep" {
		t.Errorf("PID 1 is %q, want the init", comm)
	}
	p.MustRun("kube", "down", f)
}
