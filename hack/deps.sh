#!/bin/bash
# Install the Debian packages pier needs to build and run, only if missing.
# Usage: hack/deps.sh [extra packages...]
set -euo pipefail
pkgs=(runc busybox-static make gcc libc6-dev libseccomp-dev pkg-config git ca-certificates "$@")
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})" >&2
		exit 1
	fi
	echo "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq "${missing[@]}"
fi
export PATH=$PATH:/usr/local/go/bin
if ! command -v go >/dev/null; then
	echo "Go not found: install Go (see go.mod for the version) into /usr/local/go, https://go.dev/dl/" >&2
	exit 1
fi
