#!/bin/bash
# Build a hermetic busybox rootfs tar from Debian's busybox-static:
# /bin/busybox, one symlink per applet, users root/test(1000)/nobody.
# Usage: hack/mkimage.sh OUT.tar   (then: pier import -c 'CMD ["/bin/sh"]' OUT.tar localhost/busybox:latest)
set -euo pipefail
out=${1:?usage: $0 OUT.tar}
bb=${BUSYBOX:-/bin/busybox}
if [ ! -x "$bb" ] || [[ "$(ldd "$bb" 2>&1 || true)" != *"not a dynamic"* ]]; then
	echo "$bb missing or not static: apt-get install busybox-static" >&2
	exit 1
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir"/{bin,dev,etc,home/test,proc,run,sys,usr/bin,var/tmp,root,tmp}
chmod 1777 "$dir/tmp" "$dir/var/tmp"
chmod 755 "$dir"
chmod 700 "$dir/root"
chown 1000:1000 "$dir/home/test"
cp "$bb" "$dir/bin/busybox"
for a in $("$bb" --list); do
	[ "$a" = busybox ] || ln -sf busybox "$dir/bin/$a"
done
ln -sf /bin/busybox "$dir/usr/bin/env"
cat >"$dir/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
test:x:1000:1000:test:/home/test:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
P
printf 'root:x:0:\ntest:x:1000:\nnogroup:x:65534:\n' >"$dir/etc/group"
echo '127.0.0.1 localhost' >"$dir/etc/hosts"
tar --numeric-owner -C "$dir" -cf "$out" .
