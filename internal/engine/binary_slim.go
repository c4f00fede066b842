//go:build pierslim

package engine

// buildahVersion: the lifecycle binary links no buildah; `info`, which
// reports it, runs in the full binary.
const buildahVersion = ""

// lifecycleBinary: this is the lifecycle binary (no pulls, no builds).
const lifecycleBinary = true
