package api

import (
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/moby/moby/api/types/system"
	"golang.org/x/sys/unix"

	"github.com/pier-engine/pier/internal/engine"
)

// version is Docker's version response, the shape podman uses on both
// trees, with pier as the engine component.
func (s *Server) version(w http.ResponseWriter, r *http.Request) {
	v := engine.VersionInfo()
	kernel := kernelRelease()
	built := time.Unix(v.Built, 0).UTC().Format(time.RFC3339)
	components := []system.ComponentVersion{{
		Name:    "Podman Engine",
		Version: v.Version,
		Details: map[string]string{
			"APIVersion": LibpodAPIVersion, "Arch": runtime.GOARCH, "BuildTime": built,
			"Experimental": "false", "GitCommit": v.GitCommit, "GoVersion": v.GoVersion,
			"KernelVersion": kernel, "MinAPIVersion": LibpodMinAPIVersion, "Os": runtime.GOOS,
		},
	}}
	if info, err := s.rt.Info(r.Context()); err == nil {
		if c := info.Host.Conmon; c != nil {
			components = append(components, system.ComponentVersion{Name: "Conmon", Version: c.Version, Details: map[string]string{"Package": c.Package}})
		}
		if o := info.Host.OCIRuntime; o != nil {
			components = append(components, system.ComponentVersion{Name: "OCI Runtime (" + o.Name + ")", Version: o.Version, Details: map[string]string{"Package": o.Package}})
		}
	}
	writeJSON(w, http.StatusOK, system.VersionResponse{
		Platform:      system.PlatformInfo{Name: runtime.GOOS + "/" + runtime.GOARCH},
		Components:    components,
		Version:       v.Version,
		APIVersion:    CompatAPIVersion,
		MinAPIVersion: CompatMinAPIVersion,
		GitCommit:     v.GitCommit,
		GoVersion:     v.GoVersion,
		Os:            runtime.GOOS,
		Arch:          runtime.GOARCH,
		KernelVersion: kernel,
		BuildTime:     built,
	})
}

// ipv4Forwarding reads the host's net.ipv4.ip_forward.
func ipv4Forwarding() bool {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_forward")
	return err == nil && strings.TrimSpace(string(b)) == "1"
}

func kernelRelease() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Release[:])
}

// libpodInfo is `pier info --format json`.
func (s *Server) libpodInfo(w http.ResponseWriter, r *http.Request) {
	info, err := s.rt.Info(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, info)
}

// compatInfo is Docker's info, filled from the same facts.
func (s *Server) compatInfo(w http.ResponseWriter, r *http.Request) {
	info, err := s.rt.Info(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	h, st := info.Host, info.Store
	out := system.Info{
		ID:                "pier",
		Containers:        st.ContainerStore.Number,
		ContainersRunning: st.ContainerStore.Running,
		ContainersPaused:  st.ContainerStore.Paused,
		ContainersStopped: st.ContainerStore.Stopped,
		Images:            st.ImageStore.Number,
		Driver:            st.GraphDriverName,
		SystemTime:        time.Now().Format(time.RFC3339Nano),
		LoggingDriver:     h.LogDriver,
		CgroupDriver:      h.CgroupManager,
		CgroupVersion:     strings.TrimPrefix(h.CgroupsVersion, "v"),
		KernelVersion:     h.Kernel,
		OperatingSystem:   h.Distribution.Distribution,
		OSVersion:         h.Distribution.Version,
		OSType:            h.OS,
		Architecture:      h.Arch,
		NCPU:              h.CPUs,
		MemTotal:          h.MemTotal,
		DockerRootDir:     st.GraphRoot,
		Name:              h.Hostname,
		ServerVersion:     info.Version.Version,
		Labels:            []string{},
		ExperimentalBuild: true,
		MemoryLimit:       true,
		SwapLimit:         true,
		CPUShares:         true,
		CPUSet:            true,
		PidsLimit:         true,
		IPv4Forwarding:    ipv4Forwarding(),
		NGoroutines:       runtime.NumGoroutine(),
	}
	for k, v := range st.GraphStatus {
		out.DriverStatus = append(out.DriverStatus, [2]string{k, v})
	}
	if o := h.OCIRuntime; o != nil {
		out.DefaultRuntime = o.Name
		out.Runtimes = map[string]system.RuntimeWithStatus{o.Name: {Runtime: system.Runtime{Path: o.Path}}}
	}
	writeJSON(w, http.StatusOK, out)
}
