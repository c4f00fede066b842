package e2e

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
)

// stats reads the container's cgroup: memory held in its /dev/shm, its
// --memory limit, its processes and CPU time; a created container uses
// nothing; podman's columns, JSON and errors.
func TestStats(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "--name", "c", "--memory", "100m", Image, "sh", "-c",
		"dd if=/dev/zero of=/dev/shm/x bs=1M count=20 2>/dev/null; sleep 1000 & i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; touch /tmp/done; wait")
	p.MustRun("create", "--name", "idle", Image, "true")
	eventually(60*time.Second, func() bool { return p.Run("exec", "c", "test", "-e", "/tmp/done").ExitCode == 0 })

	var raw struct {
		ContainerID                       string
		CPUNano, MemUsage, MemLimit, PIDs uint64
		CPU, AvgCPU                       float64
	}
	out := p.MustRun("stats", "--no-stream", "--format", "{{json .}}", "c").Out()
	if err := json.Unmarshal([]byte(out), &raw); err != nil {
		t.Fatalf("{{json .}}: %v: %s", err, out)
	}
	if raw.MemLimit != 100<<20 || raw.MemUsage < 20<<20 || raw.MemUsage > 100<<20 {
		t.Errorf("memory: %d / %d", raw.MemUsage, raw.MemLimit)
	}
	if raw.PIDs != 2 || raw.CPUNano < 1e8 || raw.CPU <= 0 || raw.AvgCPU != raw.CPU {
		t.Errorf("pids %d, cpu %d ns, %f%%, avg %f%%", raw.PIDs, raw.CPUNano, raw.CPU, raw.AvgCPU)
	}
	if raw.ContainerID != p.Inspect("c", "{{.ID}}") {
		t.Errorf("id %q", raw.ContainerID)
	}

	lines := p.MustRun("stats", "--no-stream", "-a").Lines()
	// The CPU TIME column is as wide as its longest value (481.9ms, 1.23456s).
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "ID            NAME        CPU %       MEM USAGE / LIMIT  MEM %       NET IO") ||
		!regexp.MustCompile(`PIDS        CPU TIME {3,}AVG CPU %$`).MatchString(lines[0]) {
		t.Fatalf("stats -a: %q", lines)
	}
	if f := strings.Fields(lines[1]); f[1] != "c" || f[5] != "104.9MB" || f[13] != "2" {
		t.Errorf("running row: %q", lines[1])
	}
	if f := strings.Fields(lines[2]); f[1] != "idle" || strings.Join(f[2:], " ") != "0.00% 0B / 0B 0.00% 0B / 0B 0B / 0B 0 0s 0.00%" {
		t.Errorf("created row: %q", lines[2])
	}
	if l := p.MustRun("stats", "--no-stream").Lines(); len(l) != 2 {
		t.Errorf("stats lists the running only: %q", l)
	}

	var js []map[string]string
	if err := json.Unmarshal([]byte(p.MustRun("stats", "--no-stream", "--format", "json", "idle").Stdout), &js); err != nil || len(js) != 1 {
		t.Fatalf("json: %v %v", err, js)
	}
	if js[0]["name"] != "idle" || js[0]["mem_usage"] != "0B / 0B" || js[0]["pids"] != "0" || len(js[0]["id"]) != 12 {
		t.Errorf("json element: %v", js[0])
	}
	if got := p.MustRun("stats", "--no-stream", "--format", "table {{.Name}} {{.PIDS}}", "-l").Lines(); strings.Join(got, "|") != "NAME        PIDS|idle        0" {
		t.Errorf("table template with -l: %q", got)
	}

	// Streaming: a row per interval, no screen reset into a pipe.
	ctx, cancel := context.WithTimeout(context.Background(), 3500*time.Millisecond)
	defer cancel()
	sout, _ := p.Command(ctx, RunOpts{}, "stats", "-i", "1", "--format", "{{.Name}} {{.PIDS}}", "c").Output()
	if rows := strings.Split(strings.TrimSpace(string(sout)), "\n"); len(rows) < 3 || rows[0] != "c 2" || strings.Contains(string(sout), "\033") {
		t.Errorf("streamed: %q", sout)
	}

	r := p.Run("stats", "--no-stream", "nosuch")
	if r.ExitCode != 125 || !strings.Contains(r.Stderr, `Error: unable to get list of containers: unable to look up container nosuch: no container with name or ID "nosuch" found: no such container`) {
		t.Errorf("missing container: %s", r)
	}
	r = p.Run("stats", "-i", "0", "c")
	if r.ExitCode != 125 || !strings.Contains(r.Stderr, "Error: invalid interval, must be a positive number greater zero") {
		t.Errorf("interval 0: %s", r)
	}
	r = p.Run("stats", "-a", "c")
	if r.ExitCode != 125 || !strings.Contains(r.Stderr, "--all, --latest and containers cannot be used together") {
		t.Errorf("-a with a name: %s", r)
	}
}
