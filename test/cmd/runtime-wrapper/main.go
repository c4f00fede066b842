// Command runtime-wrapper stands in for an OCI runtime in end-to-end tests.
// It logs every invocation, can fail chosen subcommands, and otherwise execs
// the real runtime with the same arguments (same PID, same stdio).
//
// It is configured by files beside its own executable, so that it needs no
// environment from pier (which may not pass its environment through):
//
//	<exe>.real  path of the real runtime (default /usr/sbin/runc, then runc in PATH)
//	<exe>.fail  subcommands to fail, one per line ("start", "create", "kill"...)
//	<exe>.log   appended: one line per invocation, the arguments
//	<exe>.probe "SUBCOMMAND MILLIS PATH" lines: before running SUBCOMMAND,
//	            wait MILLIS ms, then log "probe PATH present" or "absent"
//	            (to observe what pier did meanwhile)
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// valueFlags are runc's global flags that take a value.
var valueFlags = map[string]bool{"--root": true, "--log": true, "--log-format": true, "--criu": true, "--rootless": true}

func subcommand(args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			return a
		}
		if valueFlags[a] {
			i++
		}
	}
	return ""
}

func main() {
	self, err := os.Executable()
	if err != nil {
		self = os.Args[0]
	}
	self, _ = filepath.Abs(self)
	args := os.Args[1:]
	sub := subcommand(args)
	if f, err := os.OpenFile(self+".log", os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
		fmt.Fprintln(f, strings.Join(args, " "))
		f.Close()
	}
	probe(self, sub)
	if b, err := os.ReadFile(self + ".fail"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.TrimSpace(l) == sub && sub != "" {
				fmt.Fprintf(os.Stderr, "runtime-wrapper: injected failure of %q\n", sub)
				os.Exit(1)
			}
		}
	}
	real := "/usr/sbin/runc"
	if b, err := os.ReadFile(self + ".real"); err == nil {
		real = strings.TrimSpace(string(b))
	} else if _, err := os.Stat(real); err != nil {
		if p, err := exec.LookPath("runc"); err == nil {
			real = p
		}
	}
	err = syscall.Exec(real, append([]string{real}, args...), os.Environ())
	fmt.Fprintf(os.Stderr, "runtime-wrapper: exec %s: %v\n", real, err)
	os.Exit(127)
}

func probe(self, sub string) {
	b, err := os.ReadFile(self + ".probe")
	if err != nil {
		return
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) != 3 || f[0] != sub {
			continue
		}
		ms, _ := strconv.Atoi(f[1])
		time.Sleep(time.Duration(ms) * time.Millisecond)
		what := "present"
		if _, err := os.Stat(f[2]); err != nil {
			what = "absent"
		}
		if lf, err := os.OpenFile(self+".log", os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			fmt.Fprintf(lf, "probe %s %s\n", f[2], what)
			lf.Close()
		}
	}
}
