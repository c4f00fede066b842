package define

import "go.podman.io/image/v5/manifest"

// HealthConfig is a container's healthcheck, podman's (docker's) shape:
// Test is ["CMD", args...], ["CMD-SHELL", script] or ["NONE"].
type HealthConfig = manifest.Schema2HealthConfig

// StartupHealthConfig is a startup healthcheck (--health-startup-*): it
// runs instead of the regular one until it passed Successes times in a
// row (0: once); Retries failures (0: no limit) restart the container.
type StartupHealthConfig struct {
	HealthConfig
	Successes int `json:",omitempty"`
}

// Health statuses, podman's words.
const (
	HealthStarting  = "starting"
	HealthHealthy   = "healthy"
	HealthUnhealthy = "unhealthy"
)

// Health on-failure actions (--health-on-failure).
const (
	HealthActionNone    = "none"
	HealthActionKill    = "kill"
	HealthActionRestart = "restart"
	HealthActionStop    = "stop"
)

// Podman's default limits on the kept results: the last 5 runs, 500
// characters of output each.
const (
	HealthMaxLogCount = 5
	HealthMaxLogSize  = 500
)

// Health log destinations besides a directory.
const (
	HealthLogLocal  = "local"
	HealthLogEvents = "events_logger"
)

// HealthCheckResults are the recorded results, podman's inspect shape.
type HealthCheckResults struct {
	Status        string           `json:"Status"`
	FailingStreak int              `json:"FailingStreak"`
	Log           []HealthCheckLog `json:"Log"`
}

// HealthCheckLog is one run of the healthcheck.
type HealthCheckLog struct {
	Start    string `json:"Start"`
	End      string `json:"End"`
	ExitCode int    `json:"ExitCode"`
	Output   string `json:"Output"`
}
