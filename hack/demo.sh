#!/bin/bash
# First run on a fresh Debian 12 machine: packages, build, a local busybox
# image made from Debian's busybox-static, and a first container.
# Uses pier's default storage (shared with podman); set PIER_DEMO_ARGS, e.g.
# "--root /tmp/pier-root --runroot /tmp/pier-run", to keep it elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
	echo "pier runs containers as root for now: sudo make demo" >&2
	exit 1
fi
hack/deps.sh
export PATH=$PATH:/usr/local/go/bin
make build
read -r -a args <<<"${PIER_DEMO_ARGS:-}"
pier() { bin/pier "${args[@]}" "$@"; }
img=localhost/busybox:latest
if ! pier image exists "$img"; then
	tar=$(mktemp --suffix=.tar)
	trap 'rm -f "$tar"' EXIT
	hack/mkimage.sh "$tar"
	pier import -c 'CMD ["/bin/sh"]' "$tar" "$img"
fi
pier images
echo '$ pier run --rm localhost/busybox echo ...'
pier run --rm "$img" sh -c 'echo "Hello from a pier container! hostname=$(hostname) user=$(id -un) kernel=$(uname -r)"'
