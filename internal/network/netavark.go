package network

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"go.podman.io/common/libnetwork/types"
	"go.podman.io/storage/pkg/lockfile"
)

// Driver runs netavark 1.4's setup/teardown protocol. RunDir is the
// config dir given to netavark (aardvark-dns keeps its files there).
type Driver struct {
	Netavark string
	Aardvark string
	RunDir   string
	// Native sets up the networks the native bridge driver covers
	// (nativeFits) in process instead of through netavark.
	Native bool
}

// hostLock is the lock podman takes around every netavark call as root:
// there is one host network namespace, and concurrent netavarks race on
// the firewall chains they share ("No chain/target/match"). Taking the
// same lock file with the same (containers/storage) locking makes pier
// and podman, and pier engines with different roots, take turns.
const hostLock = "/run/lock/netavark.lock"

// rootRunDir is podman's netavark config dir as root (libnetwork's
// netavarkRunDir, fixed, not per --runroot): there is one host network
// namespace, so every engine on the host shares its ipam.db and aardvark.
const rootRunDir = "/run/containers/networks"

// RunDir is the netavark config dir podman uses: rootRunDir as root,
// <runroot>/networks rootless (a namespace of its own per user).
func RunDir(runRoot string) string {
	if os.Geteuid() == 0 {
		return rootRunDir
	}
	return filepath.Join(runRoot, "networks")
}

// IPAMIn is the address database of netavark run dir dir.
func IPAMIn(dir string) IPAM { return IPAM{Path: filepath.Join(dir, "ipam.db")} }

// Attachment is one network a container joins, with what netavark needs.
type Attachment struct {
	Network types.Network
	Opts    types.PerNetworkOptions
}

// SetupRequest is what a container's network namespace gets.
type SetupRequest struct {
	ContainerID   string
	ContainerName string
	Networks      []Attachment
	Ports         []types.PortMapping
	DNSServers    []string
	// NamespaceGoes tells Teardown that the namespace is removed right
	// after: the native driver leaves the container's veth pair to the
	// kernel's namespace cleanup.
	NamespaceGoes bool `json:",omitempty"`
}

// NetworkNames names the request's networks.
func (r SetupRequest) NetworkNames() []string {
	names := make([]string, 0, len(r.Networks))
	for _, a := range r.Networks {
		names = append(names, a.Network.Name)
	}
	return names
}

// netavarkInput is netavark 1.4's stdin: networks is a map there (newer
// libnetwork sends a list, which 1.4 rejects).
type netavarkInput struct {
	ContainerID   string                             `json:"container_id"`
	ContainerName string                             `json:"container_name"`
	PortMappings  []types.PortMapping                `json:"port_mappings,omitempty"`
	Networks      map[string]types.PerNetworkOptions `json:"networks"`
	NetworkInfo   map[string]types.Network           `json:"network_info"`
	DNSServers    []string                           `json:"dns_servers,omitempty"`
}

func (r SetupRequest) input() netavarkInput {
	in := netavarkInput{
		ContainerID: r.ContainerID, ContainerName: r.ContainerName,
		PortMappings: r.Ports, DNSServers: r.DNSServers,
		Networks:    map[string]types.PerNetworkOptions{},
		NetworkInfo: map[string]types.Network{},
	}
	for _, a := range r.Networks {
		in.Networks[a.Network.Name] = a.Opts
		in.NetworkInfo[a.Network.Name] = a.Network
	}
	return in
}

// Setup configures the namespace at nsPath and returns netavark's status
// per network.
func (d Driver) Setup(ctx context.Context, nsPath string, req SetupRequest) (map[string]types.StatusBlock, error) {
	if d.nativeFits(req) {
		st, err := d.nativeSetup(ctx, nsPath, req)
		if !errors.Is(err, errNotNative) {
			return st, err
		}
	}
	out := map[string]types.StatusBlock{}
	if err := d.run(ctx, "setup", nsPath, req.input(), &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Teardown undoes Setup (interfaces, firewall rules, DNS entries).
func (d Driver) Teardown(ctx context.Context, nsPath string, req SetupRequest) error {
	if d.nativeFits(req) {
		return d.nativeTeardown(ctx, nsPath, req)
	}
	return d.run(ctx, "teardown", nsPath, req.input(), nil)
}

// command is a netavark invocation with pier's config dir.
func (d Driver) command(ctx context.Context, args ...string) *exec.Cmd {
	args = append([]string{"--config", d.RunDir, "--rootless=false", "--aardvark-binary=" + d.Aardvark}, args...)
	cmd := exec.CommandContext(context.WithoutCancel(ctx), d.Netavark, args...)
	env := os.Environ()
	if p := os.Getenv("PATH"); !strings.Contains(p, "/usr/sbin") {
		env = append(env, "PATH="+p+":/usr/sbin:/sbin")
	}
	cmd.Env = env
	// Its own process group: a ^C or `timeout` signals pier's whole group,
	// and a netavark killed halfway leaves interfaces and firewall rules
	// (an interrupted build tears its step's network down after the signal).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

// UpdateDNS tells the running aardvark of network name its new
// resolvers (netavark update).
func (d Driver) UpdateDNS(ctx context.Context, name string, servers []string) error {
	lk, err := lockfile.GetLockFile(hostLock)
	if err != nil {
		return fmt.Errorf("netavark lock: %w", err)
	}
	lk.Lock()
	defer lk.Unlock()
	out, err := d.command(ctx, "update", name, "--network-dns-servers", strings.Join(servers, ",")).CombinedOutput()
	if err != nil {
		return fmt.Errorf("netavark update: %s: %w", strings.TrimSpace(string(out)), err)
	}
	return nil
}

func (d Driver) run(ctx context.Context, verb, nsPath string, in netavarkInput, result any) error {
	if err := os.MkdirAll(d.RunDir, 0o700); err != nil {
		return fmt.Errorf("creating netavark config dir: %w", err)
	}
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	lk, err := lockfile.GetLockFile(hostLock)
	if err != nil {
		return fmt.Errorf("netavark lock: %w", err)
	}
	lk.Lock()
	defer lk.Unlock()
	cmd := d.command(ctx, verb, nsPath)
	cmd.Stdin = bytes.NewReader(b)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		var ne struct {
			Error string `json:"error"`
		}
		if errors.As(err, &ee) && json.Unmarshal(stdout.Bytes(), &ne) == nil && ne.Error != "" {
			return fmt.Errorf("netavark: %s", ne.Error)
		}
		return fmt.Errorf("netavark %s: %w", verb, err)
	}
	if result != nil {
		if err := json.Unmarshal(stdout.Bytes(), result); err != nil {
			return fmt.Errorf("decoding netavark %s output: %w", verb, err)
		}
	}
	return nil
}
