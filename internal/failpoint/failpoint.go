// Package failpoint kills the process at named steps so tests can prove that
// a CLI killed at any point leaves a state the next command repairs. It is
// inert unless PIER_FAILPOINT names a step; it touches nothing else.
package failpoint

import (
	"os"
	"strings"
	"syscall"
)

// Var is the environment variable that names the enabled steps.
const Var = "PIER_FAILPOINT"

var enabled = parse(os.Getenv(Var))

// Env is what hands this process's failpoints to a pier process started
// on its behalf by a process that must not carry them itself (the
// monitor's exit command): nil when none is set.
func Env() []string {
	if v := os.Getenv(Var); v != "" {
		return []string{Var + "=" + v}
	}
	return nil
}

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
