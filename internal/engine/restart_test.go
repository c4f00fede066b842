package engine

import (
	"testing"

	"github.com/pier-engine/pier/internal/define"
)

func TestRestartWanted(t *testing.T) {
	ctr := func(policy string, retries uint, code int32, count uint, byUser bool) *define.Container {
		c := &define.Container{}
		c.Config.RestartPolicy, c.Config.RestartRetries = policy, retries
		c.State.Status, c.State.ExitCode, c.State.RestartCount, c.State.StoppedByUser = define.StatusExited, code, count, byUser
		return c
	}
	for _, tc := range []struct {
		c    *define.Container
		want bool
	}{
		{ctr("", 0, 1, 0, false), false},
		{ctr("no", 0, 1, 0, false), false},
		{ctr("always", 0, 0, 7, false), true},
		{ctr("unless-stopped", 0, 0, 0, false), true},
		{ctr("always", 0, 0, 0, true), false}, // stopped by the user
		{ctr("on-failure", 0, 0, 0, false), false},
		{ctr("on-failure", 0, 1, 9, false), true},
		{ctr("on-failure", 2, 1, 1, false), true},
		{ctr("on-failure", 2, 1, 2, false), false}, // retries used up
		{ctr("on-failure", 2, 137, 0, true), false},
	} {
		if got := restartWanted(tc.c); got != tc.want {
			t.Errorf("%s:%d exit %d count %d byUser %v: %v, want %v", tc.c.Config.RestartPolicy, tc.c.Config.RestartRetries,
				tc.c.State.ExitCode, tc.c.State.RestartCount, tc.c.State.StoppedByUser, got, tc.want)
		}
	}
	running := ctr("always", 0, 0, 0, false)
	running.State.Status = define.StatusRunning
	if restartWanted(running) {
		t.Error("a running container is not restarted")
	}
}
