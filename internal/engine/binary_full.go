//go:build !pierslim

package engine

import buildahdefine "go.podman.io/buildah/define"

// buildahVersion is the buildah library linked (the lifecycle binary has
// none and sends `info` to the full one).
const buildahVersion = buildahdefine.Version

// lifecycleBinary: this is the full binary, which can do everything.
const lifecycleBinary = false
