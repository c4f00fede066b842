#!/bin/bash
# pier build vs podman build, side by side, same runc, same base image:
# a three-stage Containerfile (RUN steps that write 50 MB, COPY of a
# 1000-file context, COPY --from both stages), built
#   (a) cold: --no-cache, every step runs and every layer is committed;
#   (b) cached: every step a cache hit (podman's start-up and config load
#       are most of what is left).
# RUN steps use --network none, so the numbers are the builder's, not
# netavark's. Each engine has its own --root/--runroot; samples interleaved.
#
# Knobs: COLD (samples of (a), 3), CACHED (samples of (b), 7), PIER,
#        PODMAN, RUNC as in bench/run.sh; WRITE=1 puts the table at the top
#        of bench/RESULTS.md (only on a quiet machine).
set -uo pipefail
cd "$(dirname "$0")/.."
here=$PWD

COLD=${COLD:-3}
CACHED=${CACHED:-7}
PIER_BIN=$(realpath -m "${PIER:-bin/pier}")
RUNC=${RUNC:-$(command -v runc || echo /usr/sbin/runc)}
IMG=localhost/busybox:latest

die() { echo "bench: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root"
[ -x "$PIER_BIN" ] || die "$PIER_BIN not built: make build"
PODMAN_BIN=${PODMAN:-}
[ -z "$PODMAN_BIN" ] && [ -x /opt/podman5/podman ] && PODMAN_BIN=/opt/podman5/podman
[ -z "$PODMAN_BIN" ] && PODMAN_BIN=$(command -v podman || true)
engines=(pier)
[ -n "$PODMAN_BIN" ] && [ -x "$PODMAN_BIN" ] && engines+=(podman)

work=$(mktemp -d /tmp/pier-buildbench.XXXXXX)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
. "$here/bench/lib.sh"
write_engine_confs "$work" "$RUNC"

eng() {
	local e=$1 bin=$PODMAN_BIN extra=()
	shift
	if [ "$e" = pier ]; then
		bin=$PIER_BIN
		extra=(--runtime "$RUNC")
	fi
	env CONTAINERS_CONF="$work/$e/containers.conf" PODMAN_IGNORE_CGROUPSV1_WARNING=1 \
		"$bin" --root "$work/$e/root" --runroot "$work/$e/run" "${extra[@]}" "$@"
}

cleanup() {
	for e in "${engines[@]}"; do
		eng "$e" rm -af -t 0 >/dev/null 2>&1
		eng "$e" system reset -f >/dev/null 2>&1
	done
	grep " $work" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT

now_ns() { date +%s%N; }
ms() { echo $((($(now_ns) - $1) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) {print "FAIL"} else if (NR%2) {print a[(NR+1)/2]} else {print int((a[NR/2]+a[NR/2+1])/2)}}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2f", a/b; else print "-" }'; }
declare -A res

echo "== image and context"
"$here/hack/mkimage.sh" "$work/busybox.tar" || die "building the image tar"
ctx=$work/ctx
mkdir -p "$ctx/files"
for i in $(seq 1000); do echo "file $i" >"$ctx/files/f$i"; done
cat >"$ctx/Containerfile" <<EOF
FROM $IMG AS data
RUN dd if=/dev/urandom of=/a bs=1M count=25 2>/dev/null && dd if=/dev/urandom of=/b bs=1M count=25 2>/dev/null

FROM $IMG AS files
COPY files/ /files/
RUN ls /files | wc -l >/count

FROM $IMG
COPY --from=data /a /b /data/
COPY --from=files /files/ /files/
COPY --from=files /count /count
CMD ["cat", "/count"]
EOF
for e in "${engines[@]}"; do
	eng "$e" import -c 'CMD ["/bin/sh"]' "$work/busybox.tar" "$IMG" >/dev/null 2>"$work/err" ||
		die "$e import: $(cat "$work/err")"
	eng "$e" build -q --network none -t warm "$ctx" >/dev/null 2>"$work/err" || die "$e build: $(cat "$work/err")"
	: >"$work/$e.a" && : >"$work/$e.b"
done

sample() { # engine key args...
	local e=$1 k=$2 t
	shift 2
	t=$(now_ns)
	if eng "$e" build -q --network none "$@" "$ctx" >/dev/null 2>"$work/err"; then
		ms "$t" >>"$work/$e.$k"
	else
		echo "bench: build $* failed for $e: $(head -c 300 "$work/err")" >&2
	fi
}
echo "== (a) cold builds (--no-cache), $COLD each, interleaved"
for i in $(seq "$COLD"); do
	for e in "${engines[@]}"; do sample "$e" a --no-cache -t cold; done
done
echo "== (b) fully cached builds, $CACHED each, interleaved"
for i in $(seq "$CACHED"); do
	for e in "${engines[@]}"; do sample "$e" b -t cached; done
done
for e in "${engines[@]}"; do
	res[$e.a]=$(median <"$work/$e.a")
	res[$e.b]=$(median <"$work/$e.b")
done

row() { # name key target
	local p=${res[pier.$2]:-FAIL} q=${res[podman.$2]:--}
	local pu=$p qu=$q
	[[ $p =~ ^[0-9]+$ ]] && pu="$p ms"
	[[ $q =~ ^[0-9]+$ ]] && qu="$q ms"
	printf '| %s | %s | %s | %s | %s |\n' "$1" "$pu" "$qu" "$(ratio "$p" "$q")" "$3"
}
podman_v=$([ ${#engines[@]} = 2 ] && echo "$("$PODMAN_BIN" --version) ($PODMAN_BIN)" || echo "podman absent")
report=$(
	echo "## $(date -u '+%Y-%m-%d %H:%M UTC') (build, bench/build.sh)"
	echo
	echo "Machine: $(nproc) CPUs, kernel $(uname -r), $("$RUNC" --version | head -1); $podman_v; pier $(git -C "$here" describe --always --dirty 2>/dev/null)."
	echo "Both engines: runc, overlay, own temporary --root/--runroot, RUN with --network none; samples interleaved."
	echo "Three stages: RUN writing 50 MB, COPY of a 1000-file context, COPY --from both into the last."
	echo "Load average (1/5/15 min) at the start: $load_start; at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
	echo
	echo "| benchmark | pier | podman | ratio | target |"
	echo "|---|---|---|---|---|"
	row "build --no-cache, cold (median of $COLD)" a "<= 1.0"
	row "build, every step cached (median of $CACHED)" b "<= 0.7"
	echo
)
echo
echo "$report"
if [ "${WRITE:-0}" = 1 ]; then
	write_results "$report"
fi
