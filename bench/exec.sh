#!/bin/bash
# pier vs podman inside a running container, side by side, same runc, same
# image:
#   (a) exec CTR true: a session's monitor, the runtime's exec, the exit;
#   (b) cp of a $MB MiB file into the container; (c) the same out of it.
# Each engine has its own --root/--runroot and containers.conf; samples are
# interleaved so that load from elsewhere hits both alike.
#
# Knobs: RUNS (samples of (a), 30), MB (file size for (b) and (c), 100),
#        CPS (samples of (b) and (c), 5), PIER, PODMAN, RUNC as in
#        bench/run.sh, WRITE=1 puts the table at the top of
#        bench/RESULTS.md (only on a quiet machine; it is printed anyway).
set -uo pipefail
cd "$(dirname "$0")/.."
here=$PWD

RUNS=${RUNS:-30}
MB=${MB:-100}
CPS=${CPS:-5}
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

work=$(mktemp -d /tmp/pier-execbench.XXXXXX)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
. "$here/bench/lib.sh"
write_engine_confs "$work" "$RUNC"
for e in "${engines[@]}"; do
	printf '[storage]\ndriver = "overlay"\ngraphroot = "%s"\nrunroot = "%s"\n' \
		"$work/$e/root" "$work/$e/run" >"$work/$e/storage.conf"
done

eng() {
	local e=$1 bin=$PODMAN_BIN extra=()
	shift
	if [ "$e" = pier ]; then
		bin=$PIER_BIN
		extra=(--runtime "$RUNC" --tmpdir "$work/pier/tmp")
	fi
	env CONTAINERS_CONF="$work/$e/containers.conf" CONTAINERS_STORAGE_CONF="$work/$e/storage.conf" \
		PODMAN_IGNORE_CGROUPSV1_WARNING=1 "$bin" --root "$work/$e/root" --runroot "$work/$e/run" "${extra[@]}" "$@"
}

cleanup() {
	for e in "${engines[@]}"; do
		eng "$e" rm -af -t 0 >/dev/null 2>&1
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
fail() { echo "bench: $1 failed for $2: $3" >&2; }
declare -A res

echo "== image and containers"
"$here/hack/mkimage.sh" "$work/busybox.tar" || die "building the image tar"
head -c "${MB}M" /dev/urandom >"$work/blob"
for e in "${engines[@]}"; do
	eng "$e" import -c 'CMD ["/bin/sh"]' "$work/busybox.tar" "$IMG" >/dev/null 2>"$work/err" ||
		die "$e import: $(cat "$work/err")"
	eng "$e" run -d --name box --network none "$IMG" sleep 100000 >/dev/null 2>"$work/err" ||
		die "$e run -d: $(cat "$work/err")"
	eng "$e" exec box true >/dev/null 2>&1 # warm up
	: >"$work/$e.a" && : >"$work/$e.b" && : >"$work/$e.c"
done

echo "== (a) exec CTR true, $RUNS runs each, interleaved"
for i in $(seq "$RUNS"); do
	for e in "${engines[@]}"; do
		t=$(now_ns)
		if eng "$e" exec box true >/dev/null 2>"$work/err"; then
			ms "$t" >>"$work/$e.a"
		else
			fail "exec" "$e" "$(head -c 300 "$work/err") [$(eng "$e" ps -a --format "{{.Status}}" 2>&1)]"
		fi
	done
done

echo "== (b) cp of $MB MiB in and (c) out, $CPS each, interleaved"
for i in $(seq "$CPS"); do
	for e in "${engines[@]}"; do
		t=$(now_ns)
		if eng "$e" cp "$work/blob" box:/tmp/blob 2>"$work/err"; then
			ms "$t" >>"$work/$e.b"
		else
			fail "cp in" "$e" "$(head -c 300 "$work/err")"
		fi
		rm -f "$work/out.$e"
		t=$(now_ns)
		if eng "$e" cp box:/tmp/blob "$work/out.$e" 2>"$work/err"; then
			ms "$t" >>"$work/$e.c"
			cmp -s "$work/blob" "$work/out.$e" || fail "cp out" "$e" "the copy differs"
		else
			fail "cp out" "$e" "$(head -c 300 "$work/err")"
		fi
	done
done
for e in "${engines[@]}"; do
	for k in a b c; do
		res[$e.$k]=$(median <"$work/$e.$k")
	done
done

row() { # name unit key target
	local p=${res[pier.$3]:-FAIL} q=${res[podman.$3]:--}
	local pu=$p qu=$q
	[[ $p =~ ^[0-9]+$ ]] && pu="$p $2"
	[[ $q =~ ^[0-9]+$ ]] && qu="$q $2"
	printf '| %s | %s | %s | %s | %s |\n' "$1" "$pu" "$qu" "$(ratio "$p" "$q")" "$4"
}
podman_v=$([ ${#engines[@]} = 2 ] && echo "$("$PODMAN_BIN" --version) ($PODMAN_BIN)" || echo "podman absent")
report=$(
	echo "## $(date -u '+%Y-%m-%d %H:%M UTC') (exec and cp, bench/exec.sh)"
	echo
	echo "Machine: $(nproc) CPUs, kernel $(uname -r), $("$RUNC" --version | head -1); $podman_v; pier $(git -C "$here" describe --always --dirty 2>/dev/null)."
	echo "Both engines: runc, overlay, --network none, own temporary --root/--runroot; samples interleaved."
	echo "Load average (1/5/15 min) at the start: $load_start; at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
	echo
	echo "| benchmark | pier | podman | ratio | target |"
	echo "|---|---|---|---|---|"
	row "exec CTR true (median of $RUNS)" ms a "<= 0.5"
	row "cp of a $MB MiB file into a running container (median of $CPS)" ms b "<= 0.8"
	row "cp of a $MB MiB file out of a running container (median of $CPS)" ms c "<= 0.8"
	echo
)
echo
echo "$report"
if [ "${WRITE:-0}" = 1 ]; then
	write_results "$report"
fi
