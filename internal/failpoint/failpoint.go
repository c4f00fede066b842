// Package failpoint kills the process at named steps so tests can prove that
// a CLI killed at any point leaves a state the next command repairs. It is
// inert unless PIER_FAILPOINT names a step; it touches nothing else.
package failpoint

import (
	"os"
	"strings"
	"syscall"
)

var enabled = parse(os.Getenv("PIER_FAILPOINT"))

func parse(v string) map[string]bool {
	if v == "" {
		return nil
	}
	m := map[string]bool{}
	for _, n := range strings.Split(v, ",") {
		m[strings.TrimSpace(n)] = true
	}
	return m
}

// Hit SIGKILLs the process when name is enabled: no deferred cleanup runs,
// exactly like a user's kill -9 or an OOM kill.
func Hit(name string) {
	if enabled[name] {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is asynchronous; never run the next step
	}
}
