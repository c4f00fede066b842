package engine

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"github.com/google/shlex"
	"go.podman.io/storage/pkg/reexec"
	"golang.org/x/sys/unix"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/psinfo"
)

// Top describes the processes of the running container nameOrID; see
// ContainerTop.
func (r *Runtime) Top(ctx context.Context, nameOrID string, descriptors []string) ([][]string, error) {
	c, err := r.Lookup(ctx, nameOrID)
	if err != nil {
		return nil, err
	}
	return r.ContainerTop(ctx, c, descriptors)
}

// ContainerTop describes the processes of the running container c, as
// podman's top: with ps(1) descriptors (comma or word separated) known to
// psinfo, a header row then one row per process; otherwise the words are
// ps(1)'s options and each row is one line of the host's ps run in the
// container's PID namespace (never a binary of the image).
func (r *Runtime) ContainerTop(ctx context.Context, c *define.Container, descriptors []string) ([][]string, error) {
	if c.State.Status != define.StatusRunning || c.State.PID <= 0 {
		return nil, fmt.Errorf("top can only be used on running containers: %w", define.ErrCtrStateInvalid)
	}
	var split []string
	for _, d := range descriptors {
		for s := range strings.SplitSeq(d, ",") {
			if s != "" {
				split = append(split, s)
			}
		}
	}
	var root *os.Root
	if rt, err := os.OpenRoot("/proc/" + strconv.Itoa(c.State.PID) + "/root"); err == nil {
		root = rt
		defer rt.Close()
	}
	rows, err := psinfo.Table(c.State.PID, root, split)
	if err == nil || !errors.Is(err, psinfo.ErrUnknownDescriptor) {
		return rows, err
	}
	args := descriptors
	if len(descriptors) == 1 {
		// `top CTR "-o pid,args"` is one word for ps(1) to split (#12452).
		if args, err = shlex.Split(descriptors[0]); err != nil {
			return nil, fmt.Errorf("parsing ps args: %w", err)
		}
	}
	lines, err := hostPS(ctx, c.State.PID, args)
	if err != nil {
		return nil, err
	}
	// ps lists itself: drop the lines that show its own arguments.
	self := strings.Join(descriptors, " ")
	rows = rows[:0]
	for _, l := range lines {
		if !strings.Contains(l, self) {
			rows = append(rows, []string{l})
		}
	}
	return rows, nil
}

const (
	topReexec   = "pier-top"
	topPSReexec = "pier-top-ps"
	// topSetupFailed is the helpers' exit code when they, not ps, fail.
	topSetupFailed = 255
)

func init() {
	reexec.Register(topReexec, topMain)
	reexec.Register(topPSReexec, topPSMain)
}

// hostPS runs the host's ps(1) in the PID namespace of pid, in a private
// mount namespace with everything read-only, and returns its output lines.
func hostPS(ctx context.Context, pid int, args []string) ([]string, error) {
	psPath, err := exec.LookPath("ps")
	if err != nil {
		return nil, fmt.Errorf("finding ps(1) on the host: %w", err)
	}
	cmd := reexec.CommandContext(ctx, append([]string{topReexec, strconv.Itoa(pid), psPath}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: unix.CLONE_NEWNS, Pdeathsig: unix.SIGKILL}
	cmd.Env = []string{"HOME=" + os.Getenv("HOME")} // nothing of ours leaks to ps
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() != topSetupFailed {
			return nil, fmt.Errorf("ps(1) failed with exit code %d: %s", ee.ExitCode(), errb.String())
		}
		return nil, fmt.Errorf("could not execute ps(1) in the container pid namespace: %s: %w", strings.TrimSpace(errb.String()), err)
	}
	var lines []string
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines, sc.Err()
}

// topMain (pier-top PID PS ARGS...) runs in a new mount namespace: it
// makes every mount read-only, joins the PID namespace of PID and starts
// pier-top-ps there, the namespace's new member, which mounts its /proc.
func topMain() {
	if err := topSetup(); err != nil {
		fmt.Fprint(os.Stderr, err.Error())
		os.Exit(topSetupFailed)
	}
}

func topSetup() error {
	if len(os.Args) < 3 {
		return errors.New("internal error: pier-top needs a PID and a ps path")
	}
	// Everything below changes the mount namespace: never the caller's.
	self, err1 := os.Readlink("/proc/self/ns/mnt")
	parent, err2 := os.Readlink("/proc/" + strconv.Itoa(os.Getppid()) + "/ns/mnt")
	if err1 != nil || err2 != nil || self == parent {
		return errors.New("internal error: pier-top must run in a mount namespace of its own")
	}
	// setns(CLONE_NEWPID) changes the namespace of this thread's children.
	runtime.LockOSThread()
	_ = unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("PR_SET_NO_NEW_PRIVS: %w", err)
	}
	if err := unix.Mount("none", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make / mount private: %w", err)
	}
	// The container's processes could reach ps and pier through /proc
	// while ps runs among them: neither may be writable.
	if err := unix.MountSetattr(-1, "/", unix.AT_RECURSIVE, &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}); err != nil {
		return fmt.Errorf("mount_setattr / readonly: %w", err)
	}
	if unix.Access(os.Args[2], unix.W_OK) == nil {
		return fmt.Errorf("%q was not mounted read only, this can be dangerous so we will not execute it", os.Args[2])
	}
	fd, err := unix.Open("/proc/"+os.Args[1]+"/ns/pid", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open pidns: %w", err)
	}
	if err := unix.Setns(fd, unix.CLONE_NEWPID); err != nil {
		return fmt.Errorf("setns NEWPID: %w", err)
	}
	unix.Close(fd)
	cmd := reexec.Command(append([]string{topPSReexec}, os.Args[2:]...)...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Env = os.Environ()
	// No Pdeathsig here: Go's fork checks getppid(), which is 0 for a
	// parent outside the new PID namespace, and kills the child.
	// topPSMain sets it itself.
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		os.Exit(ee.ExitCode())
	}
	return err
}

// topPSMain (pier-top-ps PS ARGS...) mounts the namespace's /proc, so that
// ps sees the container's processes, and becomes ps.
func topPSMain() {
	_ = unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0)
	if err := unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		fmt.Fprintf(os.Stderr, "mount proc: %v", err)
		os.Exit(topSetupFailed)
	}
	err := unix.Exec(os.Args[1], os.Args[1:], os.Environ())
	fmt.Fprintf(os.Stderr, "executing %s: %v", os.Args[1], err)
	os.Exit(topSetupFailed)
}
