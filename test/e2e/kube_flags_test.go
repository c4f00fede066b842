package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// writeKube writes a YAML with IMAGE replaced by the test image.
func writeKube(t *testing.T, name, y string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(f, []byte(strings.ReplaceAll(y, "IMAGE", Image)), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

const kubeExitYAML = `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: waitvol
---
apiVersion: v1
kind: Pod
metadata:
  name: waitpod
spec:
  restartPolicy: Never
  containers:
  - name: c1
    image: IMAGE
    command: ["sh", "-c", "CMD"]
    volumeMounts:
    - name: v
      mountPath: /v
  volumes:
  - name: v
    persistentVolumeClaim:
      claimName: waitvol
`

// kube play --wait stays until the pod's containers exited, then removes
// the pods, the service container and the volumes, as podman's does.
func TestKubePlayWaitPodsExit(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	f := writeKube(t, "w.yaml", strings.Replace(kubeExitYAML, "CMD", "sleep 1; exit 3", 1))
	r := p.MustRun("kube", "play", "--wait", f)
	if !strings.HasPrefix(r.Stdout, "Use ctrl+c to clean up or wait for pods to exit\nVolumes:\nwaitvol\nPod:\n") ||
		!strings.Contains(r.Stdout, "\nCleaning up containers, pods, and volumes...\nPods stopped:\n") ||
		!strings.HasSuffix(r.Stdout, "Volumes removed:\nwaitvol\n") {
		t.Errorf("report:\n%s", r.Stdout)
	}
	if r.Duration < time.Second {
		t.Errorf("returned after %s, before the pod exited", r.Duration)
	}
	if out := p.MustRun("ps", "-aq").Out() + p.MustRun("pod", "ps", "-q").Out() + p.MustRun("volume", "ls", "-q").Out(); out != "" {
		t.Errorf("left behind: %q", out)
	}
}

// SIGINT (or SIGTERM) to kube play --wait tears down at once what the YAML
// made, though its containers still run.
func TestKubePlayWaitSignal(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	f := writeKube(t, "w.yaml", strings.Replace(kubeExitYAML, "CMD", "trap 'exit 0' TERM; sleep 600 & wait", 1))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := p.Command(ctx, RunOpts{}, "kube", "play", "--wait", f)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if !eventually(30*time.Second, func() bool {
		return p.Run("container", "exists", "waitpod-c1").ExitCode == 0 && p.Status("waitpod-c1") == "running"
	}) {
		t.Fatalf("pod never ran: %s", stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("kube play --wait after SIGINT: %v %s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "\n\nCleaning up containers, pods, and volumes...\nPods stopped:\n") {
		t.Errorf("report:\n%s", stdout.String())
	}
	if out := p.MustRun("ps", "-aq").Out() + p.MustRun("pod", "ps", "-q").Out() + p.MustRun("volume", "ls", "-q").Out(); out != "" {
		t.Errorf("left behind: %q", out)
	}
}

// --service-exit-code-propagation decides how the service container ends
// once the pods are done: killed (137) when any/all containers failed,
// else stopped (0); a bad value is refused before anything is made.
func TestKubePlayExitCodePropagation(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	y := strings.Replace(kubeExitYAML, "CMD", "exit 3", 1)
	f := writeKube(t, "p.yaml", y)
	data, _ := os.ReadFile(f)
	svc := serviceName(data)
	for _, tc := range []struct {
		prop, want string
	}{{"", "none 0"}, {"none", "none 0"}, {"any", "any 137"}, {"all", "all 137"}} {
		args := []string{"kube", "play", "--service-container", f}
		if tc.prop != "" {
			args = append(args, "--service-exit-code-propagation", tc.prop)
		}
		p.MustRun(args...)
		var got string
		if !eventually(20*time.Second, func() bool {
			got = p.Inspect(svc, "{{.KubeExitCodePropagation}} {{.State.Status}} {{.State.ExitCode}}")
			return strings.Contains(got, "exited")
		}) {
			t.Fatalf("%q: service container %q", tc.prop, got)
		}
		if got != strings.Replace(tc.want, " ", " exited ", 1) {
			t.Errorf("%q: service container %q, want %q", tc.prop, got, tc.want)
		}
		p.MustRun("kube", "down", "--force", f)
	}
	r := p.Expect(125, "kube", "play", "--service-container", "--service-exit-code-propagation", "bogus", f)
	p.ExpectEngineError(r, `unsupported exit-code propagation "bogus"`)
	if out := p.MustRun("ps", "-aq").Out() + p.MustRun("pod", "ps", "-q").Out(); out != "" {
		t.Errorf("bad value left: %q", out)
	}
}

const kubeSleepYAML = `apiVersion: v1
kind: Pod
metadata:
  name: NAME
  annotations:
    ANN
spec:
  containers:
  - name: c1
    image: IMAGE
    command: ["sleep", "600"]
`

func sleepPod(name, ann string) string {
	if ann == "" {
		ann = "x: y"
	}
	return strings.NewReplacer("NAME", name, "ANN", ann).Replace(kubeSleepYAML)
}

// --ip and --mac-address go to the played pods in order; a non-bridge
// network is refused with podman's words.
func TestKubePlayStaticIPMAC(t *testing.T) {
	p := newPier(t)
	p.MustRun("network", "create", "--subnet", "10.231.77.0/24", "kipnet")
	f := writeKube(t, "two.yaml", sleepPod("ipa", "")+"---\n"+sleepPod("ipb", ""))
	p.MustRun("kube", "play", "--network", "kipnet", "--ip", "10.231.77.50", "--ip", "10.231.77.51",
		"--mac-address", "92:d0:c6:0a:29:33", f)
	for ctr, want := range map[string]string{"ipa-c1": "10.231.77.50", "ipb-c1": "10.231.77.51"} {
		if out := p.MustRun("exec", ctr, "ip", "-4", "addr", "show", "eth0").Out(); !strings.Contains(out, "inet "+want+"/24") {
			t.Errorf("%s: %s", ctr, out)
		}
	}
	if mac := p.MustRun("exec", "ipa-c1", "cat", "/sys/class/net/eth0/address").Out(); mac != "92:d0:c6:0a:29:33" {
		t.Errorf("mac %q", mac)
	}
	p.MustRun("kube", "down", f)
	g := writeKube(t, "one.yaml", sleepPod("iph", ""))
	r := p.Expect(125, "kube", "play", "--network", "host", "--ip", "10.231.77.50", g)
	p.ExpectEngineError(r, "static ip addresses can only be set when the network mode is bridge")
	r = p.Expect(125, "kube", "play", "--mac-address", "nope", g)
	p.ExpectEngineError(r, "invalid MAC address")
	p.MustRun("kube", "down", g)
	p.MustRun("network", "rm", "kipnet")
}

// --no-hosts leaves the image's /etc/hosts in the pod's containers.
func TestKubePlayNoHosts(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	f := writeKube(t, "h.yaml", sleepPod("hostsp", ""))
	p.MustRun("kube", "play", "--network", "none", f)
	if out := p.MustRun("exec", "hostsp-c1", "cat", "/etc/hosts").Out(); !strings.Contains(out, "hostsp") {
		t.Errorf("default /etc/hosts lacks the pod: %q", out)
	}
	p.MustRun("kube", "play", "--replace", "--no-hosts", "--network", "none", f)
	if out := p.MustRun("exec", "hostsp-c1", "cat", "/etc/hosts").Out(); out != "127.0.0.1 localhost" {
		t.Errorf("--no-hosts: /etc/hosts %q, want the image's", out)
	}
	p.MustRun("kube", "down", f)
}

// The Kubernetes seccomp annotations pick the containers' profiles:
// localhost/NAME under --seccomp-profile-root, unconfined none.
func TestKubePlaySeccompProfileRoot(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	root := t.TempDir()
	prof := `{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO"}]}`
	if err := os.WriteFile(filepath.Join(root, "nomkdir.json"), []byte(prof), 0o644); err != nil {
		t.Fatal(err)
	}
	f := writeKube(t, "s.yaml", sleepPod("secp", "container.seccomp.security.alpha.kubernetes.io/c1: localhost/nomkdir.json"))
	r := p.Expect(125, "kube", "play", "--network", "none", f)
	p.ExpectEngineError(r, "/var/lib/kubelet/seccomp/nomkdir.json")
	if out := p.MustRun("pod", "ps", "-q").Out(); out != "" {
		t.Errorf("failed play left a pod: %q", out)
	}
	p.MustRun("kube", "play", "--network", "none", "--seccomp-profile-root", root, f)
	if r := p.Run("exec", "secp-c1", "mkdir", "/tmp/x"); r.ExitCode == 0 {
		t.Errorf("mkdir allowed under the localhost profile: %s", r)
	}
	p.MustRun("exec", "secp-c1", "touch", "/tmp/y")
	p.MustRun("kube", "down", f)
	g := writeKube(t, "u.yaml", sleepPod("secu", "seccomp.security.alpha.kubernetes.io/pod: unconfined"))
	p.MustRun("kube", "play", "--network", "none", g)
	if out := p.MustRun("exec", "secu-c1", "grep", "^Seccomp:", "/proc/self/status").Out(); !strings.HasSuffix(out, "0") {
		t.Errorf("unconfined: %q", out)
	}
	p.MustRun("kube", "down", g)
}

// kube down takes several files, as kube play does.
func TestKubeDownFiles(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	a := writeKube(t, "a.yaml", sleepPod("downa", ""))
	b := writeKube(t, "b.yaml", sleepPod("downb", ""))
	p.MustRun("kube", "play", "--network", "none", "--start=false", a, b)
	out := p.MustRun("kube", "down", a, b).Stdout
	if strings.Count(out, "\n") != 8 || !strings.HasPrefix(out, "Pods stopped:\n") {
		t.Errorf("report:\n%s", out)
	}
	if out := p.MustRun("pod", "ps", "-q").Out(); out != "" {
		t.Errorf("left: %q", out)
	}
}

// serviceName is podman's service container name for a YAML.
func serviceName(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])[:12] + "-service"
}

// --userns sets the pod's user namespace, which its containers join;
// without it podman's userns annotation does; --no-hostname leaves the
// containers without an /etc/hostname of pier's.
func TestKubePlayUsernsNoHostname(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	const auto = "auto:uidmapping=0:300000:65536,gidmapping=0:300000:65536"
	f := writeKube(t, "u.yaml", sleepPod("usp", `io.podman.annotations.userns: "`+auto+`"`))
	p.MustRun("kube", "play", "--network", "none", f)
	if out := strings.Fields(p.MustRun("exec", "usp-c1", "cat", "/proc/self/uid_map").Out()); strings.Join(out, " ") != "0 300000 65536" {
		t.Errorf("annotation: uid_map %q", out)
	}
	p.MustRun("kube", "play", "--replace", "--network", "none", "--userns", "host", "--no-hostname", f)
	if out := strings.Fields(p.MustRun("exec", "usp-c1", "cat", "/proc/self/uid_map").Out()); strings.Join(out, " ") != "0 0 4294967295" {
		t.Errorf("--userns host: uid_map %q", out)
	}
	if r := p.Run("exec", "usp-c1", "cat", "/etc/hostname"); r.ExitCode == 0 {
		t.Errorf("--no-hostname: /etc/hostname exists: %s", r)
	}
	p.MustRun("kube", "down", f)
}
