package engine

import (
	"path/filepath"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/monitor"
	"github.com/pier-engine/pier/internal/oci"
)

// ctrPaths are the files and directories pier keeps for one container.
// This is the only place that builds them: start writes them, inspect
// shows them, logs reads them, rm deletes them.
type ctrPaths struct {
	// RunDir is on the run root (tmpfs), so a reboot clears it: the
	// bundle, the host files and the monitor's files (pid files, attach
	// socket, exit file; named by package monitor).
	RunDir string
	// DataDir survives reboots: the default log.
	DataDir string

	Bundle                      string // the runtime's config.json
	Hosts, Hostname, ResolvConf string // bind-mounted into the container
	DefaultLog                  string // the k8s-file log unless --log-opt path
}

func (r *Runtime) ctrPaths(id string) ctrPaths {
	return ctrPathsIn(filepath.Join(r.runDir, "containers", id), filepath.Join(r.dataDir, "containers", id))
}

// ctrPathsIn lays a container's files out in its run and data dirs.
func ctrPathsIn(run, data string) ctrPaths {
	return ctrPaths{
		RunDir: run, DataDir: data,
		Bundle:     filepath.Join(run, "config.json"),
		Hosts:      filepath.Join(run, "hosts"),
		Hostname:   filepath.Join(run, "hostname"),
		ResolvConf: filepath.Join(run, "resolv.conf"),
		DefaultLog: filepath.Join(data, "ctr.log"),
	}
}

// ctrRunDir is ctrPaths(id).RunDir, the one most callers need.
func (r *Runtime) ctrRunDir(id string) string { return r.ctrPaths(id).RunDir }

// k8sFileLog reports whether the log driver writes the k8s-file log:
// k8s-file itself, and json-file, which podman takes as k8s-file for
// docker's sake (inspect still says json-file).
func k8sFileLog(driver string) bool {
	return driver == "k8s-file" || driver == "json-file"
}

// monitorLogDriver is the monitor's name for the container's log driver.
func monitorLogDriver(driver string) string {
	if k8sFileLog(driver) {
		return monitor.LogK8sFile
	}
	return driver
}

// logPath is the container's k8s-file log, "" for other log drivers.
func (r *Runtime) logPath(c *define.Container) string {
	if c.Config.LogPath != "" {
		return c.Config.LogPath
	}
	if !k8sFileLog(c.Config.LogDriver) {
		return ""
	}
	return r.ctrPaths(c.Config.ID).DefaultLog
}

// runtimeRoot is the runtime's state root (--root), under our run root:
// test roots stay isolated from the host's /run/runc, and it is wiped with
// the run root on reboot.
func (r *Runtime) runtimeRoot(rt *oci.Runtime) string {
	return filepath.Join(r.runDir, "runtime", filepath.Base(rt.Name))
}

// runtimeStateDir is where runc keeps the container's state.
func (r *Runtime) runtimeStateDir(rt *oci.Runtime, id string) string {
	return filepath.Join(r.runtimeRoot(rt), id)
}
