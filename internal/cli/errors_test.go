package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/errdefs"
)

func TestRmiReport(t *testing.T) {
	var out, errOut bytes.Buffer
	g := &Globals{Stdout: &out, Stderr: &errOut}
	inUse := fmt.Errorf("image a: %w", define.ErrImageInUse)
	missing := fmt.Errorf("image b: %w", define.ErrNoSuchImage)
	err := rmiReport(g, []string{"x:1"}, []string{"abc"}, errors.Join(inUse, missing))
	if out.String() != "Untagged: x:1\nDeleted: abc\n" {
		t.Errorf("stdout %q", out.String())
	}
	// podman 5 joins several errors into one list; in use wins the exit code.
	if err == nil || err.Error() != "2 errors occurred:\n\t* "+inUse.Error()+"\n\t* "+missing.Error() || errdefs.ExitCode(err) != 2 {
		t.Errorf("err %v, exit code %d", err, errdefs.ExitCode(err))
	}
	if err := rmiReport(g, nil, nil, missing); errdefs.ExitCode(err) != 1 || err.Error() != missing.Error() {
		t.Errorf("missing image: %v, exit code %d", err, errdefs.ExitCode(err))
	}
	// A missing image among other failures is an engine error.
	if err := rmiReport(g, nil, nil, errors.Join(missing, errors.New("boom"))); errdefs.ExitCode(err) != errdefs.ExitEngine {
		t.Errorf("missing and other: exit code %d", errdefs.ExitCode(err))
	}
	if err := rmiReport(g, nil, nil, errors.New("boom")); errdefs.ExitCode(err) != errdefs.ExitEngine {
		t.Errorf("other error: exit code %d", errdefs.ExitCode(err))
	}
	if err := rmiReport(g, nil, nil, nil); err != nil {
		t.Errorf("no error: %v", err)
	}
}

func TestRmExitCode(t *testing.T) {
	for err, want := range map[error]int{
		nil:                                      0,
		fmt.Errorf("x: %w", define.ErrNoSuchCtr): 1,
		fmt.Errorf("x: %w", define.ErrCtrStateInvalid): 2,
		errors.New("boom"): errdefs.ExitEngine,
	} {
		if got := errdefs.ExitCode(rmExitCode(err)); got != want {
			t.Errorf("rmExitCode(%v) exits %d, want %d", err, got, want)
		}
	}
}

func TestExistsExit(t *testing.T) {
	boom := errors.New("boom")
	if existsExit(true, nil) != nil || existsExit(false, boom) != boom {
		t.Error("found, or failed: as is")
	}
	err := existsExit(false, nil)
	if errdefs.ExitCode(err) != 1 || !errdefs.Silent(err) {
		t.Errorf("missing: %v", err)
	}
	if ignoreMissing(fmt.Errorf("x: %w", define.ErrNoSuchCtr)) != nil || ignoreMissing(boom) != boom {
		t.Error("ignoreMissing")
	}
}

func TestNewest(t *testing.T) {
	if newest(nil) != nil {
		t.Error("no containers: nil")
	}
	a := ctr("a", "a", define.StatusRunning, 0, nil, t0)
	b := ctr("b", "b", define.StatusRunning, 0, nil, t0.Add(time.Second))
	c := ctr("c", "c", define.StatusRunning, 0, nil, t0.Add(time.Second))
	// A tie goes to the later in the list, as podman's --latest.
	if got := newest([]*define.Container{a, b, c}); got != c {
		t.Errorf("newest = %s", got.Config.ID)
	}
	if got := newest([]*define.Container{b, a}); got != b {
		t.Errorf("newest = %s", got.Config.ID)
	}
}

func TestConfirm(t *testing.T) {
	for in, want := range map[string]bool{"y\n": true, "YES\n": true, " y \nmore": true, "y": true, "n\n": false, "\n": false, "yes please\n": false} {
		var out bytes.Buffer
		g := &Globals{Stdin: strings.NewReader(in), Stdout: &out}
		ok, err := confirm(g, "sure? ")
		if err != nil || ok != want || out.String() != "sure? " {
			t.Errorf("confirm(%q) = %v, %v; printed %q", in, ok, err, out.String())
		}
	}
	g := &Globals{Stdin: strings.NewReader(""), Stdout: io.Discard}
	if _, err := confirm(g, "sure? "); !errors.Is(err, io.EOF) {
		t.Errorf("no answer: %v, want EOF", err)
	}
}
