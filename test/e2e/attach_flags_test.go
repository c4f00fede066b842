package e2e

import (
	"context"
	"strings"
	"syscall"
	"testing"
	"time"
)

// attach forwards signals to the container (--sig-proxy, the default);
// with --sig-proxy=false a signal ends only the attach; --no-stdin keeps
// pier's stdin from the container.
func TestAttachSigProxyAndNoStdin(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "-d", "-i", "--name", "c", Image, "sh", "-c",
		"trap 'echo got-usr1' USR1; echo ready; while :; do read -t 1 line && echo \"in:$line\"; done")
	p.WaitLogs("c", "ready", 20*time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out safeBuffer
	cmd := p.Command(ctx, RunOpts{}, "attach", "--no-stdin", "c")
	cmd.Stdin = strings.NewReader("secret\n")
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	_ = cmd.Process.Signal(syscall.SIGUSR1)
	if !eventually(20*time.Second, func() bool { return strings.Contains(out.String(), "got-usr1") }) {
		t.Errorf("SIGUSR1 not forwarded through attach: %q", out.String())
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if strings.Contains(p.MustRun("logs", "c").Stdout, "in:secret") {
		t.Errorf("--no-stdin passed stdin on")
	}

	cmd = p.Command(ctx, RunOpts{}, "attach", "--sig-proxy=false", "c")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("SIGTERM did not end attach --sig-proxy=false")
	}
	if st := p.Status("c"); st != "running" {
		t.Errorf("the container after the attach ended: %s", st)
	}
}
