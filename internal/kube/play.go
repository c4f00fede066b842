package kube

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"go.podman.io/common/libnetwork/types"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/image"
	"github.com/pier-engine/pier/internal/network"
)

// DefaultNetwork is the bridge network played pods join without
// --network, as podman 5 names it (made on first use, DNS enabled).
const DefaultNetwork = "podman-default-kube-network"

// PlayRequest is `kube play`: the YAML and what the flags ask.
type PlayRequest struct {
	Data []byte
	Options
	// Networks are --network values: a mode (host, none, bridge) or
	// network names; empty joins DefaultNetwork.
	Networks []string
	// Publish are --publish values added to the YAML's ports.
	Publish []string
	// NoStart leaves pods created (--start=false).
	NoStart bool
	// Replace removes pods of the same names first, with their containers.
	Replace bool
	// Pull has the registry options (--creds, --tls-verify, ...); the
	// policy comes from each container's imagePullPolicy.
	Pull image.PullOptions
	// ServiceContainer makes a service container (named after the YAML's
	// digest) that runs while the pods run; ExitCodePropagation ("none",
	// "all", "any") is its --service-exit-code-propagation.
	ServiceContainer    bool
	ExitCodePropagation string
	// StaticIPs and StaticMACs (--ip, --mac-address) go to the pods in
	// order, one each.
	StaticIPs  []string
	StaticMACs []string
	// NoHosts (--no-hosts) gives the pods no /etc/hosts of pier's, and
	// NoHostname (--no-hostname) no /etc/hostname.
	NoHosts    bool
	NoHostname bool
	// Build (--build) and ContextDir (--context-dir, else the working
	// directory) say which images are built from DIR/NAME/Containerfile.
	Build      BuildMode
	ContextDir string
	// Progress receives pull and build output (stderr unless -q).
	Progress io.Writer
}

// PlayPod is one pod that was made.
type PlayPod struct {
	ID              string
	Containers      []string
	InitContainers  []string
	ContainerErrors []string
}

// PlayReport is what `kube play` prints.
type PlayReport struct {
	Volumes []string
	Secrets []string
	Pods    []PlayPod
	// ServiceContainerID is the service container made, if any.
	ServiceContainerID string
	Skipped            []string
	Warnings           []string
}

// Play creates what the YAML describes: PersistentVolumeClaims' volumes,
// then per workload its volumes, pod and containers, and starts the pod.
// Every workload is translated before anything is made, so bad input
// creates nothing; a failure while making a pod removes that pod.
func Play(ctx context.Context, rt *engine.Runtime, req *PlayRequest) (*PlayReport, error) {
	objs, err := Parse(req.Data)
	if err != nil {
		return nil, err
	}
	if !objs.Supported() {
		if len(objs.ConfigMaps) > 0 {
			return nil, errdefs.New(errdefs.ErrInvalidArgument, "ConfigMaps in podman are not a standalone object and must be used in a container")
		}
		return nil, errdefs.New(errdefs.ErrInvalidArgument, "YAML document does not contain any supported kube kind")
	}
	if err := loadStoreSecrets(ctx, rt, objs); err != nil {
		return nil, err
	}
	if req.ServiceContainer {
		if err := engine.ValidatePropagation(req.ExitCodePropagation); err != nil {
			return nil, err
		}
	}
	rep := &PlayReport{Skipped: objs.Skipped, Warnings: objs.Warnings}
	plans := make([]*PodPlan, 0, len(objs.Workloads))
	for i := range objs.Workloads {
		p, err := Plan(&objs.Workloads[i], objs, &req.Options)
		if err != nil {
			return nil, err
		}
		plans = append(plans, p)
	}
	pvcs := make([]*engine.VolumeCreateRequest, 0, len(objs.PVCs))
	for i := range objs.PVCs {
		v, err := PVCVolume(&objs.PVCs[i])
		if err != nil {
			return nil, err
		}
		pvcs = append(pvcs, v)
	}
	if rep.Secrets, err = storeSecrets(ctx, rt, objs.Secrets); err != nil {
		return rep, err
	}
	for _, v := range pvcs {
		if _, err := rt.VolumeCreate(ctx, *v); err != nil {
			return rep, err
		}
		rep.Volumes = append(rep.Volumes, v.Name)
	}
	service := ""
	if req.ServiceContainer && len(plans) > 0 {
		c, err := rt.CreateServiceContainer(ctx, ServiceContainerName(req.Data), req.Replace, req.ExitCodePropagation)
		if err != nil {
			return rep, err
		}
		service = c.Config.ID
		rep.ServiceContainerID = service
	}
	for i, p := range plans {
		pod, err := playPod(ctx, rt, req, p, service, i, rep)
		if err != nil {
			if service != "" && len(rep.Pods) == 0 {
				zero := uint(0)
				_ = rt.Remove(context.WithoutCancel(ctx), service, engine.RemoveOptions{Force: true, Timeout: &zero})
			}
			return rep, err
		}
		rep.Pods = append(rep.Pods, *pod)
	}
	return rep, nil
}

// ServiceContainerName is podman's name for the service container of a
// YAML: the first 12 hex digits of its sha256, then "-service".
func ServiceContainerName(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])[:12] + "-service"
}

// playPod makes one pod; on failure it removes what it made of it.
func playPod(ctx context.Context, rt *engine.Runtime, req *PlayRequest, p *PodPlan, service string, index int, rep *PlayReport) (*PlayPod, error) {
	if err := makeHostPaths(p.HostPaths); err != nil {
		return nil, err
	}
	if err := buildImages(ctx, rt, req, p); err != nil {
		return nil, err
	}
	for i := range p.Volumes {
		if err := fillVolume(ctx, rt, &p.Volumes[i]); err != nil {
			return nil, err
		}
	}
	podReq, err := podRequest(ctx, rt, req, &p.Pod)
	if err != nil {
		return nil, err
	}
	warnings, err := staticAddrs(podReq, req, index)
	if err != nil {
		return nil, err
	}
	rep.Warnings = append(rep.Warnings, warnings...)
	podReq.ServiceContainerID = service
	pod, err := rt.PodCreate(ctx, podReq)
	if err != nil {
		return nil, err
	}
	out := &PlayPod{ID: pod.Config.ID}
	undo := func(err error) (*PlayPod, error) {
		zero := uint(0)
		_, _ = rt.PodRemove(context.WithoutCancel(ctx), pod.Config.ID, engine.PodRemoveOptions{Force: true, Ignore: true, Timeout: &zero})
		return nil, err
	}
	for _, c := range append(slices.Clone(p.InitContainers), p.Containers...) {
		// A host-network pod's members are in the host's network
		// namespace themselves, as podman makes them (net.* sysctls
		// are then left out).
		if podReq.NetworkMode == "host" {
			c.NetworkMode = "host"
		}
		c.NoHosts = c.NoHosts || req.NoHosts
	}
	for _, c := range p.InitContainers {
		id, err := createMember(ctx, rt, req, pod, c)
		if err != nil {
			return undo(err)
		}
		out.InitContainers = append(out.InitContainers, id)
	}
	for _, c := range p.Containers {
		id, err := createMember(ctx, rt, req, pod, c)
		if err != nil {
			return undo(err)
		}
		out.Containers = append(out.Containers, id)
	}
	if req.NoStart {
		return out, nil
	}
	if _, err := rt.PodStart(ctx, pod.Config.ID); err != nil {
		out.ContainerErrors = append(out.ContainerErrors, startErrors(err)...)
	}
	return out, nil
}

// startErrors words each member's failure as podman's report does.
func startErrors(err error) []string {
	var errs []string
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			errs = append(errs, "starting container: "+e.Error())
		}
		return errs
	}
	return []string{"starting container: " + err.Error()}
}

func createMember(ctx context.Context, rt *engine.Runtime, req *PlayRequest, pod *define.Pod, c *engine.CreateRequest) (string, error) {
	c.Pod = pod.Config.ID
	if pod.Config.InfraContainerID != "" {
		c.Annotations[SandboxIDAnnotation] = pod.Config.InfraContainerID
	}
	pull := req.Pull
	pull.Policy = image.PullMissing
	if c.Pull != nil {
		pull.Policy = c.Pull.Policy
	}
	c.Pull = &pull
	if req.Replace {
		c.Replace = true
	}
	ctr, err := rt.CreateContainer(ctx, c)
	if err != nil {
		return "", err
	}
	return ctr.Config.ID, nil
}

// podRequest is the pod's create request: its network from --network
// (or the kube default network, made if missing) and its ports.
func podRequest(ctx context.Context, rt *engine.Runtime, req *PlayRequest, p *PodSpec) (*engine.PodCreateRequest, error) {
	r := &engine.PodCreateRequest{Name: p.Name, Labels: p.Labels, Hostname: p.Hostname,
		InfraName: p.InfraName, ExitPolicy: p.ExitPolicy, Replace: req.Replace, RestartPolicy: p.RestartPolicy,
		DNSServers: p.DNSServers, DNSSearch: p.DNSSearch, DNSOptions: p.DNSOptions, AddHosts: p.AddHosts,
		NoHosts: req.NoHosts, NoHostname: req.NoHostname, Share: []string{define.PodNSIPC, define.PodNSNet, define.PodNSUTS}}
	if p.Userns != "host" {
		r.Isolation.UserNS = p.Userns
	}
	if p.SharePID {
		r.Share = append(r.Share, define.PodNSPID)
	}
	for _, m := range p.PortMappings {
		r.Publish = append(r.Publish, publishString(m))
	}
	r.Publish = append(r.Publish, req.Publish...)
	switch {
	case p.HostNetwork:
		r.NetworkMode = "host"
	case len(req.Networks) > 0:
		r.NetworkMode, r.ExtraNetworks = req.Networks[0], slices.Clone(req.Networks[1:])
	default:
		if _, err := rt.NetworkCreate(ctx, network.CreateRequest{Name: DefaultNetwork, Ignore: true}); err != nil {
			return nil, fmt.Errorf("creating network %s: %w", DefaultNetwork, err)
		}
		r.NetworkMode = DefaultNetwork
	}
	if r.NetworkMode == "host" {
		r.Publish = nil
	}
	return r, nil
}

// publishString is m as a --publish value.
func publishString(m types.PortMapping) string {
	s := strconv.Itoa(int(m.HostPort)) + ":" + strconv.Itoa(int(m.ContainerPort)) + "/" + m.Protocol
	if m.HostIP != "" {
		ip := m.HostIP
		if strings.Contains(ip, ":") {
			ip = "[" + ip + "]"
		}
		s = ip + ":" + s
	}
	return s
}

// makeHostPaths creates missing DirectoryOrCreate and FileOrCreate paths.
func makeHostPaths(hps []HostPath) error {
	for _, hp := range hps {
		if hp.Dir {
			if err := os.MkdirAll(hp.Path, 0o755); err != nil {
				return fmt.Errorf("creating HostPath %s: %w", hp.Path, err)
			}
			continue
		}
		f, err := os.OpenFile(hp.Path, os.O_RDONLY|os.O_CREATE, 0o644)
		if err != nil {
			return fmt.Errorf("creating HostPath: %w", err)
		}
		_ = f.Close()
	}
	return nil
}

// fillVolume creates (or reuses) a ConfigMap's or Secret's volume and
// writes its items, through an os.Root so no item escapes the volume.
func fillVolume(ctx context.Context, rt *engine.Runtime, v *VolumeSpec) error {
	if _, err := rt.VolumeCreate(ctx, v.Request); err != nil {
		return fmt.Errorf("cannot create a local volume for volume from configmap %q: %w", v.Request.Name, err)
	}
	info, err := rt.VolumeInspect(ctx, v.Request.Name)
	if err != nil {
		return err
	}
	root, err := os.OpenRoot(info.Mountpoint)
	if err != nil {
		return fmt.Errorf("unable to get mountpoint of volume %q: %w", v.Request.Name, err)
	}
	defer root.Close()
	for name, data := range v.Files {
		if dir := filepath.Dir(name); dir != "." {
			if err := root.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("cannot create file %q at volume mountpoint %q: %w", name, info.Mountpoint, err)
			}
		}
		f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, v.Mode)
		if err != nil {
			return fmt.Errorf("cannot create file %q at volume mountpoint %q: %w", name, info.Mountpoint, err)
		}
		_, werr := f.Write(data)
		cerr := f.Chmod(v.Mode)
		if err := errors.Join(werr, cerr, f.Close()); err != nil {
			return fmt.Errorf("writing %q in volume %s: %w", name, v.Request.Name, err)
		}
	}
	return nil
}

// DownReport is what `kube down` prints.
type DownReport struct {
	StoppedPods    []string
	RemovedPods    []string
	RemovedSecrets []string
	RemovedVolumes []string
	// Errors are per-object failures; the rest still went.
	Errors []error
}

// Down removes the pods the YAML names (stopped first), and with force
// the volumes it names (claims, and ConfigMap and Secret volumes), as
// podman's kube down. Missing objects are skipped.
func Down(ctx context.Context, rt *engine.Runtime, data []byte, force bool) (*DownReport, error) {
	objs, err := Parse(data)
	if err != nil {
		return nil, err
	}
	pods, vols := downTargets(objs)
	rep := &DownReport{}
	for _, name := range pods {
		p, err := rt.PodStop(ctx, name, nil)
		switch {
		case errors.Is(err, define.ErrNoSuchPod):
		case err != nil:
			rep.Errors = append(rep.Errors, err)
		default:
			rep.StoppedPods = append(rep.StoppedPods, p.Config.ID)
		}
	}
	for _, name := range pods {
		id, err := rt.PodRemove(ctx, name, engine.PodRemoveOptions{Force: true, Ignore: true})
		switch {
		case err != nil:
			rep.Errors = append(rep.Errors, err)
		case id != "":
			rep.RemovedPods = append(rep.RemovedPods, id)
		}
	}
	for _, s := range objs.Secrets {
		id, err := rt.SecretRemove(ctx, s.Name)
		switch {
		case errors.Is(err, define.ErrNoSuchSecret):
		case err != nil:
			rep.Errors = append(rep.Errors, err)
		default:
			rep.RemovedSecrets = append(rep.RemovedSecrets, id)
		}
	}
	if !force {
		return rep, nil
	}
	seen := map[string]bool{}
	for _, name := range vols {
		if seen[name] {
			continue
		}
		seen[name] = true
		err := rt.VolumeRemove(ctx, name, false, nil)
		switch {
		case errors.Is(err, define.ErrNoSuchVolume):
		case err != nil:
			rep.Errors = append(rep.Errors, err)
		default:
			rep.RemovedVolumes = append(rep.RemovedVolumes, name)
		}
	}
	return rep, nil
}

// downTargets are the pods and the volumes the YAML's objects made.
func downTargets(objs *Objects) (pods, vols []string) {
	for _, w := range objs.Workloads {
		pods = append(pods, w.Name)
		for _, v := range w.Template.Spec.Volumes {
			switch vs := v.VolumeSource; {
			case vs.PersistentVolumeClaim != nil:
				vols = append(vols, vs.PersistentVolumeClaim.ClaimName)
			case vs.ConfigMap != nil:
				vols = append(vols, vs.ConfigMap.Name)
			case vs.Secret != nil:
				vols = append(vols, vs.Secret.SecretName)
			}
		}
	}
	for _, pvc := range objs.PVCs {
		vols = append(vols, pvc.Name)
	}
	return pods, vols
}
