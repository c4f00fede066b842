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

// livenessProbe becomes the container's healthcheck as podman makes it:
// exec runs the command, httpGet curls and tcpSocket nc's localhost; with
// restart policy always or on-failure an unhealthy container is restarted.
func livenessProbe(req *engine.CreateRequest, c *v1.Container, restart string) error {
	p := c.LivenessProbe
	if p == nil {
		return nil
	}
	var test []string
	switch h := p.ProbeHandler; {
	case h.Exec != nil:
		test = append([]string{"CMD"}, h.Exec.Command...)
	case h.HTTPGet != nil:
		port, err := probePort(h.HTTPGet.Port, c.Ports)
		if err != nil {
			return err
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
		port, err := probePort(h.TCPSocket.Port, c.Ports)
		if err != nil {
			return err
		}
		host := "localhost"
		if h.TCPSocket.Host != "" {
			host = h.TCPSocket.Host
		}
		test = []string{"CMD-SHELL", "nc", "-z", "-v", host, fmt.Sprint(port), "||", "exit", "1"}
	default:
		return nil
	}
	req.HealthCheck = &define.HealthConfig{Test: test,
		Interval:    secondsOr(p.PeriodSeconds, 10),
		Retries:     int(max(p.FailureThreshold, 0)),
		Timeout:     secondsOr(p.TimeoutSeconds, 1),
		StartPeriod: time.Duration(max(p.InitialDelaySeconds, 0)) * time.Second,
	}
	if req.HealthCheck.Retries < 1 {
		req.HealthCheck.Retries = 3
	}
	if restart == "always" || restart == "on-failure" {
		req.HealthOnFailure = define.HealthActionRestart
	}
	return nil
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
