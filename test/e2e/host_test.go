package e2e

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/mattn/go-sqlite3"
	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

// Host-side observations: mounts, processes, files. These are what the tests
// assert on besides pier's own output.

// mountsUnder returns the mounts whose mount point is under dir.
func mountsUnder(dir string) []*mountinfo.Info {
	ms, err := mountinfo.GetMounts(mountinfo.PrefixFilter(dir))
	if err != nil {
		return nil
	}
	return ms
}

// LeakedMounts lists mounts left under the test dir, except the private
// bind mount containers/storage keeps on <root>/overlay for its lifetime.
func (p *Pier) LeakedMounts() []string {
	var out []string
	for _, m := range mountsUnder(p.Dir) {
		if m.Mountpoint == filepath.Join(p.Root, "overlay") && m.FSType != "overlay" {
			continue
		}
		out = append(out, fmt.Sprintf("%s %s", m.FSType, m.Mountpoint))
	}
	sort.Strings(out)
	return out
}

// OverlayMounts lists the overlay mounts under the test dir.
func (p *Pier) OverlayMounts() []string {
	var out []string
	for _, m := range mountsUnder(p.Dir) {
		if m.FSType == "overlay" {
			out = append(out, m.Mountpoint)
		}
	}
	return out
}

// procInfo is what tests need of a process.
type procInfo struct {
	PID, PPID, SID int
	Comm, Cmdline  string
	Root           string
}

func (pi procInfo) String() string {
	return fmt.Sprintf("pid %d ppid %d sid %d %s [%s] root=%s", pi.PID, pi.PPID, pi.SID, pi.Comm, pi.Cmdline, pi.Root)
}

func readProc(pid int) (procInfo, error) {
	pi := procInfo{PID: pid}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return pi, err
	}
	s := string(stat)
	open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || close < 0 {
		return pi, fmt.Errorf("bad stat %q", s)
	}
	pi.Comm = s[open+1 : close]
	f := strings.Fields(s[close+1:])
	if len(f) < 4 {
		return pi, fmt.Errorf("bad stat %q", s)
	}
	if f[0] == "Z" {
		return pi, fmt.Errorf("pid %d is a zombie", pid)
	}
	pi.PPID, _ = strconv.Atoi(f[1])
	pi.SID, _ = strconv.Atoi(f[3])
	cl, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	pi.Cmdline = strings.TrimSpace(strings.ReplaceAll(string(cl), "\x00", " "))
	pi.Root, _ = os.Readlink(fmt.Sprintf("/proc/%d/root", pid))
	return pi, nil
}

func allProcs() []procInfo {
	ents, _ := os.ReadDir("/proc")
	var out []procInfo
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if pi, err := readProc(pid); err == nil {
			out = append(out, pi)
		}
	}
	return out
}

// Processes lists live processes that belong to this engine: any whose
// command line names the test dir (pier, pier-monitor, runc) or whose root
// is under it (container processes).
func (p *Pier) Processes() []procInfo {
	var out []procInfo
	self := os.Getpid()
	for _, pi := range allProcs() {
		if pi.PID == self {
			continue
		}
		if strings.Contains(pi.Cmdline, p.Dir+"/") || strings.HasPrefix(pi.Root, p.Dir+"/") || rootMountUnder(pi.PID, p.Dir+"/") {
			out = append(out, pi)
		}
	}
	return out
}

// rootMountUnder reports whether the process runs in another mount
// namespace whose root mount comes from dir (a container on our storage:
// /proc/pid/root reads "/" from outside such a namespace).
func rootMountUnder(pid int, dir string) bool {
	self, _ := os.Readlink("/proc/self/ns/mnt")
	ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/mnt", pid))
	if err != nil || ns == self {
		return false
	}
	mi, err := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", pid))
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(mi), "\n") {
		f := strings.Fields(l)
		if len(f) > 4 && f[4] == "/" {
			return strings.Contains(l, dir)
		}
	}
	return false
}

// MonitorsFor returns pier-monitor processes whose command line or
// environment names the container ID. The monitor is recognised by its
// executable or argv[0], not by comm (a re-exec through /proc/self/exe
// shows as "exe").
func MonitorsFor(id string) []procInfo {
	var out []procInfo
	for _, pi := range allProcs() {
		exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pi.PID))
		argv0, _, _ := strings.Cut(pi.Cmdline, " ")
		if filepath.Base(exe) != "pier-monitor" && filepath.Base(argv0) != "pier-monitor" {
			continue
		}
		env, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pi.PID))
		if strings.Contains(pi.Cmdline, id) || strings.Contains(string(env), id) {
			out = append(out, pi)
		}
	}
	return out
}

func alive(pid int) bool {
	_, err := readProc(pid) // zombies count as dead
	return err == nil
}

func vmRSSkB(pid int) int {
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(st), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			f := strings.Fields(l)
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return -1
}

// StorageContainers counts containers in containers/storage's own index.
func (p *Pier) StorageContainers() int {
	b, err := os.ReadFile(filepath.Join(p.Root, "overlay-containers", "containers.json"))
	if err != nil {
		return 0
	}
	var l []json.RawMessage
	if json.Unmarshal(b, &l) != nil {
		return -1
	}
	return len(l)
}

// forceClean kills this engine's processes and unmounts everything under
// the test dir, deepest first.
func (p *Pier) forceClean() {
	for _, pi := range p.Processes() {
		syscall.Kill(pi.PID, syscall.SIGKILL)
	}
	eventually(5*time.Second, func() bool { return len(p.Processes()) == 0 })
	p.UnmountAll()
}

// UnmountAll detaches every mount under the test dir.
func (p *Pier) UnmountAll() {
	ms := mountsUnder(p.Dir)
	sort.Slice(ms, func(i, j int) bool { return len(ms[i].Mountpoint) > len(ms[j].Mountpoint) })
	for _, m := range ms {
		unix.Unmount(m.Mountpoint, unix.MNT_DETACH)
	}
}

// hostInterfaces lists the interfaces of the test process's netns.
func hostInterfaces() []string { return parseNetDev(mustRead("/proc/net/dev")) }

func parseNetDev(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		// veths and podmanN bridges come and go with other containers
		// (bridge is the default network): only the stable interfaces
		// are compared.
		name := strings.TrimSpace(l)
		if i := strings.IndexByte(l, ':'); i > 0 && !strings.Contains(l, "|") && !strings.HasPrefix(name, "veth") && !strings.HasPrefix(name, "podman") {
			out = append(out, strings.TrimSpace(l[:i]))
		}
	}
	sort.Strings(out)
	return out
}

func mustRead(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// StateRows counts the rows of the state database's tables that hold
// containers and their name reservations (<root>/pier/state.db). A missing
// database counts as empty.
func (p *Pier) StateRows() (map[string]int, error) {
	path := filepath.Join(p.Root, "pier", "state.db")
	if _, err := os.Stat(path); err != nil {
		return nil, nil
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows := map[string]int{}
	for _, table := range []string{"containers", "names", "pods", "dependencies"} {
		var n int
		if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
			return nil, fmt.Errorf("%s: %w", table, err)
		}
		if n > 0 {
			rows[table] = n
		}
	}
	return rows, nil
}

// SetStateField sets one JSON field of a container's stored state (a
// situation no command can produce, such as a reused PID).
func (p *Pier) SetStateField(name, jsonPath string, value any) {
	p.t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(p.Root, "pier", "state.db")+"?_busy_timeout=10000")
	if err != nil {
		p.t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec("UPDATE containers SET state = json_set(state, ?, ?) WHERE name = ?", jsonPath, value, name)
	if err != nil {
		p.t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		p.t.Fatalf("no container %q in the state database", name)
	}
}
