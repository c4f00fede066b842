package kube

import (
	"maps"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/pier-engine/pier/internal/errdefs"
)

// Kinds kube generate --type writes.
const (
	KindPod        = "pod"
	KindDeployment = "deployment"
	KindDaemonSet  = "daemonset"
	KindJob        = "job"
)

// ValidateGenerateOptions checks --replicas against --type, as podman
// does before looking anything up.
func ValidateGenerateOptions(opts *GenerateOptions) error {
	if opts.Type == "" {
		opts.Type = KindPod
	}
	if opts.Replicas == 0 {
		opts.Replicas = 1
	}
	if opts.Replicas > 1 && opts.Type != KindDeployment {
		return errdefs.New(errdefs.ErrInvalidArgument, "--replicas can only be set when --type is set to deployment")
	}
	if opts.Replicas < 1 {
		return errdefs.New(errdefs.ErrInvalidArgument, "--replicas has to be greater than or equal to 1. By default, --replicas is set to 1")
	}
	return nil
}

// reservedAnnotations are the ones podman sets itself at create; kube
// generate leaves them out unless --podman-only.
var reservedAnnotations = map[string]bool{
	"io.podman.annotations.cid-file":     true,
	"io.podman.annotations.autoremove":   true,
	"io.podman.annotations.volumes-from": true,
	"io.podman.annotations.privileged":   true,
	"io.podman.annotations.publish-all":  true,
	"io.podman.annotations.init":         true,
	"io.podman.annotations.label":        true,
	"io.podman.annotations.seccomp":      true,
	"io.podman.annotations.apparmor":     true,
}

// containerAnnotations are a container's annotations as the pod's, each
// key suffixed with the container's name, as podman writes them.
func containerAnnotations(dst map[string]string, name string, ann map[string]string, podmanOnly bool) {
	for k, v := range ann {
		if !podmanOnly && reservedAnnotations[k] {
			continue
		}
		dst[k+"/"+removeUnderscores(name)] = v
	}
}

// WrapKind is pod as the object --type asks for: the Pod itself, or a
// Deployment, DaemonSet or Job with it as template (podman's names,
// labels and restart policy rules). forCtrs words the bad-type error as
// podman does for containers.
func WrapKind(pod *v1.Pod, opts GenerateOptions, forCtrs bool) (any, error) {
	if opts.Type == KindPod || opts.Type == "" {
		return pod, nil
	}
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	pod.Labels["app"] = pod.Name
	tmpl := v1.PodTemplateSpec{ObjectMeta: pod.ObjectMeta, Spec: pod.Spec}
	meta := func(suffix string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: pod.Name + "-" + suffix, CreationTimestamp: pod.CreationTimestamp, Labels: maps.Clone(pod.Labels)}
	}
	selector := &metav1.LabelSelector{MatchLabels: map[string]string{"app": pod.Name}}
	rp := pod.Spec.RestartPolicy
	switch opts.Type {
	case KindDeployment:
		if rp != "" && rp != v1.RestartPolicyAlways {
			return nil, errdefs.New(errdefs.ErrInvalidArgument, "k8s Deployments can only have restartPolicy set to Always")
		}
		d := &appsv1.Deployment{TypeMeta: metav1.TypeMeta{Kind: "Deployment", APIVersion: "apps/v1"}, ObjectMeta: meta("deployment"),
			Spec: appsv1.DeploymentSpec{Selector: selector, Template: tmpl}}
		if opts.Replicas > 1 {
			n := opts.Replicas
			d.Spec.Replicas = &n
		}
		return d, nil
	case KindDaemonSet:
		if rp != "" && rp != v1.RestartPolicyAlways {
			return nil, errdefs.New(errdefs.ErrInvalidArgument, "k8s DaemonSets can only have restartPolicy set to Always")
		}
		return &appsv1.DaemonSet{TypeMeta: metav1.TypeMeta{Kind: "DaemonSet", APIVersion: "apps/v1"}, ObjectMeta: meta("daemonset"),
			Spec: appsv1.DaemonSetSpec{Selector: selector, Template: tmpl}}, nil
	case KindJob:
		if rp == v1.RestartPolicyAlways {
			return nil, errdefs.New(errdefs.ErrInvalidArgument, "k8s Jobs can not have restartPolicy set to Always; only Never and OnFailure policies allowed")
		}
		one, one2 := int32(1), int32(1)
		tmpl.Spec.RestartPolicy = v1.RestartPolicyNever
		return &batchv1.Job{TypeMeta: metav1.TypeMeta{Kind: "Job", APIVersion: "batch/v1"}, ObjectMeta: meta("job"),
			Spec: batchv1.JobSpec{Completions: &one, Parallelism: &one2, Template: tmpl}}, nil
	}
	msg := "invalid generation type - only pods, deployments, jobs, and daemonsets are currently supported"
	if forCtrs {
		msg += ": " + opts.Type
	}
	return nil, errdefs.New(errdefs.ErrInvalidArgument, msg)
}
