package signal

import (
	"syscall"
	"testing"
)

func TestParseKill(t *testing.T) {
	good := map[string]syscall.Signal{
		"KILL": syscall.SIGKILL, "sigkill": syscall.SIGKILL, "-KILL": syscall.SIGKILL,
		"9": syscall.SIGKILL, "-9": syscall.SIGKILL, "1": syscall.SIGHUP, "-1": syscall.SIGHUP,
		"SIGRTMIN+3": 37, "RTMAX-2": 62, "RTMAX": 64, "64": 64, "-64": 64, "+1": 1,
		"SIGIOT": syscall.SIGABRT, "SIGCLD": syscall.SIGCHLD,
	}
	for in, want := range good {
		got, err := ParseKill(in)
		if err != nil || got != want {
			t.Errorf("ParseKill(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	bad := map[string]string{
		"0": "invalid signal: 0", "-0": "invalid signal: 0", "SIGBADSIG": "invalid signal: SIGBADSIG",
		"-SIG": "invalid signal: SIG", "-": "invalid signal: ", "": "invalid signal: ", " ": "invalid signal:  ",
		"%%": "invalid signal: %%", "RTMIN+31": "invalid signal: RTMIN+31", "1x": "invalid signal: 1x",
		"65": errRange, "-65": errRange, "96": errRange, "99999999": errRange,
	}
	for in, want := range bad {
		if _, err := ParseKill(in); err == nil || err.Error() != want {
			t.Errorf("ParseKill(%q) error = %v; want %q", in, err, want)
		}
	}
}

func TestParseStopSignal(t *testing.T) {
	if got, err := Parse("--9"); err != nil || got != syscall.SIGKILL {
		t.Errorf("Parse(--9) = %d, %v", got, err)
	}
	if _, err := Parse("99"); err == nil || err.Error() != errRange {
		t.Errorf("Parse(99) error = %v", err)
	}
	if _, err := Parse("BAD"); err == nil || err.Error() != "invalid signal: BAD" {
		t.Errorf("Parse(BAD) error = %v", err)
	}
}
