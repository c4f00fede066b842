package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"sync"

	jsoniter "github.com/json-iterator/go"

	"github.com/pier-engine/pier/internal/define"
)

// ListContainers is Containers with only the listed fields of each config
// (define.ContainerConfig.Listed): `ps -a` of 500 containers spent most of
// its time decoding, and allocating, configs it never showed. The rest of
// each config is skipped unparsed.
func (s *sqliteStore) ListContainers(ctx context.Context) ([]*define.Container, error) {
	st, err := s.stmt(ctx, qContainers)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing containers: %w", err)
	}
	defer rows.Close()
	var raw rawRows
	for rows.Next() {
		// RawBytes are the driver's, valid until the next row: kept in
		// chunks rather than one allocation per column.
		var config, state sql.RawBytes
		if err := rows.Scan(&config, &state); err != nil {
			return nil, fmt.Errorf("listing containers: %w", err)
		}
		raw.rows = append(raw.rows, [2][]byte{raw.keep(config), raw.keep(state)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing containers: %w", err)
	}
	return decodeListed(raw.rows)
}

// rawRows copies rows into large chunks rather than one allocation per
// column: a fresh page is a page fault, which costs more than the copy.
type rawRows struct {
	rows  [][2][]byte
	chunk []byte
}

const rawChunk = 64 << 10

func (r *rawRows) keep(b []byte) []byte {
	if len(b) > rawChunk/4 {
		return append([]byte(nil), b...)
	}
	if cap(r.chunk)-len(r.chunk) < len(b) {
		r.chunk = make([]byte, 0, rawChunk)
	}
	n := len(r.chunk)
	r.chunk = append(r.chunk, b...)
	return r.chunk[n:len(r.chunk):len(r.chunk)]
}

// decodeListed decodes rows, on every CPU once there are enough of them.
func decodeListed(raw [][2][]byte) ([]*define.Container, error) {
	out := make([]*define.Container, len(raw))
	// One allocation for all: fewer fresh pages touched one by one.
	cs := make([]define.Container, len(raw))
	workers := min(runtime.GOMAXPROCS(0), len(raw)/parallelDecodeMin)
	if workers < 2 {
		workers = 1
	}
	errs := make([]error, workers)
	var wg sync.WaitGroup
	per := (len(raw) + workers - 1) / workers
	for w := range workers {
		lo, hi := w*per, min((w+1)*per, len(raw))
		decode := func() {
			for i := lo; i < hi; i++ {
				if err := decodeListedRow(raw[i][0], raw[i][1], &cs[i]); err != nil {
					errs[w] = err
					return
				}
				out[i] = &cs[i]
			}
		}
		if w == workers-1 {
			decode() // the last share on this goroutine
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			decode()
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

func decodeListedRow(config, state []byte, c *define.Container) error {
	iter := listJSON.BorrowIterator(config)
	defer listJSON.ReturnIterator(iter)
	if err := decodeListedConfig(iter, &c.Config); err != nil {
		return fmt.Errorf("decoding container config: %w", err)
	}
	iter.ResetBytes(state)
	if err := decodeState(iter, &c.State); err != nil {
		return fmt.Errorf("decoding state of container %s: %w", c.Config.ID, err)
	}
	return nil
}

// listJSON reads what pier wrote itself with encoding/json: object keys
// are the tags' exact, unescaped names, so it matches them as they are,
// without copying each key or retrying it in lower case as the
// standard-library mode (rowJSON) must.
var listJSON = jsoniter.Config{
	EscapeHTML:                    true,
	SortMapKeys:                   true,
	ValidateJsonRawMessage:        true,
	CaseSensitive:                 true,
	ObjectFieldMustBeSimpleString: true,
}.Froze()

// decodeListedConfig fills the listed fields of cfg and skips the others
// unparsed. As encoding/json, null leaves a field as it is and unknown
// keys are ignored.
func decodeListedConfig(iter *jsoniter.Iterator, cfg *define.ContainerConfig) error {
	for key := iter.ReadObject(); key != ""; key = iter.ReadObject() {
		if iter.WhatIsNext() == jsoniter.NilValue {
			iter.Skip()
			continue
		}
		switch key {
		case "id":
			cfg.ID = iter.ReadString()
		case "name":
			cfg.Name = iter.ReadString()
		case "created":
			if err := cfg.Created.UnmarshalText(iter.ReadStringAsSlice()); err != nil {
				return err
			}
		case "image":
			cfg.Image = iter.ReadString()
		case "imageID":
			cfg.ImageID = iter.ReadString()
		case "rawImage":
			cfg.RawImage = iter.ReadString()
		case "cmd":
			cfg.Cmd = readStrings(iter)
		case "labels":
			iter.ReadVal(&cfg.Labels)
		case "mounts":
			iter.ReadVal(&cfg.Mounts)
		case "networkMode":
			cfg.NetworkMode = iter.ReadString()
		case "networks":
			iter.ReadVal(&cfg.Networks)
		case "portMappings":
			iter.ReadVal(&cfg.PortMappings)
		case "exposedPorts":
			cfg.ExposedPorts = readStrings(iter)
		case "restartPolicy":
			cfg.RestartPolicy = iter.ReadString()
		case "autoRemove":
			cfg.AutoRemove = iter.ReadBool()
		case "runtime":
			cfg.Runtime = iter.ReadString()
		case "healthCheck":
			iter.ReadVal(&cfg.HealthCheck)
		case "healthLogDestination":
			cfg.HealthLogDestination = iter.ReadString()
		case "pod":
			cfg.Pod = iter.ReadString()
		case "isInfra":
			cfg.IsInfra = iter.ReadBool()
		default:
			iter.Skip()
		}
	}
	return iter.Error
}

// decodeState decodes a whole state by hand: json-iterator's reflection
// decoder costs more to build, for one process, than all the rows it
// decodes. A test fails when a field of define.ContainerState is missing.
func decodeState(iter *jsoniter.Iterator, st *define.ContainerState) error {
	for key := iter.ReadObject(); key != ""; key = iter.ReadObject() {
		if iter.WhatIsNext() == jsoniter.NilValue {
			iter.Skip()
			continue
		}
		var err error
		switch key {
		case "status":
			st.Status = define.Status(iter.ReadString())
		case "pid":
			st.PID = iter.ReadInt()
		case "monitorPid":
			st.MonitorPID = iter.ReadInt()
		case "startedAt":
			err = st.StartedAt.UnmarshalText(iter.ReadStringAsSlice())
		case "finishedAt":
			err = st.FinishedAt.UnmarshalText(iter.ReadStringAsSlice())
		case "exitCode":
			st.ExitCode = iter.ReadInt32()
		case "oomKilled":
			st.OOMKilled = iter.ReadBool()
		case "mounted":
			st.Mounted = iter.ReadBool()
		case "mountpoint":
			st.Mountpoint = iter.ReadString()
		case "stoppedByUser":
			st.StoppedByUser = iter.ReadBool()
		case "error":
			st.Error = iter.ReadString()
		case "restartCount":
			st.RestartCount = iter.ReadUint()
		case "pidStart":
			st.PIDStart = iter.ReadUint64()
		case "monitorStart":
			st.MonitorStart = iter.ReadUint64()
		case "stopperPid":
			st.StopperPID = iter.ReadInt()
		case "stopperStart":
			st.StopperStart = iter.ReadUint64()
		case "netns":
			st.NetNS = iter.ReadString()
		case "networkStatus":
			iter.ReadVal(&st.NetworkStatus)
		case "slirpPid":
			st.SlirpPID = iter.ReadInt()
		case "slirpSubnet":
			st.SlirpSubnet = iter.ReadString()
		case "execSessions":
			iter.ReadVal(&st.ExecSessions)
		case "imageMounts":
			st.ImageMounts = readStrings(iter)
		default:
			iter.Skip()
		}
		if err != nil {
			return err
		}
	}
	return iter.Error
}

func readStrings(iter *jsoniter.Iterator) []string {
	out := []string{}
	for iter.ReadArray() {
		out = append(out, iter.ReadString())
	}
	return out
}
