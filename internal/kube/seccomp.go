package kube

import (
	"path/filepath"
	"strings"

	"github.com/pier-engine/pier/internal/errdefs"
)

// DefaultSeccompRoot is where kube play looks for localhost/ seccomp
// profiles without --seccomp-profile-root (the kubelet's directory).
const DefaultSeccompRoot = "/var/lib/kubelet/seccomp"

const (
	seccompPodAnnotation       = "seccomp.security.alpha.kubernetes.io/pod"
	seccompContainerAnnotation = "container.seccomp.security.alpha.kubernetes.io"
)

// seccompPaths are the profiles a pod's annotations ask for: the pod's,
// and per container name its own; "" is pier's default profile.
type seccompPaths struct {
	pod        string
	containers map[string]string
}

// newSeccompPaths reads the Kubernetes seccomp annotations as podman
// does: runtime/default and docker/default are the default profile,
// unconfined none, localhost/NAME the file NAME under root.
func newSeccompPaths(ann map[string]string, root string) (*seccompPaths, error) {
	sp := &seccompPaths{containers: map[string]string{}}
	for k, v := range ann {
		parts := strings.Split(k, "/")
		if parts[0] != seccompContainerAnnotation {
			continue
		}
		if len(parts) != 2 {
			return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "invalid seccomp path: %s", parts[0])
		}
		p, err := seccompPath(v, root)
		if err != nil {
			return nil, err
		}
		sp.containers[parts[1]] = p
	}
	if v, ok := ann[seccompPodAnnotation]; ok {
		p, err := seccompPath(v, root)
		if err != nil {
			return nil, err
		}
		sp.pod = p
	}
	return sp, nil
}

func seccompPath(v, root string) (string, error) {
	switch v {
	case "docker/default", "runtime/default":
		return "", nil
	case "unconfined":
		return v, nil
	}
	parts := strings.Split(v, "/")
	if parts[0] == "localhost" && len(parts) > 1 {
		return filepath.Join(root, parts[1]), nil
	}
	return "", errdefs.Errorf(errdefs.ErrInvalidArgument, "invalid seccomp path: %s", v)
}

// forContainer is the profile of container name.
func (sp *seccompPaths) forContainer(name string) string {
	if p, ok := sp.containers[name]; ok {
		return p
	}
	return sp.pod
}
