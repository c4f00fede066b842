package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// apiService is a running `pier system service` and a client for it.
type apiService struct {
	t      *testing.T
	cmd    *exec.Cmd
	stderr *strings.Builder
	client *http.Client
	base   string // http://host or http://d for a unix socket
}

// startService runs `pier system service` with args and waits until it
// answers _ping.
func startService(t *testing.T, p *Pier, network, addr string, args ...string) *apiService {
	t.Helper()
	uri := "tcp:" + addr
	if network == "unix" {
		uri = "unix://" + addr
	}
	cmd, stderr := p.Background(append(append([]string{"--log-level=info", "system", "service"}, args...), uri)...)
	s := &apiService{t: t, cmd: cmd, stderr: stderr, base: "http://" + addr}
	tr := &http.Transport{}
	if network == "unix" {
		s.base = "http://d"
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", addr)
		}
	}
	s.client = &http.Client{Transport: tr, Timeout: time.Minute}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	if !eventually(20*time.Second, func() bool {
		resp, err := s.client.Get(s.base + "/_ping")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	}) {
		t.Fatalf("service never answered on %s; stderr:\n%s", uri, stderr.String())
	}
	return s
}

// do sends a request and returns the status, headers and body.
func (s *apiService) do(method, path string, body any) (int, http.Header, []byte) {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			s.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, out
}

// want fails the test unless the request answers status; it returns the body.
func (s *apiService) want(status int, method, path string, body any) []byte {
	s.t.Helper()
	got, _, out := s.do(method, path, body)
	if got != status {
		s.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, got, status, out)
	}
	return out
}

func freeTCPAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// A container created and started through the Docker-compatible API runs
// for pier's CLI, and its logs, wait and delete work through the API.
func TestAPIContainerLifecycleUnix(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	s := startService(t, p, "unix", filepath.Join(p.Dir, "api.sock"), "--time=0")

	var created struct{ Id string }
	out := s.want(201, "POST", "/v1.41/containers/create?name=apictr", map[string]any{
		"Image": Image, "Cmd": []string{"sh", "-c", "echo hello-api; sleep 100"},
	})
	if err := json.Unmarshal(out, &created); err != nil || len(created.Id) != 64 {
		t.Fatalf("create answered %s", out)
	}
	s.want(204, "POST", "/v1.41/containers/apictr/start", nil)
	if ps := p.MustRun("ps", "--format", "{{.Names}} {{.Status}}").Out(); !strings.HasPrefix(ps, "apictr Up") {
		t.Fatalf("pier ps after an API start: %q", ps)
	}
	s.want(304, "POST", "/v1.41/containers/apictr/start", nil)
	p.WaitLogs("apictr", "hello-api", 10*time.Second)

	// Docker's multiplexed log frame: stream 1, length, text.
	logs := s.want(200, "GET", "/v1.41/containers/apictr/logs?stdout=1", nil)
	if want := append([]byte{1, 0, 0, 0, 0, 0, 0, 10}, "hello-api\n"...); !bytes.Equal(logs, want) {
		t.Errorf("logs = %q, want %q", logs, want)
	}

	var list []map[string]any
	json.Unmarshal(s.want(200, "GET", "/v1.41/containers/json", nil), &list)
	if len(list) != 1 || list[0]["Id"] != created.Id || list[0]["State"] != "running" {
		t.Errorf("compat list = %v", list)
	}
	var insp map[string]any
	json.Unmarshal(s.want(200, "GET", "/v5.0.0/libpod/containers/apictr/json", nil), &insp)
	if insp["Id"] != created.Id || insp["Name"] != "apictr" {
		t.Errorf("libpod inspect: Id %v Name %v", insp["Id"], insp["Name"])
	}

	s.want(204, "POST", "/v1.41/containers/apictr/kill?signal=KILL", nil)
	var wait struct{ StatusCode int }
	json.Unmarshal(s.want(200, "POST", "/v1.41/containers/apictr/wait", nil), &wait)
	if wait.StatusCode != 137 {
		t.Errorf("wait StatusCode = %d, want 137", wait.StatusCode)
	}
	if st := p.Status("apictr"); st != "exited" {
		t.Errorf("status after API kill = %q", st)
	}
	s.want(204, "DELETE", "/v1.41/containers/apictr", nil)
	if ids := p.PsIDs(); len(ids) != 0 {
		t.Errorf("containers left after API delete: %v", ids)
	}
	// A missing container is podman's JSON error.
	var e struct {
		Cause, Message string
		Response       int
	}
	json.Unmarshal(s.want(404, "GET", "/v1.41/containers/apictr/json", nil), &e)
	if e.Cause != "no such container" || e.Response != 404 || !strings.Contains(e.Message, "apictr") {
		t.Errorf("404 body = %+v", e)
	}
}

// The libpod tree creates (a SpecGenerator), lists, stops and removes.
func TestAPILibpodContainers(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	s := startService(t, p, "tcp", freeTCPAddr(t), "--time=0")

	s.want(201, "POST", "/v5.0.0/libpod/containers/create", map[string]any{
		"name": "lp", "image": Image, "command": []string{"sleep", "100"}, "labels": map[string]string{"a": "b"},
	})
	// A SpecGenerator field pier does not apply is refused, not ignored.
	s.want(501, "POST", "/v5.0.0/libpod/containers/create", map[string]any{"image": Image, "healthconfig": map[string]any{"Test": []string{"CMD", "true"}}})
	s.want(204, "POST", "/v5.0.0/libpod/containers/lp/start", nil)
	var list []struct {
		Names  []string
		State  string
		Labels map[string]string
	}
	json.Unmarshal(s.want(200, "GET", "/v5.0.0/libpod/containers/json", nil), &list)
	if len(list) != 1 || list[0].Names[0] != "lp" || list[0].State != "running" || list[0].Labels["a"] != "b" {
		t.Errorf("libpod list = %+v", list)
	}
	s.want(204, "POST", "/v5.0.0/libpod/containers/lp/pause", nil)
	if st := p.Status("lp"); st != "paused" {
		t.Errorf("status after API pause = %q", st)
	}
	s.want(409, "POST", "/v5.0.0/libpod/containers/lp/pause", nil)
	s.want(204, "POST", "/v5.0.0/libpod/containers/lp/unpause", nil)
	pid := p.Inspect("lp", "{{.State.Pid}}")
	s.want(204, "POST", "/v1.41/containers/lp/restart?t=0", nil)
	if st, pid2 := p.Status("lp"), p.Inspect("lp", "{{.State.Pid}}"); st != "running" || pid2 == pid {
		t.Errorf("after API restart: %s, pid %s (was %s)", st, pid2, pid)
	}
	s.want(204, "GET", "/v5.0.0/libpod/containers/lp/exists", nil)
	s.want(404, "GET", "/v5.0.0/libpod/containers/nosuch/exists", nil)

	// filters: a status filter lists stopped containers too, as podman.
	s.want(201, "POST", "/v5.0.0/libpod/containers/create", map[string]any{"name": "lp2", "image": Image})
	var names []struct{ Names []string }
	json.Unmarshal(s.want(200, "GET", "/v5.0.0/libpod/containers/json?filters="+url.QueryEscape(`{"status":["created"]}`), nil), &names)
	if len(names) != 1 || names[0].Names[0] != "lp2" {
		t.Errorf("status=created filter listed %+v", names)
	}
	json.Unmarshal(s.want(200, "GET", "/v1.41/containers/json?all=1&filters="+url.QueryEscape(`{"label":{"a=b":true}}`), nil), &names)
	if len(names) != 1 || names[0].Names[0] != "/lp" {
		t.Errorf("label filter (Docker's old form) listed %+v", names)
	}
	s.want(500, "GET", "/v1.41/containers/json?filters=notjson", nil)
	s.want(200, "DELETE", "/v5.0.0/libpod/containers/lp2", nil)

	s.want(204, "POST", "/v5.0.0/libpod/containers/lp/stop?timeout=0", nil)
	s.want(304, "POST", "/v5.0.0/libpod/containers/lp/stop", nil)
	if st := p.Status("lp"); st != "exited" {
		t.Errorf("status after API stop = %q", st)
	}
	out := s.want(200, "DELETE", "/v5.0.0/libpod/containers/lp", nil)
	if !strings.Contains(string(out), `"Id"`) {
		t.Errorf("libpod delete answered %s", out)
	}
	if ids := p.PsIDs(); len(ids) != 0 {
		t.Errorf("containers left: %v", ids)
	}
}

// Images pulled through both trees are listed by the API and by pier.
func TestAPIImagesPullListRemove(t *testing.T) {
	t.Parallel()
	reg := startRegistry(t, registryMode{})
	reg.PushImage("api/busybox", "1", newTestImage(t, runtime.GOARCH, busyboxLayer(t)))
	p := regPier(t, false)
	s := startService(t, p, "tcp", freeTCPAddr(t), "--time=0")
	ref := reg.Host + "/api/busybox:1"

	out := s.want(200, "POST", "/v5.0.0/libpod/images/pull?tlsVerify=false&reference="+ref, nil)
	var last struct {
		ID     string `json:"id"`
		Images []string
		Error  string `json:"error"`
	}
	lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
	json.Unmarshal(lines[len(lines)-1], &last)
	if last.Error != "" || len(last.ID) != 64 {
		t.Fatalf("libpod pull stream:\n%s", out)
	}
	if ids := p.ImageIDs(); len(ids) != 1 || ids[0] != last.ID {
		t.Errorf("pier images after API pull: %v, want %s", ids, last.ID)
	}
	var imgs []struct {
		Id       string
		RepoTags []string
	}
	json.Unmarshal(s.want(200, "GET", "/v1.41/images/json", nil), &imgs)
	if len(imgs) != 1 || imgs[0].Id != "sha256:"+last.ID || imgs[0].RepoTags[0] != ref {
		t.Errorf("compat images = %+v", imgs)
	}
	s.want(200, "GET", "/v1.41/images/"+ref+"/json", nil)
	s.want(200, "DELETE", "/v1.41/images/"+ref, nil)
	if ids := p.ImageIDs(); len(ids) != 0 {
		t.Errorf("images left after API delete: %v", ids)
	}
	// Docker's pull (images/create) streams and stores the image too.
	out = s.want(200, "POST", "/v1.41/images/create?fromImage="+reg.Host+"/api/busybox&tag=1&tlsVerify=false", nil)
	if bytes.Contains(out, []byte(`"error"`)) || len(p.ImageIDs()) != 1 {
		t.Errorf("compat pull:\n%s", out)
	}
}

// CORS headers come with --cors only; _ping carries podman's headers; an
// unknown path is podman's bare 404.
func TestAPIPingCORS(t *testing.T) {
	t.Parallel()
	p := newPierNoImage(t)
	plain := startService(t, p, "tcp", freeTCPAddr(t), "--time=0")
	_, h, body := plain.do("GET", "/_ping", nil)
	if string(body) != "OK" || h.Get("Libpod-Api-Version") == "" || h.Get("Api-Version") == "" || h.Get("Cache-Control") != "no-cache" {
		t.Errorf("ping: %q %v", body, h)
	}
	if v := h.Get("Access-Control-Allow-Origin"); v != "" {
		t.Errorf("CORS header without --cors: %q", v)
	}
	if st, _, body := plain.do("GET", "/v1.41/no/such/endpoint", nil); st != 404 || string(body) != "Not Found\n" {
		t.Errorf("unknown endpoint: %d %q", st, body)
	}

	q := newPierNoImage(t)
	cors := startService(t, q, "tcp", freeTCPAddr(t), "--time=0", "--cors=https://example.com")
	_, h, _ = cors.do("HEAD", "/libpod/_ping", nil)
	if v := h.Get("Access-Control-Allow-Origin"); v != "https://example.com" {
		t.Errorf("Access-Control-Allow-Origin = %q", v)
	}
}

// The service exits 0 after --time seconds without a connection, and
// not while a client is connected.
func TestAPIIdleTimeout(t *testing.T) {
	t.Parallel()
	p := newPierNoImage(t)
	sock := filepath.Join(p.Dir, "idle.sock")
	start := time.Now()
	r := p.Run("--log-level=debug", "system", "service", "--time=1", "--cors=*", "unix://"+sock)
	if r.ExitCode != 0 || !strings.Contains(r.Stderr, `CORS Headers were set to \"*\"`) {
		t.Fatalf("idle service: %v", r)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("idle service took %s to exit", d)
	}

	s := startService(t, p, "unix", sock, "--time=2")
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	conn, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(conn, "GET /_ping HTTP/1.1\r\nHost: d\r\n\r\n")
	select {
	case <-done:
		t.Fatalf("service exited with a client connected:\n%s", s.stderr.String())
	case <-time.After(3 * time.Second): // longer than --time
	}
	conn.Close()
	s.client.Transport.(*http.Transport).CloseIdleConnections()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("service exit: %v\n%s", err, s.stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("service did not exit after its idle time")
	}
}

// Volumes and networks are created, listed, inspected and removed through
// both trees, and pier's CLI sees them.
func TestAPIVolumesNetworks(t *testing.T) {
	t.Parallel()
	p := newPierNoImage(t)
	s := startService(t, p, "tcp", freeTCPAddr(t), "--time=0")

	s.want(201, "POST", "/v1.41/volumes/create", map[string]any{"Name": "dv", "Labels": map[string]string{"k": "v"}})
	s.want(201, "POST", "/v5.0.0/libpod/volumes/create", map[string]any{"Name": "lv"})
	if got := p.MustRun("volume", "ls", "--format", "{{.Name}}").Out(); got != "dv\nlv" {
		t.Errorf("pier volume ls after API creates: %q", got)
	}
	var list struct{ Volumes []struct{ Name string } }
	json.Unmarshal(s.want(200, "GET", "/v1.41/volumes?filters="+url.QueryEscape(`{"label":["k=v"]}`), nil), &list)
	if len(list.Volumes) != 1 || list.Volumes[0].Name != "dv" {
		t.Errorf("volume list with a label filter: %+v", list)
	}
	var insp struct{ Name, Mountpoint string }
	json.Unmarshal(s.want(200, "GET", "/v5.0.0/libpod/volumes/lv/json", nil), &insp)
	if insp.Name != "lv" || insp.Mountpoint == "" {
		t.Errorf("libpod volume inspect: %+v", insp)
	}
	s.want(204, "GET", "/v5.0.0/libpod/volumes/lv/exists", nil)
	s.want(204, "DELETE", "/v1.41/volumes/lv", nil)
	s.want(404, "GET", "/v5.0.0/libpod/volumes/lv/exists", nil)
	s.want(404, "GET", "/v1.41/volumes/lv", nil)

	var created struct{ Id string }
	json.Unmarshal(s.want(201, "POST", "/v1.41/networks/create", map[string]any{
		"Name": "apinet", "IPAM": map[string]any{"Config": []map[string]string{{"Subnet": "10.123.0.0/24", "Gateway": "10.123.0.1"}}},
	}), &created)
	if got := p.MustRun("network", "inspect", "--format", "{{.ID}} {{range .Subnets}}{{.Subnet}} {{.Gateway}}{{end}}", "apinet").Out(); got != created.Id+" 10.123.0.0/24 10.123.0.1" {
		t.Errorf("pier network inspect after API create: %q (Id %s)", got, created.Id)
	}
	var nets []struct{ Name string }
	json.Unmarshal(s.want(200, "GET", "/v5.0.0/libpod/networks/json?filters="+url.QueryEscape(`{"name":["apinet"]}`), nil), &nets)
	if len(nets) != 1 || nets[0].Name != "apinet" {
		t.Errorf("libpod network list with a name filter: %+v", nets)
	}
	var dn struct {
		Name string
		IPAM struct {
			Config []struct{ Subnet, Gateway string }
		}
	}
	json.Unmarshal(s.want(200, "GET", "/v1.41/networks/apinet", nil), &dn)
	if dn.Name != "apinet" || len(dn.IPAM.Config) != 1 || dn.IPAM.Config[0].Subnet != "10.123.0.0/24" {
		t.Errorf("compat network inspect: %+v", dn)
	}
	s.want(200, "DELETE", "/v5.0.0/libpod/networks/apinet", nil)
	s.want(404, "GET", "/v5.0.0/libpod/networks/apinet/exists", nil)
	s.want(204, "DELETE", "/v5.0.0/libpod/volumes/dv", nil)
}

// Docker's HostConfig limits, privileges and tmpfs reach the container;
// a field pier cannot apply fails the create instead of being dropped.
func TestAPICompatCreateHostConfig(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	s := startService(t, p, "tcp", freeTCPAddr(t), "--time=0")
	s.want(201, "POST", "/v1.41/containers/create?name=hc", map[string]any{
		"Image": Image, "Cmd": []string{"sleep", "100"},
		"HostConfig": map[string]any{
			"Memory": 64 << 20, "CapAdd": []string{"NET_ADMIN"}, "Tmpfs": map[string]string{"/scratch": "size=1m"},
			"OomKillDisable": false, "MemorySwappiness": -1, "PidsLimit": 100,
		},
	})
	got := p.MustRun("inspect", "--format", "{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.CapAdd}}", "hc").Out()
	if got != "67108864 100 [CAP_NET_ADMIN]" {
		t.Errorf("inspect of an API-created container: %q", got)
	}
	s.want(204, "POST", "/v1.41/containers/hc/start", nil)
	if out := p.MustRun("exec", "hc", "sh", "-c", "grep ' /scratch ' /proc/mounts").Out(); !strings.Contains(out, "tmpfs") {
		t.Errorf("tmpfs mount in the container: %q", out)
	}
	s.want(501, "POST", "/v1.41/containers/create?name=bad", map[string]any{
		"Image": Image, "HostConfig": map[string]any{"SecurityOpt": []string{"label=disable"}},
	})
	if r := p.Run("container", "exists", "bad"); r.ExitCode != 1 {
		t.Errorf("a refused create left a container: %v", r)
	}
	p.MustRun("rm", "-f", "-t0", "hc")
}

// Attach before start (as podman's and docker's run do) gets every line
// in Docker's multiplexed frames; the wait sent right after the start
// gets the exit code even though the --rm container is removed first.
func TestAPIAttachRunRm(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	sock := filepath.Join(p.Dir, "api.sock")
	s := startService(t, p, "unix", sock, "--time=0")
	s.want(201, "POST", "/v1.41/containers/create?name=att", map[string]any{
		"Image": Image, "Cmd": []string{"sh", "-c", "echo out; echo err >&2; exit 3"},
		"HostConfig": map[string]any{"AutoRemove": true},
	})
	conn, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "POST /v1.41/containers/att/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n")
	rd := bufio.NewReader(conn)
	status, err := rd.ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "HTTP/1.1 101") {
		t.Fatalf("attach answered %q, %v", status, err)
	}
	for line := ""; line != "\r\n"; {
		if line, err = rd.ReadString('\n'); err != nil {
			t.Fatal(err)
		}
	}
	// docker run's order: the wait's status line arrives before the start.
	waitResp, err := s.client.Post(s.base+"/v1.41/containers/att/wait?condition=removed", "application/json", nil)
	if err != nil || waitResp.StatusCode != 200 {
		t.Fatalf("wait: %v %v", waitResp, err)
	}
	defer waitResp.Body.Close()
	s.want(204, "POST", "/v1.41/containers/att/start", nil)
	var wait struct{ StatusCode int }
	if err := json.NewDecoder(waitResp.Body).Decode(&wait); err != nil || wait.StatusCode != 3 {
		t.Errorf("wait StatusCode = %d (%v), want 3", wait.StatusCode, err)
	}
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	got := readMuxedStreams(t, rd)
	if got[1] != "out\n" || got[2] != "err\n" {
		t.Errorf("attached streams: stdout %q stderr %q", got[1], got[2])
	}
	if !eventually(10*time.Second, func() bool { return len(p.PsIDs()) == 0 }) {
		t.Errorf("the --rm container is left: %v", p.PsIDs())
	}
}

// Events recorded for an API-created container come back from the
// events endpoint, filtered, in Docker's message shape.
func TestAPIEvents(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	s := startService(t, p, "tcp", freeTCPAddr(t), "--time=0")
	s.want(201, "POST", "/v1.41/containers/create?name=evc", map[string]any{"Image": Image, "Cmd": []string{"true"}})
	out := s.want(200, "GET", "/v5.0.0/libpod/events?stream=false&filters="+url.QueryEscape(`{"event":["create"],"container":["evc"]}`), nil)
	lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
	var ev struct {
		Type, Action string
		Actor        struct {
			ID         string
			Attributes map[string]string
		}
	}
	if len(lines) != 1 || json.Unmarshal(lines[0], &ev) != nil || ev.Type != "container" || ev.Action != "create" || ev.Actor.Attributes["name"] != "evc" {
		t.Errorf("events answered %s", out)
	}
	p.MustRun("rm", "evc")
}

// Exec through the API: create, start on a taken-over connection, the
// exit code from inspect; a detached exec runs too.
func TestAPIExec(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	sock := filepath.Join(p.Dir, "api.sock")
	s := startService(t, p, "unix", sock, "--time=0")
	s.want(404, "POST", "/v1.41/containers/nosuch/exec", map[string]any{"Cmd": []string{"true"}})
	p.MustRun("create", "--name", "exc", Image, "sleep", "100")
	s.want(409, "POST", "/v1.41/containers/exc/exec", map[string]any{"Cmd": []string{"true"}})
	p.MustRun("start", "exc")
	var created struct{ Id string }
	json.Unmarshal(s.want(201, "POST", "/v1.41/containers/exc/exec", map[string]any{
		"Cmd": []string{"sh", "-c", "echo o; echo e >&2; exit 7"}, "AttachStdout": true, "AttachStderr": true,
	}), &created)

	conn, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1.41/exec/%s/start HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}", created.Id)
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	rd := bufio.NewReader(conn)
	if status, err := rd.ReadString('\n'); err != nil || !strings.HasPrefix(status, "HTTP/1.1 200") {
		t.Fatalf("exec start answered %q, %v", status, err)
	}
	for line := ""; line != "\r\n"; {
		if line, err = rd.ReadString('\n'); err != nil {
			t.Fatal(err)
		}
	}
	got := readMuxedStreams(t, rd)
	if got[1] != "o\n" || got[2] != "e\n" {
		t.Errorf("exec streams: stdout %q stderr %q", got[1], got[2])
	}
	var insp struct {
		Running  bool
		ExitCode int
	}
	json.Unmarshal(s.want(200, "GET", "/v1.41/exec/"+created.Id+"/json", nil), &insp)
	if insp.Running || insp.ExitCode != 7 {
		t.Errorf("exec inspect: %+v", insp)
	}

	json.Unmarshal(s.want(201, "POST", "/v5.0.0/libpod/containers/exc/exec", map[string]any{"Cmd": []string{"touch", "/tmp/detached"}}), &created)
	s.want(200, "POST", "/v5.0.0/libpod/exec/"+created.Id+"/start", map[string]any{"Detach": true})
	if !eventually(10*time.Second, func() bool { return p.Run("exec", "exc", "test", "-e", "/tmp/detached").ExitCode == 0 }) {
		t.Error("the detached exec did not run")
	}
	s.want(404, "GET", "/v1.41/exec/nosuch/json", nil)
	p.MustRun("rm", "-f", "-t0", "exc")
}

// A terminal container gets the size docker run gives at create (and a
// resize before the start); a running one without an attached terminal
// cannot be resized.
func TestAPITerminalSize(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	sock := filepath.Join(p.Dir, "api.sock")
	s := startService(t, p, "unix", sock, "--time=0")
	for _, tc := range []struct {
		name   string
		create map[string]any
		resize string
		want   string
	}{
		{"cs", map[string]any{"ConsoleSize": []int{33, 91}}, "", "33 91"},
		{"rs", map[string]any{}, "h=12&w=44", "12 44"},
	} {
		s.want(201, "POST", "/v1.41/containers/create?name="+tc.name, map[string]any{
			"Image": Image, "Cmd": []string{"stty", "size"}, "Tty": true, "OpenStdin": true, "HostConfig": tc.create,
		})
		conn, err := net.Dial("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST /v1.41/containers/%s/attach?stream=1&stdout=1&stdin=1 HTTP/1.1\r\nHost: d\r\n\r\n", tc.name)
		rd := bufio.NewReader(conn)
		for line := ""; line != "\r\n"; {
			if line, err = rd.ReadString('\n'); err != nil {
				t.Fatal(err)
			}
		}
		if tc.resize != "" {
			s.want(200, "POST", "/v1.41/containers/"+tc.name+"/resize?"+tc.resize, nil)
		}
		s.want(204, "POST", "/v1.41/containers/"+tc.name+"/start", nil)
		conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		out, _ := io.ReadAll(rd)
		conn.Close()
		if !strings.Contains(string(out), tc.want) {
			t.Errorf("%s: stty size printed %q, want %q", tc.name, out, tc.want)
		}
		p.MustRun("rm", "-f", tc.name)
	}
	p.MustRun("run", "-d", "--name", "up", Image, "sleep", "100")
	s.want(409, "POST", "/v1.41/containers/up/resize?h=10&w=10", nil)
	s.want(400, "POST", "/v1.41/containers/up/resize?h=x&w=10", nil)
	p.MustRun("rm", "-f", "-t0", "up")
}

// Without a URI, a socket systemd passes (LISTEN_FDS) is served.
func TestAPISocketActivation(t *testing.T) {
	t.Parallel()
	act, err := exec.LookPath("systemd-socket-activate")
	if err != nil {
		t.Fatal("systemd-socket-activate not found: apt-get install systemd")
	}
	p := newPierNoImage(t)
	sock := filepath.Join(p.Dir, "act.sock")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, act, append([]string{"-l", sock, p.Bin}, p.Args("--log-level=info", "system", "service", "--time=1")...)...)
	cmd.Env = p.env(nil)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		},
	}}
	var body []byte
	if !eventually(20*time.Second, func() bool {
		resp, err := client.Get("http://d/_ping")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		body, _ = io.ReadAll(resp.Body)
		return true
	}) || string(body) != "OK" {
		t.Fatalf("socket-activated service: %q\n%s", body, stderr.String())
	}
	if err := cmd.Wait(); err != nil || !strings.Contains(stderr.String(), "Using systemd socket activation") {
		t.Errorf("service: %v\n%s", err, stderr.String())
	}
}

// readMuxedStreams reads Docker's multiplexed attach stream (8-byte frame
// headers: stream, 3 zero bytes, big-endian length) to its end, and
// returns what each stream (1 stdout, 2 stderr) carried.
func readMuxedStreams(t *testing.T, rd io.Reader) map[byte]string {
	t.Helper()
	got := map[byte]string{}
	for {
		var hdr [8]byte
		if _, err := io.ReadFull(rd, hdr[:]); err != nil {
			return got
		}
		buf := make([]byte, binary.BigEndian.Uint32(hdr[4:]))
		if _, err := io.ReadFull(rd, buf); err != nil {
			t.Fatal(err)
		}
		got[hdr[0]] += string(buf)
	}
}
