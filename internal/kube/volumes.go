package kube

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"

	v1 "k8s.io/api/core/v1"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
	"github.com/pier-engine/pier/internal/specgen"
)

type volumeKind int

const (
	volumeBind  volumeKind = iota // hostPath
	volumeNamed                   // persistentVolumeClaim, configMap, secret
	volumeAnon                    // emptyDir
	volumeTmpfs                   // emptyDir with medium Memory
)

// podVolume is one entry of spec.volumes as containers mount it.
type podVolume struct {
	kind   volumeKind
	source string // host path or volume name
	// skip: an optional ConfigMap or Secret that does not exist is not
	// mounted at all.
	skip bool
}

// HostPath is a hostPath the pod creates when it is missing
// (DirectoryOrCreate, FileOrCreate).
type HostPath struct {
	Path string
	Dir  bool
}

// podVolumes reads spec.volumes: how containers mount each, and the named
// volumes to fill from ConfigMaps and Secrets.
func podVolumes(vols []v1.Volume, cms []v1.ConfigMap, secrets []v1.Secret) (map[string]podVolume, []VolumeSpec, []HostPath, error) {
	out := map[string]podVolume{}
	var filled []VolumeSpec
	var create []HostPath
	for _, v := range vols {
		pv, fill, hp, err := podVolumeFrom(v, cms, secrets)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("failed to create volume %q: %w", v.Name, err)
		}
		out[v.Name] = pv
		if fill != nil {
			filled = append(filled, *fill)
		}
		if hp != nil {
			create = append(create, *hp)
		}
	}
	return out, filled, create, nil
}

func podVolumeFrom(v v1.Volume, cms []v1.ConfigMap, secrets []v1.Secret) (podVolume, *VolumeSpec, *HostPath, error) {
	vs := v.VolumeSource
	switch {
	case vs.HostPath != nil:
		return hostPathVolume(vs.HostPath)
	case vs.PersistentVolumeClaim != nil:
		return podVolume{kind: volumeNamed, source: vs.PersistentVolumeClaim.ClaimName}, nil, nil, nil
	case vs.ConfigMap != nil:
		pv, fill, err := configMapVolume(vs.ConfigMap, cms)
		return pv, fill, nil, err
	case vs.Secret != nil:
		pv, fill, err := secretVolume(vs.Secret, secrets)
		return pv, fill, nil, err
	case vs.EmptyDir != nil:
		if vs.EmptyDir.Medium == v1.StorageMediumMemory {
			return podVolume{kind: volumeTmpfs}, nil, nil, nil
		}
		return podVolume{kind: volumeAnon}, nil, nil, nil
	}
	return podVolume{}, nil, nil, errdefs.Errorf(errdefs.ErrNotImplemented, "HostPath, ConfigMap, EmptyDir, Secret, and PersistentVolumeClaim are currently the only supported VolumeSource")
}

func hostPathVolume(hp *v1.HostPathVolumeSource) (podVolume, *VolumeSpec, *HostPath, error) {
	var create *HostPath
	if hp.Type != nil {
		switch *hp.Type {
		case v1.HostPathDirectoryOrCreate:
			create = &HostPath{Path: hp.Path, Dir: true}
		case v1.HostPathFileOrCreate:
			create = &HostPath{Path: hp.Path}
		case v1.HostPathSocket:
			st, err := os.Stat(hp.Path)
			if err != nil {
				return podVolume{}, nil, nil, fmt.Errorf("checking HostPathSocket: %w", err)
			}
			if st.Mode()&os.ModeSocket == 0 {
				return podVolume{}, nil, nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "checking HostPathSocket: path %s is not a socket", hp.Path)
			}
		case v1.HostPathBlockDev, v1.HostPathCharDev:
			return podVolume{}, nil, nil, errdefs.Errorf(errdefs.ErrNotImplemented, "hostPath type %s is not supported", *hp.Type)
		case v1.HostPathDirectory, v1.HostPathFile, v1.HostPathUnset:
		default:
			return podVolume{}, nil, nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "invalid HostPath type %v", *hp.Type)
		}
	}
	if !filepath.IsAbs(hp.Path) {
		return podVolume{}, nil, nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "in parsing HostPath in YAML: invalid host path, must be an absolute path %q", hp.Path)
	}
	return podVolume{kind: volumeBind, source: filepath.Clean(hp.Path)}, nil, create, nil
}

func fileMode(m *int32, def int32, what, name string) (os.FileMode, error) {
	if m == nil {
		return os.FileMode(def), nil
	}
	if *m < 0 || *m > 0o777 {
		return 0, errdefs.Errorf(errdefs.ErrInvalidArgument, "invalid DefaultMode for %s %q: must be between 0000 and 0777", what, name)
	}
	return os.FileMode(*m), nil
}

// configMapVolume is a named volume called after the ConfigMap, holding
// one file per key (or per listed item), as podman makes it.
func configMapVolume(src *v1.ConfigMapVolumeSource, cms []v1.ConfigMap) (podVolume, *VolumeSpec, error) {
	mode, err := fileMode(src.DefaultMode, v1.ConfigMapVolumeSourceDefaultMode, "configMap", src.Name)
	if err != nil {
		return podVolume{}, nil, err
	}
	cm := findConfigMap(cms, src.Name)
	if cm == nil {
		if src.Optional != nil && *src.Optional {
			return podVolume{skip: true}, nil, nil
		}
		return podVolume{}, nil, errdefs.Errorf(errdefs.ErrNotFound, "no such ConfigMap %q", src.Name)
	}
	all := map[string][]byte{}
	for k, v := range cm.Data {
		if _, dup := cm.BinaryData[k]; dup {
			return podVolume{}, nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "the ConfigMap %q is invalid: duplicate key %q present in data and binaryData", cm.Name, k)
		}
		all[k] = []byte(v)
	}
	maps.Copy(all, cm.BinaryData)
	files, err := volumeItems(all, src.Items)
	if err != nil {
		return podVolume{}, nil, err
	}
	return podVolume{kind: volumeNamed, source: cm.Name},
		&VolumeSpec{Request: engine.VolumeCreateRequest{Name: cm.Name, Driver: "local", Ignore: true}, Files: files, Mode: mode}, nil
}

// secretVolume is the same for a Secret of the YAML.
func secretVolume(src *v1.SecretVolumeSource, secrets []v1.Secret) (podVolume, *VolumeSpec, error) {
	mode, err := fileMode(src.DefaultMode, v1.SecretVolumeSourceDefaultMode, "secret", src.SecretName)
	if err != nil {
		return podVolume{}, nil, err
	}
	s := findSecret(secrets, src.SecretName)
	if s == nil {
		if src.Optional != nil && *src.Optional {
			return podVolume{skip: true}, nil, nil
		}
		return podVolume{}, nil, errdefs.Errorf(errdefs.ErrNotFound, "no secret with name or id %q: no such secret", src.SecretName)
	}
	files, err := volumeItems(secretData(s), src.Items)
	if err != nil {
		return podVolume{}, nil, err
	}
	return podVolume{kind: volumeNamed, source: s.Name},
		&VolumeSpec{Request: engine.VolumeCreateRequest{Name: s.Name, Driver: "local", Ignore: true}, Files: files, Mode: mode}, nil
}

// volumeItems picks the listed keys (to their paths), or every key. A
// path must stay inside the volume.
func volumeItems(all map[string][]byte, items []v1.KeyToPath) (map[string][]byte, error) {
	out := map[string][]byte{}
	if len(items) == 0 {
		out = all
	}
	for _, it := range items {
		if v, ok := all[it.Key]; ok {
			out[it.Path] = v
		}
	}
	for p := range out {
		if p == "" || filepath.IsAbs(p) || strings.HasPrefix(filepath.Clean(p), "..") {
			return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "invalid volume item path %q", p)
		}
	}
	return out, nil
}

// mounts turns the container's volumeMounts into pier's mounts, checked
// as -v and --tmpfs values are.
func (x *ctrContext) mounts(req *engine.CreateRequest, c *v1.Container) error {
	for _, vm := range c.VolumeMounts {
		pv, ok := x.volumes[vm.Name]
		if !ok {
			return errdefs.Errorf(errdefs.ErrInvalidArgument, "volume mount %s specified for container but not configured in volumes", vm.Name)
		}
		if pv.skip {
			continue
		}
		if vm.SubPath != "" || vm.SubPathExpr != "" {
			return errdefs.Errorf(errdefs.ErrNotImplemented, "volume mount %s: subPath is not supported", vm.Name)
		}
		m, err := volumeMount(pv, vm)
		if err != nil {
			return err
		}
		req.Mounts = append(req.Mounts, m)
	}
	return nil
}

func volumeMount(pv podVolume, vm v1.VolumeMount) (define.Mount, error) {
	dest, opts, hasOpts := strings.Cut(vm.MountPath, ":")
	if hasOpts && strings.Contains(opts, ":") {
		return define.Mount{}, errdefs.Errorf(errdefs.ErrInvalidArgument, "%q incorrect volume format, should be ctr-dir[:option]", vm.MountPath)
	}
	var list []string
	if opts != "" {
		list = strings.Split(opts, ",")
	}
	if vm.ReadOnly {
		list = append(list, "ro")
	}
	if p := vm.MountPropagation; p != nil {
		switch *p {
		case v1.MountPropagationNone:
			list = append(list, "private")
		case v1.MountPropagationHostToContainer:
			list = append(list, "rslave")
		case v1.MountPropagationBidirectional:
			list = append(list, "rshared")
		default:
			return define.Mount{}, errdefs.Errorf(errdefs.ErrInvalidArgument, "unknown propagation mode %q", *p)
		}
	}
	optStr := strings.Join(list, ",")
	switch pv.kind {
	case volumeTmpfs:
		return specgen.ParseTmpfs(dest)
	}
	source := pv.source
	if pv.kind == volumeAnon {
		// Parsed as a named volume so the options are checked as -v's,
		// then made anonymous.
		source = "anonymous"
	}
	spec := source + ":" + dest
	if optStr != "" {
		spec += ":" + optStr
	}
	m, err := specgen.ParseVolume(spec)
	if err != nil {
		return define.Mount{}, fmt.Errorf("parsing MountPath: %w", err)
	}
	if pv.kind == volumeAnon {
		m.Name = ""
	}
	return m, nil
}
