package kube

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/pier-engine/pier/internal/errdefs"
)

const podYAML = `
apiVersion: v1
kind: Pod
metadata:
  labels:
    app: test
  name: test_pod
spec:
  containers:
  - command:
    - sleep
    - "100"
    env:
    - name: TERM
      value: xterm
    - name: FROM_CM
      valueFrom:
        configMapKeyRef:
          name: cfg
          key: color
    envFrom:
    - configMapRef:
        name: cfg
    image: quay.io/libpod/testimage:20220615
    name: test
    securityContext:
      runAsUser: 1000
      runAsGroup: 3000
      readOnlyRootFilesystem: true
      capabilities: {}
      privileged: false
    volumeMounts:
    - mountPath: /testdir:z
      name: home
    - mountPath: /data
      name: claim
      readOnly: true
    - mountPath: /scratch
      name: scratch
    - mountPath: /etc/cfg
      name: cfgvol
    workingDir: /
    ports:
    - containerPort: 8080
      hostPort: 18080
    - containerPort: 9090
  - name: side
    image: busybox
    args: ["echo", "hi"]
  restartPolicy: OnFailure
  volumes:
  - hostPath:
      path: /tmp
      type: Directory
    name: home
  - name: claim
    persistentVolumeClaim:
      claimName: mydata
  - name: scratch
    emptyDir: {}
  - name: cfgvol
    configMap:
      name: cfg
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
data:
  color: blue
  size: big
`

func mustParse(t *testing.T, y string) *Objects {
	t.Helper()
	o, err := Parse([]byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestPlanPod(t *testing.T) {
	o := mustParse(t, podYAML)
	if len(o.Workloads) != 1 || len(o.ConfigMaps) != 1 || len(o.Warnings)+len(o.Skipped) != 0 {
		t.Fatalf("objects: %+v", o)
	}
	p, err := Plan(&o.Workloads[0], o, &Options{Annotations: map[string]string{"name": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Pod.Name != "test_pod" || p.Pod.Hostname != "test_pod" || p.Pod.ExitPolicy != "stop" || p.Pod.RestartPolicy != "on-failure" {
		t.Errorf("pod: %+v", p.Pod)
	}
	// Only hostPorts are published, as podman 5 does.
	var ports []string
	for _, m := range p.Pod.PortMappings {
		ports = append(ports, strings.Join([]string{itoa(m.HostPort), itoa(m.ContainerPort), m.Protocol}, ":"))
	}
	if !slices.Equal(ports, []string{"18080:8080:tcp"}) {
		t.Errorf("ports: %v", ports)
	}
	if len(p.Containers) != 2 {
		t.Fatalf("containers: %d", len(p.Containers))
	}
	c := p.Containers[0]
	if c.Name != "test_pod-test" || *c.Entrypoint != `["sleep","100"]` || len(c.Command) != 0 {
		t.Errorf("name/command: %q %q %q", c.Name, *c.Entrypoint, c.Command)
	}
	if c.User != "1000:3000" || !c.ReadOnly || c.WorkingDir != "/" || c.RestartPolicy != "on-failure" {
		t.Errorf("security: %+v", c)
	}
	wantEnv := []string{"color=blue", "size=big", "TERM=xterm", "FROM_CM=blue"}
	if !slices.Equal(c.Env, wantEnv) {
		t.Errorf("env: %q, want %q", c.Env, wantEnv)
	}
	if c.Annotations["name"] != "x" || c.Annotations[KubeHealthCheckAnnotion] != "true" || c.Labels["app"] != "test" {
		t.Errorf("annotations %v labels %v", c.Annotations, c.Labels)
	}
	var mounts []string
	for _, m := range c.Mounts {
		mounts = append(mounts, m.Type+":"+m.Name+":"+m.Source+":"+m.Destination+":"+strings.Join(m.Options, ","))
	}
	want := []string{"bind::/tmp:/testdir:z", "volume:mydata::/data:ro", "volume:::/scratch:", "volume:cfg::/etc/cfg:"}
	if !slices.Equal(mounts, want) {
		t.Errorf("mounts:\n%q\nwant\n%q", mounts, want)
	}
	if len(p.Volumes) != 1 || p.Volumes[0].Request.Name != "cfg" || string(p.Volumes[0].Files["color"]) != "blue" || p.Volumes[0].Mode != 0o644 {
		t.Errorf("volumes: %+v", p.Volumes)
	}
	side := p.Containers[1]
	if side.Entrypoint != nil || !slices.Equal(side.Command, []string{"echo", "hi"}) {
		t.Errorf("args only: %v %v", side.Entrypoint, side.Command)
	}
}

func itoa(n uint16) string { return strconv.Itoa(int(n)) }

func TestPlanPublishAll(t *testing.T) {
	o := mustParse(t, podYAML)
	p, err := Plan(&o.Workloads[0], o, &Options{PublishAll: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Pod.PortMappings) != 2 || p.Pod.PortMappings[1].HostPort != 9090 || p.Pod.PortMappings[1].ContainerPort != 9090 {
		t.Errorf("ports: %+v", p.Pod.PortMappings)
	}
}

func TestPlanErrors(t *testing.T) {
	long := strings.Repeat("a", 65)
	cases := []struct{ name, yaml, want string }{
		{"no image", "kind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n", `container "c" is missing the required 'image' field`},
		{"duplicate", "kind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: i\n  - name: c\n    image: i\n",
			`the pod "p" is invalid; duplicate container name "c" detected`},
		{"missing volume", "kind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: i\n    volumeMounts:\n    - name: v\n      mountPath: /x\n",
			"volume mount v specified for container but not configured in volumes"},
		{"missing configmap", "kind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: i\n    env:\n    - name: A\n      valueFrom:\n        configMapKeyRef:\n          name: nope\n          key: k\n",
			"cannot set env A: configmap nope not found"},
		{"no name", "kind: Pod\nspec:\n  containers:\n  - name: c\n    image: i\n", "pod does not have a name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := mustParse(t, tc.yaml)
			_, err := Plan(&o.Workloads[0], o, &Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
			if !errors.Is(err, errdefs.ErrInvalidArgument) && !errors.Is(err, errdefs.ErrNotFound) {
				t.Errorf("unclassified: %v", err)
			}
		})
	}
	// Values longer than 63 characters are fine, as in podman 5.
	o := mustParse(t, "kind: Pod\nmetadata:\n  name: p\n  annotations:\n    test: "+long+"\nspec:\n  containers:\n  - name: c\n    image: i\n")
	if _, err := Plan(&o.Workloads[0], o, &Options{}); err != nil {
		t.Errorf("long annotation: %v", err)
	}
}

func TestParseKindsAndWarnings(t *testing.T) {
	y := `
apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: web
  spec:
    replicas: 2
    template:
      spec:
        containers:
        - name: c
          image: i
          bogusField: 1
- apiVersion: v1
  kind: PersistentVolumeClaim
  metadata:
    name: claim
    annotations:
      volume.podman.io/uid: "1000"
- apiVersion: v1
  kind: Service
  metadata:
    name: svc
`
	o := mustParse(t, y)
	if len(o.Workloads) != 1 || o.Workloads[0].Name != "web-pod" || len(o.PVCs) != 1 {
		t.Fatalf("objects: %+v", o)
	}
	joined := strings.Join(append(o.Warnings, o.Skipped...), "\n")
	for _, w := range []string{"Limiting replica count to 1", `Kube Deployment: ignoring unknown field "bogusField"`, "Kube kind Service not supported"} {
		if !strings.Contains(joined, w) {
			t.Errorf("warnings %q lack %q", joined, w)
		}
	}
	req, err := PVCVolume(&o.PVCs[0])
	if err != nil || req.Name != "claim" || req.Options["uid"] != "1000" || !req.Ignore {
		t.Errorf("pvc: %+v %v", req, err)
	}
}

func TestParseErrors(t *testing.T) {
	for y, want := range map[string]string{
		"kind: Pod\nmetadata:\n  name: [\n":                     "multi doc yaml could not be split: yaml: line",
		"kind: Pod\nspec:\n  containers:\n  - command: sleep\n": "unable to read YAML as Kube Pod",
	} {
		_, err := Parse([]byte(y))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err %v, want %q", y, err, want)
		}
	}
}

func TestValidateAnnotations(t *testing.T) {
	if err := ValidateAnnotations(map[string]string{"io.podman/x": "1", "Name": "v"}); err != nil {
		t.Error(err)
	}
	err := ValidateAnnotations(map[string]string{"-bad": "v"})
	if err == nil || !strings.Contains(err.Error(), "name part of -bad must consist of alphanumeric characters") {
		t.Errorf("err %v", err)
	}
}

func TestPlanSecurityResourcesProbe(t *testing.T) {
	y := `kind: Pod
metadata:
  name: p
spec:
  securityContext:
    supplementalGroups: [10, 20]
  restartPolicy: Always
  containers:
  - name: c
    image: i
    ports:
    - name: web
      containerPort: 8080
    securityContext:
      privileged: true
      allowPrivilegeEscalation: false
      capabilities:
        add: [NET_ADMIN]
        drop: [MKNOD]
    resources:
      limits:
        cpu: 500m
        memory: 64Mi
    livenessProbe:
      httpGet:
        port: web
        path: /healthz
      periodSeconds: 5
    startupProbe:
      exec:
        command: [ready]
      successThreshold: 2
`
	o := mustParse(t, y)
	p, err := Plan(&o.Workloads[0], o, &Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := p.Containers[0]
	iso := c.Isolation
	if !iso.Privileged || !slices.Equal(iso.CapAdd, []string{"NET_ADMIN"}) || !slices.Equal(iso.CapDrop, []string{"MKNOD"}) ||
		!slices.Equal(iso.GroupAdd, []string{"10", "20"}) || !c.NoNewPrivileges {
		t.Errorf("isolation: %+v nnp %v", iso, c.NoNewPrivileges)
	}
	r := c.Resources
	if r == nil || r.CPU == nil || *r.CPU.Quota != 50000 || *r.CPU.Period != 100000 || *r.Memory.Limit != 64<<20 {
		t.Errorf("resources: %+v", r)
	}
	hc := c.HealthCheck
	if hc == nil || strings.Join(hc.Test, " ") != "CMD-SHELL curl -f HTTP://localhost:8080/healthz || exit 1" ||
		hc.Interval.Seconds() != 5 || hc.Retries != 3 || c.HealthOnFailure != "restart" {
		t.Errorf("healthcheck: %+v on failure %q", hc, c.HealthOnFailure)
	}
	if s := c.StartupHealthCheck; s == nil || strings.Join(s.Test, " ") != "CMD ready" || s.Successes != 2 {
		t.Errorf("startup healthcheck: %+v", s)
	}
}
