package kube

import (
	"fmt"
	"slices"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
	"github.com/pier-engine/pier/internal/errdefs"
)

// livenessProbe and startupProbe become the container's healthchecks as
// podman makes them: exec runs the command, httpGet curls and tcpSocket
// nc's localhost; a startup probe alone gets an "exit 0" regular check;
// with restart policy always or on-failure an unhealthy container is
// restarted.
func livenessProbe(req *engine.CreateRequest, c *v1.Container, restart string) error {
	for _, p := range []*v1.Probe{c.LivenessProbe, c.StartupProbe} {
		if p == nil {
			continue
		}
		hc, err := probeHealth(p, c.Ports)
		if err != nil || hc == nil {
			return err
		}
		if p == c.StartupProbe {
			if req.HealthCheck == nil {
				regular := *hc
				regular.Test = []string{"CMD-SHELL", "exit", "0"}
				req.HealthCheck = &regular
			}
			req.StartupHealthCheck = &define.StartupHealthConfig{HealthConfig: *hc, Successes: int(p.SuccessThreshold)}
		} else {
			req.HealthCheck = hc
		}
		if restart == "always" || restart == "on-failure" {
			req.HealthOnFailure = define.HealthActionRestart
		}
	}
	return nil
}

// probeHealth is one probe as a healthcheck; nil for a probe without a
// handler.
func probeHealth(p *v1.Probe, ports []v1.ContainerPort) (*define.HealthConfig, error) {
	var test []string
	switch h := p.ProbeHandler; {
	case h.Exec != nil:
		test = append([]string{"CMD"}, h.Exec.Command...)
	case h.HTTPGet != nil:
		port, err := probePort(h.HTTPGet.Port, ports)
		if err != nil {
			return nil, err
		}
		scheme, host, path := "HTTP", "localhost", "/"
		if h.HTTPGet.Scheme != "" {
			scheme = string(h.HTTPGet.Scheme)
		}
		if h.HTTPGet.Host != "" {
			host = h.HTTPGet.Host
		}
		if h.HTTPGet.Path != "" {
			path = h.HTTPGet.Path
		}
		test = []string{"CMD-SHELL", "curl", "-f", fmt.Sprintf("%s://%s:%d%s", scheme, host, port, path), "||", "exit", "1"}
	case h.TCPSocket != nil:
		port, err := probePort(h.TCPSocket.Port, ports)
		if err != nil {
			return nil, err
		}
		host := "localhost"
		if h.TCPSocket.Host != "" {
			host = h.TCPSocket.Host
		}
		test = []string{"CMD-SHELL", "nc", "-z", "-v", host, fmt.Sprint(port), "||", "exit", "1"}
	default:
		return nil, nil
	}
	hc := &define.HealthConfig{Test: test,
		Interval:    secondsOr(p.PeriodSeconds, 10),
		Retries:     int(p.FailureThreshold),
		Timeout:     secondsOr(p.TimeoutSeconds, 1),
		StartPeriod: time.Duration(max(p.InitialDelaySeconds, 0)) * time.Second,
	}
	if hc.Retries < 1 {
		hc.Retries = 3
	}
	return hc, nil
}

func secondsOr(n, def int32) time.Duration {
	if n < 1 {
		n = def
	}
	return time.Duration(n) * time.Second
}

// probePort is a probe's port: a number, or the name of a container port.
func probePort(p intstr.IntOrString, ports []v1.ContainerPort) (int, error) {
	if p.Type == intstr.String && p.IntValue() == 0 {
		i := slices.IndexFunc(ports, func(cp v1.ContainerPort) bool { return cp.Name == p.String() })
		if i < 0 {
			return 0, errdefs.Errorf(errdefs.ErrInvalidArgument, "unknown port: %s", p.String())
		}
		return int(ports[i].ContainerPort), nil
	}
	return p.IntValue(), nil
}
