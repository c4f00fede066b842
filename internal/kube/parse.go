// Package kube reads Kubernetes YAML (Pod, Deployment, DaemonSet, Job,
// ConfigMap, Secret, PersistentVolumeClaim) through the Kubernetes API
// types and turns each pod it describes into pier requests: one pod, the
// named volumes it needs, and one container create request per container.
// It never prints; warnings come back to the caller as strings.
package kube

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	v1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/pier-engine/pier/internal/errdefs"
)

// Workload is one pod to create: a Pod document, or the template of a
// Deployment, DaemonSet or Job (named NAME-pod, as podman names it).
type Workload struct {
	Kind string
	// Name is the pod's name.
	Name     string
	Template v1.PodTemplateSpec
	// Annotations are the document's own (a Deployment's, not its
	// template's), as podman reads them.
	Annotations map[string]string
	// Replicas is a Deployment's count; pier, like podman, makes one pod.
	Replicas int32
}

// Objects are the documents of one or more YAML files, by kind, in the
// order they came.
type Objects struct {
	Workloads  []Workload
	PVCs       []v1.PersistentVolumeClaim
	ConfigMaps []v1.ConfigMap
	Secrets    []v1.Secret
	// Skipped name what was left out: unsupported kinds, unknown fields
	// (podman says nothing of them; pier logs them at info level).
	Skipped []string
	// Warnings are what pier does differently than asked.
	Warnings []string
}

// Supported reports whether any document makes something (a ConfigMap
// alone does not).
func (o *Objects) Supported() bool {
	return len(o.Workloads)+len(o.PVCs)+len(o.Secrets) > 0
}

// Parse splits data into YAML documents (also the items of a List) and
// decodes each by its kind. Malformed YAML or a field of the wrong type is
// an error and nothing is returned, so nothing is created.
func Parse(data []byte) (*Objects, error) {
	docs, err := splitDocuments(data)
	if err != nil {
		return nil, err
	}
	o := &Objects{}
	for _, doc := range docs {
		if err := o.add(doc); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// ParseConfigMaps reads a --configmap file: ConfigMap documents only.
func ParseConfigMaps(data []byte) ([]v1.ConfigMap, error) {
	docs, err := splitDocuments(data)
	if err != nil {
		return nil, fmt.Errorf("unable to read as kube YAML: %w", err)
	}
	var cms []v1.ConfigMap
	for _, doc := range docs {
		kind, err := kindOf(doc)
		if err != nil {
			return nil, fmt.Errorf("unable to read as kube YAML: %w", err)
		}
		if kind != "ConfigMap" {
			return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "invalid YAML kind: %q. [ConfigMap] is the only supported by --configmap", kind)
		}
		var cm v1.ConfigMap
		if _, err := decode(doc, &cm, "Kube ConfigMap"); err != nil {
			return nil, err
		}
		cms = append(cms, cm)
	}
	return cms, nil
}

func (o *Objects) add(doc []byte) error {
	kind, err := kindOf(doc)
	if err != nil {
		return fmt.Errorf("unable to read kube YAML: %w", err)
	}
	var warn string
	switch kind {
	case "Pod":
		var p v1.Pod
		if warn, err = decode(doc, &p, "Kube Pod"); err == nil {
			o.Workloads = append(o.Workloads, Workload{Kind: kind, Name: p.Name,
				Template: v1.PodTemplateSpec{ObjectMeta: p.ObjectMeta, Spec: p.Spec}, Annotations: p.Annotations})
		}
	case "Deployment":
		var d appsv1.Deployment
		if warn, err = decode(doc, &d, "Kube Deployment"); err == nil {
			replicas := int32(1)
			if d.Spec.Replicas != nil {
				replicas = *d.Spec.Replicas
			}
			err = o.addTemplate(kind, d.Name, d.Spec.Template, d.Annotations, replicas)
		}
	case "DaemonSet":
		var d appsv1.DaemonSet
		if warn, err = decode(doc, &d, "Kube DaemonSet"); err == nil {
			err = o.addTemplate(kind, d.Name, d.Spec.Template, d.Annotations, 1)
		}
	case "Job":
		var j batchv1.Job
		if warn, err = decode(doc, &j, "Kube Job"); err == nil {
			err = o.addTemplate(kind, j.Name, j.Spec.Template, j.Annotations, 1)
		}
	case "PersistentVolumeClaim":
		var pvc v1.PersistentVolumeClaim
		if warn, err = decode(doc, &pvc, "Kube PersistentVolumeClaim"); err == nil {
			o.PVCs = append(o.PVCs, pvc)
		}
	case "ConfigMap":
		var cm v1.ConfigMap
		if warn, err = decode(doc, &cm, "Kube ConfigMap"); err == nil {
			o.ConfigMaps = append(o.ConfigMaps, cm)
		}
	case "Secret":
		var s v1.Secret
		if warn, err = decode(doc, &s, "kube secret"); err == nil {
			o.Secrets = append(o.Secrets, s)
		}
	default:
		o.Skipped = append(o.Skipped, fmt.Sprintf("Kube kind %s not supported", kind))
	}
	if warn != "" {
		o.Skipped = append(o.Skipped, warn)
	}
	return err
}

// addTemplate adds a controller's pod, named after it as podman does.
func (o *Objects) addTemplate(kind, name string, t v1.PodTemplateSpec, ann map[string]string, replicas int32) error {
	if name == "" {
		return errdefs.Errorf(errdefs.ErrInvalidArgument, "%s does not have a name", lowerFirst(kind))
	}
	if replicas > 1 {
		o.Warnings = append(o.Warnings, "Limiting replica count to 1, more than one replica is not supported by pier")
	}
	o.Workloads = append(o.Workloads, Workload{Kind: kind, Name: name + "-pod", Template: t, Annotations: ann, Replicas: replicas})
	return nil
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// decode reads doc into out as podman does (unknown fields ignored), and
// words the fields a strict decode would reject as a warning.
func decode(doc []byte, out any, what string) (string, error) {
	if err := yaml.Unmarshal(doc, out); err != nil {
		return "", errdefs.Errorf(errdefs.ErrInvalidArgument, "unable to read YAML as %s: %v", what, err)
	}
	var probe = newLike(out)
	if err := yaml.UnmarshalStrict(doc, probe); err != nil {
		return fmt.Sprintf("%s: ignoring %s", what, strictMessage(err)), nil
	}
	return "", nil
}

// strictMessage keeps the json decoder's own words ("unknown field
// \"spec.foo\"") without the wrapping layers.
func strictMessage(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, "json: "); i >= 0 {
		return s[i+len("json: "):]
	}
	return s
}

// splitDocuments returns each non-empty document of data as YAML bytes;
// the items of a List become documents of their own.
func splitDocuments(data []byte) ([][]byte, error) {
	var docs [][]byte
	d := yamlv3.NewDecoder(bytes.NewReader(data))
	for {
		var o any
		err := d.Decode(&o)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, errdefs.Errorf(errdefs.ErrInvalidArgument, "multi doc yaml could not be split: %v", err)
		}
		if o == nil {
			continue
		}
		doc, err := yamlv3.Marshal(o)
		if err != nil {
			return nil, fmt.Errorf("individual doc yaml could not be marshalled: %w", err)
		}
		kind, err := kindOf(doc)
		if err != nil {
			return nil, fmt.Errorf("couldn't get object kind: %w", err)
		}
		if kind != "List" {
			docs = append(docs, doc)
			continue
		}
		items, err := listItems(o)
		if err != nil {
			return nil, err
		}
		docs = append(docs, items...)
	}
	return docs, nil
}

func listItems(o any) ([][]byte, error) {
	m, _ := o.(map[string]any)
	items, _ := m["items"].([]any)
	out := make([][]byte, 0, len(items))
	for _, it := range items {
		doc, err := yamlv3.Marshal(it)
		if err != nil {
			return nil, fmt.Errorf("individual doc yaml could not be marshalled: %w", err)
		}
		out = append(out, doc)
	}
	return out, nil
}

func kindOf(doc []byte) (string, error) {
	var ref v1.ObjectReference
	if err := yaml.Unmarshal(doc, &ref); err != nil {
		return "", errdefs.Errorf(errdefs.ErrInvalidArgument, "%v", err)
	}
	return ref.Kind, nil
}

// newLike returns a new zero value of the type v points to.
func newLike(v any) any { return reflect.New(reflect.TypeOf(v).Elem()).Interface() }
