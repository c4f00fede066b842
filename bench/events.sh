#!/bin/bash
# Events and healthchecks, pier vs podman, same runc, same image:
#   (a) an idle container with a 1 s healthcheck for DURATION seconds: the
#       monitor's RSS at the end and the CPU it and its children (the
#       healthcheck runs) used. podman's healthchecks need systemd timers,
#       which this host lacks: its conmon is measured idle, without checks.
#   (b) `events --since 1h --stream=false` over a log of N_LIFE lifecycles
#       (one real `run --rm` lifecycle's records, repeated with fresh
#       times): both engines read the same file format.
# Knobs: DURATION (60), N_LIFE (1000), READS (samples of (b), 7), PIER,
#        PODMAN, RUNC as in bench/run.sh; WRITE=1 puts the table at the top
#        of bench/RESULTS.md (only on a quiet machine).
set -uo pipefail
cd "$(dirname "$0")/.."
here=$PWD

DURATION=${DURATION:-60}
N_LIFE=${N_LIFE:-1000}
READS=${READS:-7}
PIER_BIN=$(realpath -m "${PIER:-bin/pier}")
RUNC=${RUNC:-$(command -v runc || echo /usr/sbin/runc)}
IMG=localhost/busybox:latest

die() { echo "bench: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "run as root"
[ -x "$PIER_BIN" ] || die "$PIER_BIN not built: make build"
command -v jq >/dev/null || die "jq not found: apt-get install jq"
PODMAN_BIN=${PODMAN:-}
[ -z "$PODMAN_BIN" ] && [ -x /opt/podman5/podman ] && PODMAN_BIN=/opt/podman5/podman
[ -z "$PODMAN_BIN" ] && PODMAN_BIN=$(command -v podman || true)
engines=(pier)
[ -n "$PODMAN_BIN" ] && [ -x "$PODMAN_BIN" ] && engines+=(podman)

work=$(mktemp -d /tmp/pier-eventsbench.XXXXXX)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
. "$here/bench/lib.sh"
write_engine_confs "$work" "$RUNC"
# The log in the work dir, never rotated; into an existing [engine] table
# (podman's file has one, followed by [engine.runtimes]).
for e in "${engines[@]}"; do
	keys="events_logger = \"file\"\nevents_logfile_path = \"$work/$e/events.log\"\nevents_logfile_max_size = 0"
	if grep -q '^\[engine\]$' "$work/$e/containers.conf"; then
		sed -i "/^\[engine\]$/a $keys" "$work/$e/containers.conf"
		sed -i '0,/^events_logger = "file"$/!{/^events_logger = "file"$/d}' "$work/$e/containers.conf"
	else
		printf '[engine]\n%b\n' "$keys" >>"$work/$e/containers.conf"
	fi
done

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
	rm -rf "$work"
}
trap cleanup EXIT

now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) {print "FAIL"} else if (NR%2) {print a[(NR+1)/2]} else {print int((a[NR/2]+a[NR/2+1])/2)}}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2f", a/b; else print "-" }'; }
# cpu_ms PID: user+system time of PID and its waited-for children.
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{print int(($14+$15+$16+$17)*1000/hz)}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
declare -A res

"$here/hack/mkimage.sh" "$work/busybox.tar" || die "building the image tar"
for e in "${engines[@]}"; do
	eng "$e" import -q -c 'CMD ["/bin/sh"]' "$work/busybox.tar" "$IMG" >/dev/null || die "import for $e"
done

echo "== (a) idle container with a 1 s healthcheck, ${DURATION}s"
for e in "${engines[@]}"; do
	eng "$e" run -d --name hc --network none --health-cmd true --health-interval 1s "$IMG" sleep 100000 >/dev/null ||
		die "run for $e"
	mon=$(eng "$e" inspect hc --format '{{.State.ConmonPid}}')
	before=$(cpu_ms "$mon")
	sleep "$DURATION"
	res[$e.cpu]=$(($(cpu_ms "$mon") - before))
	res[$e.rss]=$(rss_kb "$mon")
	res[$e.checks]=$(eng "$e" events --stream=false --filter event=health_status | wc -l)
	eng "$e" rm -f -t 0 hc >/dev/null
done

echo "== (b) events --since 1h --stream=false over $N_LIFE lifecycles, $READS reads each"
for e in "${engines[@]}"; do
	: >"$work/$e/events.log"
	eng "$e" run --rm --network none "$IMG" true >/dev/null || die "lifecycle for $e"
	one=$(grep '"Type":"container"' "$work/$e/events.log")
	now=$(date -u +%Y-%m-%dT%H:%M:%S)
	: >"$work/$e/events.log"
	for i in $(seq "$N_LIFE"); do
		printf '%s\n' "$one" | sed "s/\"Time\":\"[^\"]*\"/\"Time\":\"$now.$(printf %09d "$i")Z\"/"
	done >"$work/$e/events.log"
	res[$e.lines]=$(wc -l <"$work/$e/events.log")
done
for i in $(seq "$READS"); do
	for e in "${engines[@]}"; do
		t=$(now_ns)
		n=$(eng "$e" events --since 1h --stream=false | wc -l)
		echo $((($(now_ns) - t) / 1000000)) >>"$work/$e.read"
		[ "$n" = "${res[$e.lines]}" ] || echo "bench: $e read $n events of ${res[$e.lines]}" >&2
	done
done
for e in "${engines[@]}"; do res[$e.read]=$(median <"$work/$e.read"); done

row() { # name key unit target
	local p=${res[pier.$2]:-FAIL} q=${res[podman.$2]:--}
	printf '| %s | %s %s | %s %s | %s | %s |\n' "$1" "$p" "$3" "$q" "$3" "$(ratio "$p" "$q")" "$4"
}
podman_v=$([ ${#engines[@]} = 2 ] && echo "$("$PODMAN_BIN" --version) ($PODMAN_BIN)" || echo "podman absent")
report=$(
	echo "## $(date -u '+%Y-%m-%d %H:%M UTC') (events and healthchecks, bench/events.sh)"
	echo
	echo "Machine: $(nproc) CPUs, kernel $(uname -r), $("$RUNC" --version | head -1); $podman_v; pier $(git -C "$here" describe --always --dirty 2>/dev/null)."
	echo "Idle container with \`--health-cmd true --health-interval 1s\` for ${DURATION}s: pier's monitor ran ${res[pier.checks]:-?} checks itself;"
	echo "podman's conmon ran none (its timer is a systemd unit; no systemd here), so its CPU is conmon's alone."
	echo "events: ${res[pier.lines]:-?} container records (${N_LIFE} run --rm lifecycles) read with --since 1h --stream=false."
	echo "Load average (1/5/15 min) at the start: $load_start; at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
	echo
	echo "| benchmark | pier | podman | ratio | target |"
	echo "|---|---|---|---|---|"
	row "monitor RSS after ${DURATION}s idle, 1 s healthcheck" rss KiB "-"
	row "monitor + healthcheck CPU over ${DURATION}s" cpu ms "-"
	row "events --since 1h --stream=false (median of $READS)" read ms "<= 1.0"
	echo
)
echo
echo "$report"
if [ "${WRITE:-0}" = 1 ]; then
	write_results "$report"
fi
