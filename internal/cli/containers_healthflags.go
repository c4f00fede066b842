package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/pier-engine/pier/internal/define"
	"github.com/pier-engine/pier/internal/engine"
)

// healthFlags are create's and run's --health-* flags.
type healthFlags struct {
	cmd, interval, timeout, startPeriod, onFailure string
	logDestination                                 string
	retries, maxLogCount, maxLogSize               uint
	none                                           bool
	// The startup healthcheck's (--health-startup-*).
	startupCmd, startupInterval, startupTimeout string
	startupRetries, startupSuccess              uint
}

func (o *healthFlags) add(f *pflag.FlagSet) {
	f.StringVar(&o.cmd, "health-cmd", "", "set a healthcheck command for the container ('none' disables the existing healthcheck)")
	f.StringVar(&o.interval, "health-interval", "30s", "set an interval for the healthcheck (a value of disable results in no automatic timer setup)")
	f.UintVar(&o.retries, "health-retries", 3, "the number of retries allowed before a healthcheck is considered to be unhealthy")
	f.StringVar(&o.startPeriod, "health-start-period", "0s", "the initialization time needed for a container to bootstrap")
	f.StringVar(&o.timeout, "health-timeout", "30s", "the maximum time allowed to complete the healthcheck before an interval is considered failed")
	f.StringVar(&o.onFailure, "health-on-failure", "none", "action to take once the container turns unhealthy")
	f.BoolVar(&o.none, "no-healthcheck", false, "Disable healthchecks on container")
	f.StringVar(&o.logDestination, "health-log-destination", "local", "set the destination of the HealthCheck log. Directory path, local or events_logger (local use container state file)")
	f.UintVar(&o.maxLogCount, "health-max-log-count", 5, "set maximum number of attempts in the HealthCheck log file. ('0' value means an infinite number of attempts in the log file)")
	f.UintVar(&o.maxLogSize, "health-max-log-size", 500, "set maximum length in characters of stored HealthCheck log. ('0' value means an infinite log length)")
	f.StringVar(&o.startupCmd, "health-startup-cmd", "", "Set a startup healthcheck command for the container")
	f.StringVar(&o.startupInterval, "health-startup-interval", "30s", "Set an interval for the startup healthcheck. Changing this setting resets the timer, depending on the state of the container.")
	f.UintVar(&o.startupRetries, "health-startup-retries", 0, "Set the maximum number of retries before the startup healthcheck will restart the container")
	f.UintVar(&o.startupSuccess, "health-startup-success", 0, "Set the number of consecutive successes before the startup healthcheck is marked as successful and the normal healthcheck begins (0 indicates any success will start the regular healthcheck)")
	f.StringVar(&o.startupTimeout, "health-startup-timeout", "30s", "Set the maximum amount of time that the startup healthcheck may take before it is considered failed")
}

// apply parses the flags into the request as podman does: a JSON array
// or a command line becomes CMD or CMD-SHELL.
func (o *healthFlags) apply(f *pflag.FlagSet, req *engine.CreateRequest) error {
	if o.startupCmd != "" {
		// The startup check's retries may be 0 (no limit).
		hc, err := healthConfig(healthTest(o.startupCmd), o.startupInterval, 1, o.startupTimeout, "0s")
		if err != nil {
			return err
		}
		hc.Retries = int(o.startupRetries)
		req.StartupHealthCheck = &define.StartupHealthConfig{HealthConfig: *hc, Successes: int(o.startupSuccess)}
	}
	if f.Changed("health-log-destination") {
		req.HealthLogDestination = o.logDestination
	}
	if f.Changed("health-max-log-count") {
		req.HealthMaxLogCount = &o.maxLogCount
	}
	if f.Changed("health-max-log-size") {
		req.HealthMaxLogSize = &o.maxLogSize
	}
	switch o.onFailure {
	case define.HealthActionNone, define.HealthActionKill, define.HealthActionRestart, define.HealthActionStop:
		req.HealthOnFailure = o.onFailure
	default:
		return fmt.Errorf("invalid on-failure action %q for health check: supported actions are none,kill,restart,stop", o.onFailure)
	}
	if o.none {
		if o.cmd != "" {
			return errors.New("cannot specify both --no-healthcheck and --health-cmd")
		}
		req.NoHealthCheck = true
		return nil
	}
	if o.cmd == "" {
		// Only the timing flags: they apply to the image's healthcheck.
		if f.Changed("health-interval") || f.Changed("health-retries") || f.Changed("health-timeout") || f.Changed("health-start-period") {
			hc, err := healthConfig([]string{"NONE"}, o.interval, o.retries, o.timeout, o.startPeriod)
			if err != nil {
				return err
			}
			hc.Test = nil
			req.HealthOverrides = hc
		}
		return nil
	}
	hc, err := healthConfig(healthTest(o.cmd), o.interval, o.retries, o.timeout, o.startPeriod)
	if err != nil {
		return err
	}
	req.HealthCheck = hc
	return nil
}

// healthTest is podman's reading of --health-cmd.
func healthTest(in string) []string {
	var arr []string
	isArr := json.Unmarshal([]byte(in), &arr) == nil
	if !isArr {
		arr = strings.SplitN(in, " ", 2)
	}
	if len(arr) == 0 {
		return nil
	}
	switch first := strings.ToUpper(arr[0]); {
	case first == "CMD" || first == "NONE":
		if !isArr {
			arr = strings.Fields(in)
		}
	case first != "CMD-SHELL":
		if isArr && len(arr) > 1 {
			arr = append([]string{"CMD"}, arr...)
		} else {
			arr = []string{"CMD-SHELL", strings.Join(arr, " ")}
		}
	}
	if strings.ToUpper(arr[0]) == "NONE" {
		arr = []string{"NONE"}
	}
	return arr
}

func healthConfig(test []string, interval string, retries uint, timeout, startPeriod string) (*define.HealthConfig, error) {
	if len(test) == 0 {
		return nil, errors.New("must define a healthcheck command for all healthchecks")
	}
	hc := &define.HealthConfig{Test: test}
	if interval == "disable" {
		interval = "0"
	}
	var err error
	if hc.Interval, err = time.ParseDuration(interval); err != nil {
		return nil, fmt.Errorf("invalid healthcheck-interval: %w", err)
	}
	if retries < 1 {
		return nil, errors.New("healthcheck-retries must be greater than 0")
	}
	hc.Retries = int(retries)
	if hc.Timeout, err = time.ParseDuration(timeout); err != nil {
		return nil, fmt.Errorf("invalid healthcheck-timeout: %w", err)
	}
	if hc.Timeout < time.Second {
		return nil, errors.New("healthcheck-timeout must be at least 1 second")
	}
	if hc.StartPeriod, err = time.ParseDuration(startPeriod); err != nil {
		return nil, fmt.Errorf("invalid healthcheck-start-period: %w", err)
	}
	if hc.StartPeriod < 0 {
		return nil, errors.New("healthcheck-start-period must be 0 seconds or greater")
	}
	return hc, nil
}
