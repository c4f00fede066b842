package specgen

import (
	"fmt"
	"strconv"
	"strings"

	spec "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/pier-engine/pier/internal/define"
)

// IsIDMapOption reports whether a mount option is podman's idmap:
// "idmap" (the container's own mappings) or "idmap=uids=...;gids=...".
func IsIDMapOption(o string) bool { return o == "idmap" || strings.HasPrefix(o, "idmap=") }

// IDMapMappings are the mount mappings an idmap option gives in a
// container whose user namespace maps uids and gids, as podman computes
// them: the container's maps, or with "idmap=uids=A-B-N#...;gids=..."
// those ranges ("@" before a range: its host IDs are container IDs of the
// container's map).
func IDMapMappings(opt string, uids, gids []spec.LinuxIDMapping) ([]spec.LinuxIDMapping, []spec.LinuxIDMapping, error) {
	val, custom := strings.CutPrefix(opt, "idmap=")
	if !custom {
		return uids, gids, nil
	}
	for _, part := range strings.Split(val, ";") {
		var err error
		switch {
		case strings.HasPrefix(part, "uids="):
			uids, err = parseIDMapRanges(strings.TrimPrefix(part, "uids="), uids)
		case strings.HasPrefix(part, "gids="):
			gids, err = parseIDMapRanges(strings.TrimPrefix(part, "gids="), gids)
		default:
			err = fmt.Errorf("unknown option %q", part)
		}
		if err != nil {
			return nil, nil, invalidf("%v", err)
		}
	}
	return uids, gids, nil
}

// parseIDMapRanges reads "from-to-size#..." ranges.
func parseIDMapRanges(s string, ctr []spec.LinuxIDMapping) ([]spec.LinuxIDMapping, error) {
	var out []spec.LinuxIDMapping
	for _, r := range strings.Split(s, "#") {
		relative := strings.HasPrefix(r, "@")
		fields := strings.Split(strings.TrimPrefix(r, "@"), "-")
		if len(fields) != 3 {
			return nil, fmt.Errorf("invalid mapping: %s", r)
		}
		var v [3]uint32
		for i, f := range fields {
			n, err := strconv.ParseUint(f, 10, 32)
			if err != nil {
				return nil, fmt.Errorf("invalid mapping: %s: %w", r, err)
			}
			v[i] = uint32(n)
		}
		host := v[1]
		if relative {
			h, ok := hostID(ctr, v[1])
			if !ok {
				return nil, fmt.Errorf("invalid mapping: %s: ID %d is not mapped in the container", r, v[1])
			}
			host = h
		}
		out = append(out, spec.LinuxIDMapping{ContainerID: v[0], HostID: host, Size: v[2]})
	}
	return out, nil
}

func hostID(maps []spec.LinuxIDMapping, id uint32) (uint32, bool) {
	for _, m := range maps {
		if id >= m.ContainerID && id-m.ContainerID < m.Size {
			return m.HostID + id - m.ContainerID, true
		}
	}
	return 0, false
}

// applyIDMap sets the mappings of a mount with an idmap option (which the
// runtime does not know, so it is dropped from the options).
func applyIDMap(sm *spec.Mount, m define.Mount, c *define.ContainerConfig) error {
	for _, o := range m.Options {
		if !IsIDMapOption(o) {
			continue
		}
		uids, gids, err := IDMapMappings(o, c.UIDMap, c.GIDMap)
		if err != nil {
			return err
		}
		sm.UIDMappings, sm.GIDMappings = uids, gids
	}
	return nil
}
