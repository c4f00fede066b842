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
. "$here/bench/lib.sh"
bench_init eventsbench
command -v jq >/dev/null || die "jq not found: apt-get install jq"
# The log in the work dir, never rotated; into an existing [engine] table
# (podman's file has one, followed by [engine.runtimes]).
for e in pier podman; do
	keys="events_logger = \"file\"\nevents_logfile_path = \"$work/$e/events.log\"\nevents_logfile_max_size = 0"
	if grep -q '^\[engine\]$' "$work/$e/containers.conf"; then
		sed -i "/^\[engine\]$/a $keys" "$work/$e/containers.conf"
		sed -i '0,/^events_logger = "file"$/!{/^events_logger = "file"$/d}' "$work/$e/containers.conf"
	else
		printf '[engine]\n%b\n' "$keys" >>"$work/$e/containers.conf"
	fi
done

cleanup_engine() { eng "$1" system reset -f >/dev/null 2>&1; }
# cpu_ms PID: user+system time of PID and its waited-for children.
cpu_ms() { awk -v hz="$(getconf CLK_TCK)" '{print int(($14+$15+$16+$17)*1000/hz)}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

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

report=$(
	echo "## $(date -u '+%Y-%m-%d %H:%M UTC') (events and healthchecks, bench/events.sh)"
	echo
	machine_line
	echo "Idle container with \`--health-cmd true --health-interval 1s\` for ${DURATION}s: pier's monitor ran ${res[pier.checks]:-?} checks itself;"
	echo "podman's conmon ran none (its timer is a systemd unit; no systemd here), so its CPU is conmon's alone."
	echo "events: ${res[pier.lines]:-?} container records (${N_LIFE} run --rm lifecycles) read with --since 1h --stream=false."
	echo "Load average (1/5/15 min) at the start: $load_start; at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
	echo
	echo "| benchmark | pier | podman | ratio | target |"
	echo "|---|---|---|---|---|"
	row "monitor RSS after ${DURATION}s idle, 1 s healthcheck" KiB rss "-"
	row "monitor + healthcheck CPU over ${DURATION}s" ms cpu "-"
	row "events --since 1h --stream=false (median of $READS)" ms read "<= 1.0"
	echo
)
echo
echo "$report"
if [ "${WRITE:-0}" = 1 ]; then
	write_results "$report"
fi
