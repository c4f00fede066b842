// Package state owns pier's persistent store: the configs and states of
// containers, pods and volumes, the dependencies between them, kept
// in one SQLite file, its schema and its migrations, and the check that the
// store is opened with the storage paths it was created with.
//
// It must not take object locks, call the OCI runtime, touch image storage or
// know about the CLI: callers (the engine) lock, load, act, then save, and
// keep every transaction here short so that many concurrent pier processes
// never wait long for each other.
package state

import (
	"context"

	"go.podman.io/common/libnetwork/types"

	"github.com/pier-engine/pier/internal/define"
)

// Store is the persistent store of pier's objects. Every method is one short
// transaction; none may be held across a runtime call. Implementations must
// pass RunConformance.
type Store interface {
	// AddContainer stores a new container and its dependencies. It fails
	// with define.ErrCtrExists if the ID is taken, define.ErrNameInUse if
	// the name is taken by any object (names are shared by containers and
	// pods) and define.ErrNoSuchCtr if a container it depends on is gone.
	AddContainer(ctx context.Context, c *define.Container) error
	// Container returns the container with exactly this full ID, or
	// define.ErrNoSuchCtr.
	Container(ctx context.Context, id string) (*define.Container, error)
	// LookupContainer resolves what a user typed: an exact name, then an
	// exact ID, then a unique ID prefix. It fails with define.ErrNoSuchCtr or
	// define.ErrAmbiguous.
	LookupContainer(ctx context.Context, nameOrID string) (*define.Container, error)
	// Containers returns all containers, oldest first.
	Containers(ctx context.Context) ([]*define.Container, error)
	// ListContainers is Containers for listings: each config holds only
	// its listed fields (define.ContainerConfig.Listed).
	ListContainers(ctx context.Context) ([]*define.Container, error)
	// SaveState replaces the state of a container (define.ErrNoSuchCtr if
	// it is gone).
	SaveState(ctx context.Context, id string, st *define.ContainerState) error
	// SaveConfig replaces the config of a container with the same ID and
	// name (define.ErrNoSuchCtr otherwise).
	SaveConfig(ctx context.Context, cfg *define.ContainerConfig) error
	// RenameContainer changes the name in the index and in the config
	// (define.ErrNameInUse, define.ErrNoSuchCtr).
	RenameContainer(ctx context.Context, id, newName string) error
	// SaveNetworks replaces the networks in a container's config (network
	// connect/disconnect), define.ErrNoSuchCtr if it is gone.
	SaveNetworks(ctx context.Context, id string, nets map[string]types.PerNetworkOptions) error
	// RemoveContainer deletes a container, its dependency records and
	// frees its name (define.ErrNoSuchCtr if it is gone). It fails with
	// define.ErrCtrExists while other containers depend on it.
	RemoveContainer(ctx context.Context, id string) error
	// UpdateAllContainerStates calls fn on every container inside one write
	// transaction and saves the State of those for which fn returns true;
	// changes fn makes to Config are ignored. It exists for reboot refresh,
	// which must reset every container atomically.
	UpdateAllContainerStates(ctx context.Context, fn func(*define.Container) bool) error
	// Dependents lists the IDs of the containers that depend on object
	// (kind, id), e.g. (define.KindContainer, X) for the containers
	// sharing X's namespaces. Dependencies come from the dependents'
	// Config.Dependencies, recorded when they are added.
	Dependents(ctx context.Context, kind, id string) ([]string, error)
	// AddVolume stores a new volume (define.ErrVolumeExists if the name
	// is taken by a volume; volumes have their own namespace).
	AddVolume(ctx context.Context, v *define.Volume) error
	// Volume returns the volume called name or define.ErrNoSuchVolume.
	Volume(ctx context.Context, name string) (*define.Volume, error)
	// Volumes returns all volumes, oldest first.
	Volumes(ctx context.Context) ([]*define.Volume, error)
	// SaveVolume replaces a volume's record (define.ErrNoSuchVolume).
	SaveVolume(ctx context.Context, v *define.Volume) error
	// RemoveVolume deletes a volume's record; it fails with
	// define.ErrVolumeBeingUsed while containers depend on it.
	RemoveVolume(ctx context.Context, name string) error
	// AddPod stores a new pod (define.ErrPodExists if its ID or name is
	// taken; names are shared with containers).
	AddPod(ctx context.Context, p *define.Pod) error
	// Pod returns the pod with exactly this ID or define.ErrNoSuchPod.
	Pod(ctx context.Context, id string) (*define.Pod, error)
	// LookupPod resolves a name, an ID or a unique ID prefix, as
	// LookupContainer does (define.ErrNoSuchPod, define.ErrAmbiguous).
	LookupPod(ctx context.Context, nameOrID string) (*define.Pod, error)
	// Pods returns all pods, oldest first.
	Pods(ctx context.Context) ([]*define.Pod, error)
	// SavePod replaces a pod's config (define.ErrNoSuchPod).
	SavePod(ctx context.Context, p *define.Pod) error
	// RemovePod deletes a pod and frees its name; it fails with
	// define.ErrCtrExists while containers record it as their pod.
	RemovePod(ctx context.Context, id string) error
	// Update runs fn in one write transaction: the changes fn makes
	// through tx are saved together, or none of them if fn or the commit
	// fails. fn must be quick and must not call the runtime.
	Update(ctx context.Context, fn func(tx Tx) error) error
	// Close releases the store; the data stays on disk.
	Close() error
	// Leave is Close for a process about to exit: it may leave the
	// store's files as a crash would (see sqliteStore.Leave).
	Leave() error
}

// Tx is a transaction of Update. Its methods behave as the Store's of the
// same name; reads see the transaction's own changes.
type Tx interface {
	AddContainer(c *define.Container) error
	Container(id string) (*define.Container, error)
	SaveState(id string, st *define.ContainerState) error
	// RemoveContainer fails with define.ErrCtrExists (podman's "has
	// dependent containers" message) while containers depend on it.
	RemoveContainer(id string) error
	Dependents(kind, id string) ([]string, error)
	AddVolume(v *define.Volume) error
	Volume(name string) (*define.Volume, error)
	RemoveVolume(name string) error
	AddPod(p *define.Pod) error
	Pod(id string) (*define.Pod, error)
	SavePod(p *define.Pod) error
	RemovePod(id string) error
}

// Paths are the storage locations a store was created with. Containers in
// the store refer to layers, mounts and runtime files under them, so opening
// the store with other paths would silently orphan them.
type Paths struct {
	GraphRoot   string
	RunRoot     string
	StaticDir   string
	TmpDir      string
	GraphDriver string
}
