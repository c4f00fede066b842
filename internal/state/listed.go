package state

import (
	"context"
	"fmt"
	"unsafe"

	jsoniter "github.com/json-iterator/go"

	"github.com/pier-engine/pier/internal/define"
)

// ListContainers is Containers with only the listed fields of each config
// (define.ContainerConfig.Listed): `ps -a` of 500 containers spent most of
// its time decoding, and allocating, configs it never showed. The rest of
// each config is skipped unparsed.
func (s *sqliteStore) ListContainers(ctx context.Context) ([]*define.Container, error) {
	// The driver copies each TEXT value into a new string; scanned into
	// a *string, that copy is the only one.
	raw, err := containerRows[string](ctx, s)
	if err != nil {
		return nil, err
	}
	return decodeListed(raw)
}

// decodeListed decodes the rows into one allocation of containers. On this
// goroutine only: decoding on two CPUs saved no time, as both threads then
// fault fresh pages of one address space at once (lock contention, TLB
// shootdowns), and it cost a millisecond of CPU more.
func decodeListed(raw [][2]string) ([]*define.Container, error) {
	out := make([]*define.Container, len(raw))
	cs := make([]define.Container, len(raw))
	for i, r := range raw {
		if err := decodeListedRow(bytesOf(r[0]), bytesOf(r[1]), &cs[i]); err != nil {
			return nil, err
		}
		out[i] = &cs[i]
	}
	return out, nil
}

// bytesOf is s's bytes, not copied: the decoders only read them.
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

func decodeListedRow(config, state []byte, c *define.Container) error {
	if err := decodeListedConfig(config, &c.Config); err != nil {
		return fmt.Errorf("decoding container config: %w", err)
	}
	if err := decodeState(state, &c.State); err != nil {
		return fmt.Errorf("decoding state of container %s: %w", c.Config.ID, err)
	}
	return nil
}

// listJSON decodes the maps and nested structs of a listed row: pier
// wrote their keys itself with encoding/json, so it matches them as they
// are, without the standard-library mode's case-insensitive retry.
var listJSON = jsoniter.Config{
	EscapeHTML:                    true,
	SortMapKeys:                   true,
	ValidateJsonRawMessage:        true,
	CaseSensitive:                 true,
	ObjectFieldMustBeSimpleString: true,
}.Froze()

// decodeListedConfig fills the listed fields of cfg and skips the others
// unparsed. As encoding/json, unknown keys are ignored.
func decodeListedConfig(b []byte, cfg *define.ContainerConfig) error {
	s := &scanner{b: b}
	return s.object(func(key []byte) (err error) {
		switch string(key) {
		case "id":
			cfg.ID, err = s.str()
		case "name":
			cfg.Name, err = s.str()
		case "created":
			err = s.time(&cfg.Created)
		case "image":
			cfg.Image, err = s.str()
		case "imageID":
			cfg.ImageID, err = s.str()
		case "rawImage":
			cfg.RawImage, err = s.str()
		case "cmd":
			cfg.Cmd, err = s.strs()
		case "labels":
			err = s.value(&cfg.Labels)
		case "mounts":
			err = s.value(&cfg.Mounts)
		case "networkMode":
			cfg.NetworkMode, err = s.str()
		case "networks":
			err = s.value(&cfg.Networks)
		case "portMappings":
			err = s.value(&cfg.PortMappings)
		case "exposedPorts":
			cfg.ExposedPorts, err = s.strs()
		case "restartPolicy":
			cfg.RestartPolicy, err = s.str()
		case "autoRemove":
			cfg.AutoRemove, err = s.boolean()
		case "runtime":
			cfg.Runtime, err = s.str()
		case "healthCheck":
			err = s.value(&cfg.HealthCheck)
		case "healthLogDestination":
			cfg.HealthLogDestination, err = s.str()
		case "pod":
			cfg.Pod, err = s.str()
		case "isInfra":
			cfg.IsInfra, err = s.boolean()
		default:
			err = s.skip()
		}
		return err
	})
}

// decodeState decodes a whole state by hand: json-iterator's reflection
// decoder costs more to build, for one process, than all the rows it
// decodes. A test fails when a field of define.ContainerState is missing.
func decodeState(b []byte, st *define.ContainerState) error {
	s := &scanner{b: b}
	return s.object(func(key []byte) (err error) {
		var n int64
		var u uint64
		switch string(key) {
		case "status":
			var v string
			v, err = s.str()
			st.Status = define.Status(v)
		case "pid":
			n, err = s.int(0)
			st.PID = int(n)
		case "monitorPid":
			n, err = s.int(0)
			st.MonitorPID = int(n)
		case "startedAt":
			err = s.time(&st.StartedAt)
		case "finishedAt":
			err = s.time(&st.FinishedAt)
		case "exitCode":
			n, err = s.int(32)
			st.ExitCode = int32(n)
		case "oomKilled":
			st.OOMKilled, err = s.boolean()
		case "mounted":
			st.Mounted, err = s.boolean()
		case "mountpoint":
			st.Mountpoint, err = s.str()
		case "stoppedByUser":
			st.StoppedByUser, err = s.boolean()
		case "error":
			st.Error, err = s.str()
		case "restartCount":
			u, err = s.uint(0)
			st.RestartCount = uint(u)
		case "pidStart":
			st.PIDStart, err = s.uint(64)
		case "monitorStart":
			st.MonitorStart, err = s.uint(64)
		case "stopperPid":
			n, err = s.int(0)
			st.StopperPID = int(n)
		case "stopperStart":
			st.StopperStart, err = s.uint(64)
		case "netns":
			st.NetNS, err = s.str()
		case "networkStatus":
			err = s.value(&st.NetworkStatus)
		case "slirpPid":
			n, err = s.int(0)
			st.SlirpPID = int(n)
		case "slirpSubnet":
			st.SlirpSubnet, err = s.str()
		case "execSessions":
			err = s.value(&st.ExecSessions)
		case "imageMounts":
			st.ImageMounts, err = s.strs()
		default:
			err = s.skip()
		}
		return err
	})
}
