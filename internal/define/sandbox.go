package define

// Sandbox holds create's less common options of how the process runs:
// podman's --personality, --rdt-class, --seccomp-policy, --preserve-fd
// and --rootfs.
type Sandbox struct {
	// Personality is the execution domain (spec.Linux.Personality),
	// e.g. "LINUX32"; passed as given, as podman does.
	Personality string `json:"personality,omitempty"`
	// RdtClass is the Intel RDT class of service (spec.Linux.IntelRdt).
	RdtClass string `json:"rdtClass,omitempty"`
	// SeccompPolicy is "" (default) or "image"; SeccompImageProfile is
	// then the image's io.containers.seccomp.profile label, the profile
	// itself, taken at create as podman takes it.
	SeccompPolicy       string `json:"seccompPolicy,omitempty"`
	SeccompImageProfile string `json:"seccompImageProfile,omitempty"`
	// PreserveFD are the fds (3 and up) of the starting process passed
	// to the container at the same numbers (run --preserve-fd).
	PreserveFD []uint `json:"preserveFd,omitempty"`
	// Rootfs is an exploded root filesystem used instead of an image
	// (--rootfs); with RootfsOverlay (":O") it is the lower layer of an
	// overlay whose upper is the container's storage, so it stays as is.
	Rootfs        string `json:"rootfs,omitempty"`
	RootfsOverlay bool   `json:"rootfsOverlay,omitempty"`
}
