package e2e

import (
	"strings"
	"testing"
)

// json-file is podman's docker-compatible name for k8s-file: inspect keeps
// the name, and the log is written and read as k8s-file's.
func TestLogDriverJSONFile(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	p.MustRun("run", "--name", "jf", "--log-driver", "json-file", Image, "echo", "hello json")
	if got := p.Inspect("jf", "{{.HostConfig.LogConfig.Type}}"); got != "json-file" {
		t.Errorf("log type %q, want json-file", got)
	}
	if got := p.MustRun("logs", "jf").Out(); got != "hello json" {
		t.Errorf("logs %q", got)
	}
}

// passthrough-tty hands the caller's stdio to the container as
// passthrough does, and also when it is a terminal with -t, where plain
// passthrough is refused in podman's words.
func TestLogDriverPassthroughTTY(t *testing.T) {
	t.Parallel()
	p := newPier(t)
	if got := p.MustRun("run", "--rm", "--log-driver", "passthrough-tty", Image, "echo", "straight").Out(); got != "straight" {
		t.Errorf("passthrough-tty output %q", got)
	}
	code, out := p.RunInPty(24, 80, "run", "--rm", "-it", "--log-driver", "passthrough-tty", Image, "sh", "-c", "[ -t 0 ] && [ -t 1 ] && echo on-a-terminal")
	if code != 0 || !strings.Contains(out, "on-a-terminal") {
		t.Errorf("passthrough-tty -it in a terminal: exit %d, %q", code, out)
	}
	code, out = p.RunInPty(24, 80, "run", "--rm", "-t", "--log-driver", "passthrough", Image, "true")
	if code != 125 || !strings.Contains(out, "the '--log-driver passthrough' option cannot be used on a TTY.  If you really want it, use '--log-driver passthrough-tty'") {
		t.Errorf("passthrough -t: exit %d, %q", code, out)
	}
	p.MustRun("create", "--name", "pt", "--log-driver", "passthrough-tty", Image, "true")
	p.ExpectEngineError(p.Run("logs", "pt"), "uses the passthrough-tty log driver, which keeps no logs to read")
}
