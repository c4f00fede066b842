package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The container's monitor runs the healthcheck every interval (no
// systemd): healthy while the check passes; after Retries failures in a
// row the container is unhealthy and --health-on-failure=kill kills it.
// inspect, ps and events show it as podman 5 does.
func TestHealthcheckMonitorTimerAndKill(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "hc", "--health-cmd", "if test -e /uh-oh; then echo Uh-oh; exit 1; fi; echo good",
		"--health-interval", "1s", "--health-retries", "3", "--health-on-failure=kill",
		Image, "sh", "-c", "while :; do sleep 0.1; done")
	if got := p.Inspect("hc", "{{.Config.HealthcheckOnFailureAction}} {{json .Config.Healthcheck.Test}}"); got != `kill ["CMD-SHELL","if test -e /uh-oh; then echo Uh-oh; exit 1; fi; echo good"]` {
		t.Errorf("config: %s", got)
	}
	if !eventually(10*time.Second, func() bool { return p.Inspect("hc", "{{.State.Health.Status}}") == "healthy" }) {
		t.Fatalf("never healthy by the timer: %s", p.Inspect("hc", "{{json .State.Health}}"))
	}
	if got := p.MustRun("ps", "--filter", "health=healthy", "--format", "{{.Names}} {{.Status}}").Out(); !strings.HasPrefix(got, "hc Up ") || !strings.HasSuffix(got, " (healthy)") {
		t.Errorf("ps: %q", got)
	}
	var h struct {
		Status        string
		FailingStreak int
		Log           []struct {
			ExitCode int
			Output   string
		}
	}
	if err := json.Unmarshal([]byte(p.Inspect("hc", "{{json .State.Healthcheck}}")), &h); err != nil || h.Log[len(h.Log)-1].Output != "good\n" {
		t.Errorf("results: %+v %v", h, err)
	}
	p.MustRun("exec", "hc", "touch", "/uh-oh")
	if !eventually(20*time.Second, func() bool { return p.Status("hc") == "exited" }) {
		t.Fatalf("not killed: %s", p.Inspect("hc", "{{.State.Status}} {{json .State.Health}}"))
	}
	if err := json.Unmarshal([]byte(p.Inspect("hc", "{{json .State.Health}}")), &h); err != nil ||
		h.Status != "unhealthy" || h.FailingStreak != 3 || h.Log[len(h.Log)-1].ExitCode != 1 || h.Log[len(h.Log)-1].Output != "Uh-oh\n" {
		t.Errorf("after the failures: %+v %v", h, err)
	}
	if got := p.Inspect("hc", "{{.State.ExitCode}}"); got != "137" {
		t.Errorf("exit code after the kill: %s", got)
	}
	evs := p.MustRun("events", "--stream=false", "--filter", "event=health_status", "--format", "{{.HealthStatus}}").Lines()
	if len(evs) < 4 || evs[len(evs)-1] != "unhealthy" {
		t.Errorf("health_status events: %q", evs)
	}
}

// healthcheck run: nothing and exit 0 when the check passes, "unhealthy"
// and exit 1 when it fails, podman's errors otherwise; --no-healthcheck
// and bad values as podman.
func TestHealthcheckRunCommand(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "hc", "--health-cmd", `["CMD","test","!","-e","/bad"]`, "--health-interval", "1h",
		Image, "sleep", "1000")
	if got := p.Inspect("hc", "{{.State.Health.Status}}"); got != "starting" {
		t.Errorf("before any run: %s", got)
	}
	if r := p.MustRun("healthcheck", "run", "hc"); r.Out() != "" {
		t.Errorf("healthy run printed %q", r.Out())
	}
	p.MustRun("exec", "hc", "touch", "/bad")
	if r := p.Expect(1, "healthcheck", "run", "hc"); r.Out() != "unhealthy" {
		t.Errorf("failed run: %s", r)
	}
	if got := p.Inspect("hc", "{{.State.Health.Status}} {{.State.Health.FailingStreak}}"); got != "healthy 1" {
		t.Errorf("one failure of three: %s", got)
	}
	p.MustRun("run", "-d", "--name", "plain", Image, "sleep", "1000")
	p.ExpectEngineError(p.Run("healthcheck", "run", "plain"), "has no defined healthcheck")
	p.ExpectEngineError(p.Run("healthcheck", "run", "nosuch"), `unable to look up nosuch to perform a health check: no container with name or ID "nosuch" found`)
	p.MustRun("stop", "-t", "0", "hc")
	p.ExpectEngineError(p.Run("healthcheck", "run", "hc"), "is not running")
	p.ExpectEngineError(p.Run("create", "--health-cmd", "true", "--health-on-failure=bogus", Image), `invalid on-failure action "bogus" for health check`)
	p.ExpectEngineError(p.Run("create", "--no-healthcheck", "--health-cmd", "true", Image), "cannot specify both --no-healthcheck and --health-cmd")
	p.ExpectEngineError(p.Run("create", "--health-cmd", "true", "--health-retries", "0", Image), "healthcheck-retries must be greater than 0")
	if got := p.MustRun("ps", "-a", "--filter", "health=unhealthy", "--format", "{{.Names}}").Out(); got != "" {
		t.Errorf("health=unhealthy: %q", got)
	}
	// Output and errors are recorded in the order the check wrote them.
	p.MustRun("run", "-d", "--name", "order", "--health-cmd", "for i in 1 2 3; do echo out$i; echo err$i >&2; done",
		"--health-interval", "disable", Image, "sleep", "1000")
	p.MustRun("healthcheck", "run", "order")
	if got := p.Inspect("order", "{{(index .State.Health.Log 0).Output}}"); got != "out1\nerr1\nout2\nerr2\nout3\nerr3" {
		t.Errorf("output order: %q", got)
	}
	if got := p.MustRun("wait", "--condition", "healthy", "order").Out(); got != "-1" {
		t.Errorf("wait --condition healthy: %q", got)
	}
	p.ExpectEngineError(p.Run("wait", "--condition", "unhealthy", "plain"), `cannot use condition "unhealthy": container `)
}

// --health-log-destination DIR keeps the results in DIR/<ID>-healthcheck.log,
// --health-max-log-count/size cap them; events_logger adds each run's log
// to its health_status event.
func TestHealthcheckLogOptions(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	dir := p.WorkDir()
	id := p.MustRun("run", "-d", "--name", "hl", "--health-cmd", "echo hi", "--health-interval", "1h",
		"--health-log-destination", dir, "--health-max-log-count", "2", "--health-max-log-size", "1", Image, "sleep", "1000").Out()
	for range 3 {
		p.MustRun("healthcheck", "run", "hl")
	}
	data, err := os.ReadFile(filepath.Join(dir, id+"-healthcheck.log"))
	if err != nil {
		t.Fatal(err)
	}
	var h struct{ Log []struct{ Output string } }
	if err := json.Unmarshal(data, &h); err != nil || len(h.Log) != 2 || h.Log[0].Output != "h" {
		t.Errorf("results in %s: %s %v", dir, data, err)
	}
	if got := p.Inspect("hl", "{{.Config.HealthLogDestination}} {{.Config.HealthMaxLogCount}} {{.Config.HealthMaxLogSize}} {{len .State.Health.Log}}"); got != dir+" 2 1 2" {
		t.Errorf("inspect: %s", got)
	}
	p.MustRun("run", "-d", "--name", "he", "--health-cmd", "echo hi", "--health-interval", "1h",
		"--health-log-destination", "events_logger", Image, "sleep", "1000")
	p.MustRun("healthcheck", "run", "he")
	ev := p.MustRun("events", "--stream=false", "--filter", "container=he", "--filter", "event=health_status").Out()
	if !strings.Contains(ev, `health_log={"Start":"`) || !strings.Contains(ev, `"ExitCode":0,"Output":"hi\n"}`) {
		t.Errorf("health_status with the log: %s", ev)
	}
	p.ExpectEngineError(p.Run("create", "--health-cmd", "true", "--health-log-destination", "/nonexistent", Image),
		"HealthCheck Log '/nonexistent' destination error: stat /nonexistent: no such file or directory")
}

// A startup healthcheck runs on its own interval until it passes, then
// the monitor runs the regular one; one that keeps failing restarts the
// container after its retries.
func TestHealthcheckStartup(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "su", "--health-cmd", "echo reg", "--health-interval", "1s",
		"--health-startup-cmd", "test -e /ready && echo start", "--health-startup-interval", "1s",
		Image, "sh", "-c", "sleep 2; touch /ready; sleep 1000")
	if !eventually(20*time.Second, func() bool {
		out := p.Inspect("su", "{{range .State.Health.Log}}{{.ExitCode}}:{{.Output}}{{end}}")
		return strings.Contains(out, "0:start") && strings.HasSuffix(out, "0:reg")
	}) {
		t.Fatalf("startup then regular checks: %s", p.Inspect("su", "{{json .State.Health}}"))
	}
	p.ExpectEngineError(p.Run("create", "--health-startup-cmd", "true", Image), "cannot set a startup healthcheck when there is no regular healthcheck")

	p.MustRun("run", "-d", "--name", "never", "--stop-timeout", "1", "--health-cmd", "true", "--health-interval", "1h",
		"--health-startup-cmd", "false", "--health-startup-interval", "1s", "--health-startup-retries", "2",
		Image, "sleep", "1000")
	if !eventually(20*time.Second, func() bool { return p.Inspect("never", "{{.RestartCount}}") != "0" }) {
		t.Fatalf("not restarted after its startup check failed twice: %s", p.Inspect("never", "{{.State.Status}} {{json .State.Health}}"))
	}
}
