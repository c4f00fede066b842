package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// kube generate describes a container as podman does: a Pod named after
// it, with what differs from the image, its bind mount as hostPath and its
// named volume as a claim; the volume itself as a PersistentVolumeClaim.
func TestKubeGenerate(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("volume", "create", "vol1")
	host := t.TempDir()
	p.MustRun("create", "--name", "web", "-e", "FOO=bar", "-v", "vol1:/data", "-v", host+":/hosttmp:ro",
		"-w", "/tmp", "--user", "1000", Image, "sleep", "1000")
	out := p.MustRun("kube", "generate", "web", "vol1").Stdout
	for _, want := range []string{"# Created with pier-", "kind: PersistentVolumeClaim\n", "volume.podman.io/driver: local",
		"kind: Pod\n", "  name: web-pod\n", "    - sleep\n", "    - name: FOO\n      value: bar\n", "runAsUser: 1000",
		"workingDir: /tmp", "claimName: vol1", "path: " + host, "name: " + strings.ToLower(strings.ReplaceAll(strings.Trim(host, "/"), "/", "-")) + "-host-0"} {
		if !strings.Contains(out, want) {
			t.Errorf("generate lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "PATH") || strings.Contains(out, "resources: {}") {
		t.Errorf("generate has defaults:\n%s", out)
	}
	svc := p.MustRun("generate", "kube", "--service", "web").Stdout
	if !strings.Contains(svc, "kind: Service\n") || !strings.Contains(svc, "type: NodePort") {
		t.Errorf("--service:\n%s", svc)
	}
	f := filepath.Join(t.TempDir(), "out.yaml")
	p.MustRun("kube", "generate", "-f", f, "web")
	if b, err := os.ReadFile(f); err != nil || !strings.Contains(string(b), "kind: Pod") {
		t.Errorf("-f: %q %v", b, err)
	}
	r := p.Expect(125, "kube", "generate", "-f", f, "web")
	if !strings.Contains(r.Stderr, "file exists") {
		t.Errorf("-f over a file: %s", r)
	}
	r = p.Expect(125, "kube", "generate", "nosuch")
	if !strings.Contains(r.Stderr, `Error: name or ID "nosuch" not found`) {
		t.Errorf("missing object: %s", r)
	}
	p.MustRun("rm", "web")
	p.MustRun("volume", "rm", "vol1")
}

const kubePlayYAML = `apiVersion: v1
kind: ConfigMap
metadata:
  name: webcfg
data:
  greeting: hello-kube
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: webdata
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web
spec:
  containers:
  - name: server
    image: IMAGE
    command: ["sh", "-c", "mkdir -p /tmp/www; echo $GREETING > /tmp/www/index.html; httpd -f -p 8080 -h /tmp/www"]
    env:
    - name: GREETING
      valueFrom:
        configMapKeyRef:
          name: webcfg
          key: greeting
    ports:
    - containerPort: 8080
      hostPort: HOSTPORT
      hostIP: 127.0.0.1
    volumeMounts:
    - name: data
      mountPath: /data
  - name: client
    image: IMAGE
    args: ["sleep", "1000"]
    volumeMounts:
    - name: data
      mountPath: /data
    - name: cfg
      mountPath: /etc/webcfg
      readOnly: true
  volumes:
  - name: data
    persistentVolumeClaim:
      claimName: webdata
  - name: cfg
    configMap:
      name: webcfg
`

// kube play of a Pod with two containers, a ConfigMap and a claim: both
// containers run in one pod (they share localhost), the hostPort answers
// from the host, the claim is a named volume they share; kube down
// removes the pod and its containers, --force the volumes too.
func TestKubePlayDown(t *testing.T) {
	p := newPier(t)
	before := hostNetState(t)
	port := freeTCPPort(t)
	y := strings.NewReplacer("IMAGE", Image, "HOSTPORT", fmt.Sprint(port)).Replace(kubePlayYAML)
	f := filepath.Join(t.TempDir(), "web.yaml")
	if err := os.WriteFile(f, []byte(y), 0o644); err != nil {
		t.Fatal(err)
	}
	out := p.MustRun("kube", "play", f).Out()
	podID := p.MustRun("pod", "inspect", "--format", "{{.ID}}", "web").Out()
	want := "Volumes:\nwebdata\nPod:\n" + podID + "\nContainers:\n"
	if !strings.HasPrefix(out, want) || len(strings.Fields(out)) != 7 {
		t.Fatalf("report %q, want %q and two IDs", out, want)
	}
	for _, c := range []string{"web-server", "web-client"} {
		if got := p.Inspect(c, "{{.Pod}} {{.State.Status}}"); got != podID+" running" {
			t.Errorf("%s: %q", c, got)
		}
	}
	url := fmt.Sprintf("http://127.0.0.1:%d/index.html", port)
	waitHTTPBody(t, url, "hello-kube")
	if got := p.MustRun("exec", "web-client", "wget", "-qO-", "http://localhost:8080/index.html").Out(); got != "hello-kube" {
		t.Errorf("localhost between the pod's containers: %q", got)
	}
	if got := p.MustRun("exec", "web-client", "cat", "/etc/webcfg/greeting").Out(); got != "hello-kube" {
		t.Errorf("configMap volume: %q", got)
	}
	p.MustRun("exec", "web-server", "touch", "/data/shared")
	p.MustRun("exec", "web-client", "test", "-f", "/data/shared")

	r := p.Expect(125, "kube", "play", f)
	if !strings.Contains(r.Stderr, `name "web" is in use`) {
		t.Errorf("second play: %s", r)
	}
	down := p.MustRun("kube", "down", f).Out()
	if want := "Pods stopped:\n" + podID + "\nPods removed:\n" + podID + "\nSecrets removed:\nVolumes removed:"; down != want {
		t.Errorf("down: %q, want %q", down, want)
	}
	if got := p.MustRun("pod", "ps", "-q").Out(); got != "" {
		t.Errorf("pods left: %q", got)
	}
	if got := p.MustRun("ps", "-aq").Out(); got != "" {
		t.Errorf("containers left: %q", got)
	}
	if got := p.MustRun("volume", "ls", "-q", "--filter", "name=webcfg", "--filter", "name=webdata").Lines(); len(got) != 2 {
		t.Errorf("volumes kept without --force: %q", got)
	}
	if got := p.MustRun("kube", "down", "--force", f).Out(); !strings.HasSuffix(got, "Volumes removed:\nwebdata\nwebcfg") {
		t.Errorf("down --force: %q", got)
	}
	p.MustRun("network", "rm", "podman-default-kube-network")
	checkNetStateSame(t, before, podID[:12], fmt.Sprint(port))
}

// Bad YAML is one error naming the line, and nothing is created.
func TestKubePlayBadInput(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	r := p.Expect(125, "kube", "play", "-")
	if !strings.Contains(r.Stderr, "YAML document does not contain any supported kube kind") {
		t.Errorf("empty input: %s", r)
	}
	r = p.RunWith(RunOpts{Stdin: strings.NewReader("kind: Pod\nmetadata:\n  name: [\n")}, "kube", "play", "-")
	if r.ExitCode != 125 || !strings.Contains(r.Stderr, "yaml: line") {
		t.Errorf("malformed: %s", r)
	}
	bad := "kind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: a\n    image: " + Image +
		"\n  - name: b\n    image: " + Image + "\n    volumeMounts:\n    - name: nope\n      mountPath: /x\n"
	r = p.RunWith(RunOpts{Stdin: strings.NewReader(bad)}, "kube", "play", "-")
	if r.ExitCode != 125 || !strings.Contains(r.Stderr, "volume mount nope specified for container but not configured in volumes") {
		t.Errorf("bad volume: %s", r)
	}
	if got := p.MustRun("pod", "ps", "-q").Out() + p.MustRun("ps", "-aq").Out(); got != "" {
		t.Errorf("bad input left objects: %q", got)
	}
}

// --service-container: a container named after the YAML's digest runs
// while the pod runs, stops once the pod has exited, cannot be removed on
// its own and goes with the pod.
func TestKubePlayServiceContainer(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	y := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: svcpod\nspec:\n  containers:\n  - name: main\n    image: " + Image + "\n    command: [\"sleep\", \"1000\"]\n"
	sum := sha256.Sum256([]byte(y))
	svc := hex.EncodeToString(sum[:])[:12] + "-service"
	p.MustRun("kube", "play", "--service-container", "--network", "none", writeTemp(t, y))
	if got := p.Inspect(svc, "{{.State.Running}} {{.IsService}}"); got != "true true" {
		t.Fatalf("service container: %q", got)
	}
	p.MustRun("stop", "-t", "0", "svcpod-main")
	if !eventually(10*time.Second, func() bool {
		return p.MustRun("pod", "inspect", "--format", "{{.State}}", "svcpod").Out() == "Exited" && p.Status(svc) != "running"
	}) {
		t.Errorf("after the last container stopped: pod %q, service %q", p.MustRun("pod", "inspect", "--format", "{{.State}}", "svcpod").Out(), p.Status(svc))
	}
	p.MustRun("pod", "start", "svcpod")
	if got := p.Status(svc); got != "running" {
		t.Errorf("pod start leaves the service %q", got)
	}
	r := p.Expect(125, "rm", "-f", svc)
	if !strings.Contains(r.Stderr, "is the service container of pod(s)") {
		t.Errorf("rm of the service container: %s", r)
	}
	p.MustRun("pod", "rm", "-f", "-t", "0", "svcpod")
	if r := p.Run("container", "exists", svc); r.ExitCode != 1 {
		t.Errorf("service container left after pod rm: %s", r)
	}
}

// --build builds DIR/NAME/Containerfile for an image named NAME (DIR is
// --context-dir); without --build only a missing image is built.
func TestKubePlayBuild(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "kubeimg"), 0o755); err != nil {
		t.Fatal(err)
	}
	cf := "FROM " + Image + "\nUSER 1000\nLABEL built=first\n"
	if err := os.WriteFile(filepath.Join(dir, "kubeimg", "Containerfile"), []byte(cf), 0o644); err != nil {
		t.Fatal(err)
	}
	y := writeTemp(t, "kind: Pod\nmetadata:\n  name: bp\nspec:\n  containers:\n  - name: c\n    image: localhost/kubeimg\n    command: [\"id\", \"-u\"]\n")
	r := p.Expect(125, "kube", "play", "--context-dir", dir, y)
	if !strings.Contains(r.Stderr, "--build must be specified when using --context-dir option") {
		t.Errorf("--context-dir alone: %s", r)
	}
	p.MustRun("kube", "play", "--build", "--context-dir", dir, "--start=false", y)
	if got := p.Inspect("bp-c", "{{.Config.User}}"); got != "1000" {
		t.Errorf("built image's user: %q", got)
	}
	p.MustRun("kube", "down", y)
	p.MustRun("rmi", "localhost/kubeimg")
}

func writeTemp(t *testing.T, content string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "kube.yaml")
	if err := os.WriteFile(f, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// generate of a played pod gives YAML that plays back to the same
// containers (round trip: play, generate, down, play).
func TestKubeGenerateRoundTrip(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	y := "kind: Pod\nmetadata:\n  name: rt\nspec:\n  containers:\n  - name: app\n    image: " + Image +
		"\n    command: [\"sleep\", \"1000\"]\n    env:\n    - name: COLOR\n      value: blue\n    workingDir: /tmp\n"
	p.MustRun("kube", "play", "--network", "none", writeTemp(t, y))
	gen := p.MustRun("kube", "generate", "rt").Stdout
	for _, want := range []string{"kind: Pod\n", "  name: rt\n", "    name: rt-app\n", "    - name: COLOR\n      value: blue\n", "workingDir: /tmp", "restartPolicy: Always"} {
		if !strings.Contains(gen, want) {
			t.Errorf("generate lacks %q:\n%s", want, gen)
		}
	}
	f := writeTemp(t, gen)
	p.MustRun("kube", "down", f) // same pod name: removes the played pod
	if got := p.MustRun("pod", "ps", "-q").Out(); got != "" {
		t.Fatalf("pods left: %q", got)
	}
	p.MustRun("kube", "play", "--network", "none", f)
	if got := p.MustRun("exec", "rt-rt-app", "sh", "-c", "echo $COLOR $(pwd)").Out(); got != "blue /tmp" {
		t.Errorf("played back: %q", got)
	}
	p.MustRun("kube", "down", f)
}

// A Deployment (2 replicas: one pod, with podman's warning) with a Service,
// a Secret and a ConfigMap: the Secret goes into pier's secret store and
// reaches the container as env and as files; kube down removes the pod and
// the secret, and leaves no container behind.
func TestKubePlayDeploymentSecret(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	y := `apiVersion: v1
kind: Secret
metadata:
  name: creds
stringData:
  password: hunter2
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  MODE: fast
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports:
  - port: 80
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: app
        image: ` + Image + `
        command: ["sleep", "1000"]
        envFrom:
        - configMapRef:
            name: settings
        env:
        - name: PW
          valueFrom:
            secretKeyRef:
              name: creds
              key: password
        volumeMounts:
        - name: creds
          mountPath: /etc/creds
      volumes:
      - name: creds
        secret:
          secretName: creds
`
	f := writeTemp(t, y)
	r := p.MustRun("kube", "play", "--network", "none", f)
	if !strings.HasPrefix(r.Stdout, "Secrets:\n") || !strings.Contains(r.Stderr, "Limiting replica count to 1") {
		t.Errorf("play: %s", r)
	}
	if got := p.MustRun("pod", "ps", "--format", "{{.Name}}").Out(); got != "web-pod" {
		t.Errorf("pods: %q", got)
	}
	if got := p.MustRun("exec", "web-pod-app", "sh", "-c", "echo $MODE $PW $(cat /etc/creds/password)").Out(); got != "fast hunter2 hunter2" {
		t.Errorf("env and secret file: %q", got)
	}
	if got := p.MustRun("secret", "ls", "--format", "{{.Name}}").Out(); got != "creds" {
		t.Errorf("secret store: %q", got)
	}
	down := p.MustRun("kube", "down", "--force", f).Out()
	if !strings.Contains(down, "Secrets removed:\n") || strings.Contains(down, "Secrets removed:\nVolumes") {
		t.Errorf("down: %q", down)
	}
	if got := p.MustRun("pod", "ps", "-q").Out() + p.MustRun("ps", "-aq").Out() + p.MustRun("secret", "ls", "-q").Out(); got != "" {
		t.Errorf("left after down: %q", got)
	}
}
