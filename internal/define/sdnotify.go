package define

// sd_notify modes (--sdnotify), podman's: who tells the service manager
// behind NOTIFY_SOCKET that the container is ready.
const (
	// SdNotifyContainer (the default) passes a proxy socket into the
	// container; the container itself says READY=1, pier reports MAINPID.
	SdNotifyContainer = "container"
	// SdNotifyConmon: pier says MAINPID and READY=1 once the container
	// started (conmon is the monitor's name in podman).
	SdNotifyConmon = "conmon"
	// SdNotifyHealthy: READY=1 once the healthcheck passed.
	SdNotifyHealthy = "healthy"
	// SdNotifyIgnore: NOTIFY_SOCKET is neither used nor passed on.
	SdNotifyIgnore = "ignore"
)

// NotifySocketInContainer is where a container of mode container finds
// its proxy socket (NOTIFY_SOCKET), as with podman.
const NotifySocketInContainer = "/run/notify/notify.sock"
