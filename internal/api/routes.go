package api

import "net/http"

const (
	get  = http.MethodGet
	post = http.MethodPost
	del  = http.MethodDelete
)

// newRouter lists every endpoint pier serves. Paths are matched after the
// optional /v{version} prefix is removed; the /libpod tree is podman's,
// the other Docker's.
func (s *Server) newRouter() *router {
	rt := &router{}
	rt.both(get, "/_ping", s.ping, s.ping)
	rt.both(get, "/version", s.version, s.version)
	rt.both(get, "/info", s.compatInfo, s.libpodInfo)
	rt.both(get, "/events", s.eventsHandler, s.eventsHandler)

	rt.both(get, "/containers/json", s.compatListContainers, s.libpodListContainers)
	rt.handle(post, "/containers/create", s.compatCreate)
	rt.handle(post, "/libpod/containers/create", s.libpodCreate)
	rt.both(get, "/containers/{name}/json", s.compatInspectContainer, s.libpodInspectContainer)
	rt.both(post, "/containers/{name}/start", s.startContainer, s.startContainer)
	rt.both(post, "/containers/{name}/stop", s.stopContainer, s.stopContainer)
	rt.both(post, "/containers/{name}/kill", s.killContainer, s.killContainer)
	rt.both(post, "/containers/{name}/wait", s.compatWait, s.libpodWait)
	rt.both(get, "/containers/{name}/logs", s.logs, s.logs)
	rt.both(post, "/containers/{name}/attach", s.attach, s.attach)
	rt.both(post, "/containers/{name}/exec", s.execCreate, s.execCreate)
	rt.both(post, "/exec/{id}/start", s.execStart, s.execStart)
	rt.both(get, "/exec/{id}/json", s.execInspect, s.execInspect)
	rt.handle(post, "/libpod/exec/{id}/remove", s.execRemove)
	rt.both(post, "/containers/{name}/resize", s.resize, s.resize)
	rt.both(post, "/exec/{id}/resize", s.resize, s.resize)
	rt.both(del, "/containers/{name}", s.compatRemove, s.libpodRemove)
	rt.both(post, "/containers/{name}/restart", s.restartContainer, s.restartContainer)
	rt.both(post, "/containers/{name}/pause", s.pauseContainer, s.pauseContainer)
	rt.both(post, "/containers/{name}/unpause", s.unpauseContainer, s.unpauseContainer)
	rt.handle(get, "/libpod/containers/{name}/exists", s.containerExists)
	rt.handle(get, "/libpod/generate/{name}/systemd", s.generateSystemd)

	rt.both(get, "/images/json", s.compatListImages, s.libpodListImages)
	rt.handle(post, "/images/create", s.compatPull)
	rt.handle(post, "/libpod/images/pull", s.libpodPull)
	rt.both(get, "/images/{name...}/json", s.inspectImage, s.inspectImage)
	rt.handle(del, "/libpod/images/remove", s.libpodBatchRemoveImages)
	rt.both(del, "/images/{name...}", s.compatRemoveImage, s.libpodRemoveImage)
	rt.handle(get, "/libpod/images/{name...}/exists", s.imageExists)

	rt.handle(get, "/networks", s.compatListNetworks)
	rt.handle(get, "/libpod/networks/json", s.libpodListNetworks)
	rt.handle(get, "/networks/{name}", s.compatInspectNetwork)
	rt.handle(get, "/libpod/networks/{name}/json", s.libpodInspectNetwork)
	rt.handle(post, "/networks/create", s.compatCreateNetwork)
	rt.handle(post, "/libpod/networks/create", s.libpodCreateNetwork)
	rt.both(del, "/networks/{name}", s.compatRemoveNetwork, s.libpodRemoveNetwork)
	rt.handle(get, "/libpod/networks/{name}/exists", s.networkExists)

	rt.handle(get, "/volumes", s.compatListVolumes)
	rt.handle(get, "/libpod/volumes/json", s.libpodListVolumes)
	rt.handle(get, "/volumes/{name}", s.compatInspectVolume)
	rt.handle(get, "/libpod/volumes/{name}/json", s.libpodInspectVolume)
	rt.handle(post, "/volumes/create", s.compatCreateVolume)
	rt.handle(post, "/libpod/volumes/create", s.libpodCreateVolume)
	rt.both(del, "/volumes/{name}", s.removeVolume, s.removeVolume)
	rt.handle(get, "/libpod/volumes/{name}/exists", s.volumeExists)
	return rt
}
