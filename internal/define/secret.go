package define

import (
	"time"

	"github.com/pier-engine/pier/internal/errdefs"
)

// ErrNoSuchSecret is a secret name or ID that matches none, with
// podman's text.
var ErrNoSuchSecret = errdefs.New(errdefs.ErrNotFound, "no such secret")

// InspectSecret is podman's `secret inspect` shape.
type InspectSecret struct {
	ID         string            `json:"ID"`
	CreatedAt  time.Time         `json:"CreatedAt"`
	UpdatedAt  time.Time         `json:"UpdatedAt"`
	Spec       InspectSecretSpec `json:"Spec"`
	SecretData string            `json:"SecretData,omitempty"`
}

// InspectSecretSpec is a secret's name, driver and labels.
type InspectSecretSpec struct {
	Name   string              `json:"Name"`
	Driver InspectSecretDriver `json:"Driver"`
	Labels map[string]string   `json:"Labels"`
}

// InspectSecretDriver is the driver that holds a secret's data.
type InspectSecretDriver struct {
	Name    string            `json:"Name"`
	Options map[string]string `json:"Options"`
}

// ContainerSecret is one --secret of a container: which secret, and how
// it reaches the container. The data itself is never stored here.
type ContainerSecret struct {
	Name string `json:"name"`
	ID   string `json:"id"`
	// Env is type=env: the data is the variable Target; otherwise it is
	// the file Target (/run/secrets/NAME by default) with UID, GID, Mode.
	Env    bool   `json:"env,omitempty"`
	Target string `json:"target"`
	UID    uint32 `json:"uid"`
	GID    uint32 `json:"gid"`
	Mode   uint32 `json:"mode"`
}

// InspectContainerSecret is a secret in a container's inspect Config.
type InspectContainerSecret struct {
	Name string `json:"Name"`
	ID   string `json:"ID"`
	UID  uint32 `json:"UID"`
	GID  uint32 `json:"GID"`
	Mode uint32 `json:"Mode"`
}
