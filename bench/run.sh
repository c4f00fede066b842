#!/bin/bash
# pier vs podman, side by side, same runc, same image, --network none.
# Each engine gets its own temporary --root/--runroot and containers.conf.
# Samples are interleaved (pier, podman, runc, pier, ...) so that load from
# elsewhere on the machine hits every engine alike; compare the ratios.
# The floor row runs `runc run` of a ready bundle: pier's own config.json
# (same spec, seccomp profile and mounts) over an extracted rootfs.
# Results (medians and pier/podman ratios) go to bench/RESULTS.md.
#
# Knobs: RUNS (run --rm latency samples, 20), N_LIFE (lifecycle containers, 50),
#        CPU_RUNS (CPU time samples, 7; needs perf),
#        N_PS (containers for ps, 500), PS_RUNS (ps samples, 10),
#        PIER (pier binary, bin/pier), RUNC (runtime, runc in PATH),
#        PODMAN (podman binary: /opt/podman5/podman, the 5.8.2 reference
#        build, when present, else podman in PATH),
#        ENGINES ("pier podman" by default; "podman" alone checks the script),
#        PARTS ("containers registry" by default: this script's container
#        benchmarks, then bench/registry.sh's pull/push ones; name one to run
#        it alone; registry.sh has its own knobs).
set -uo pipefail
cd "$(dirname "$0")/.."
here=$PWD

RUNS=${RUNS:-20}
N_LIFE=${N_LIFE:-50}
N_PS=${N_PS:-500}
PS_RUNS=${PS_RUNS:-10}
CPU_RUNS=${CPU_RUNS:-7}
. "$here/bench/lib.sh"
PARTS=${PARTS:-containers registry}
if [[ " $PARTS " != *" containers "* ]]; then
	[[ " $PARTS " == *" registry "* ]] || die "PARTS=\"$PARTS\": expected containers and/or registry"
	exec "$here/bench/registry.sh"
fi
bench_init bench
command -v jq >/dev/null || die "jq not found: apt-get install jq"

# cpu_ms SCRIPT ARGS...: CPU time (ms) of every process of `sh -c SCRIPT`,
# the engine's helpers included (monitor, conmon, runtime, cleanup): the
# script ends with a pause that lets them finish. Load from elsewhere
# hardly changes it, unlike wall time.
cpu_ms() {
	local script=$1
	shift
	perf stat -x, -e task-clock -o "$work/perf" -- sh -c "$script; sleep 0.5" sh "$@" >/dev/null 2>&1 &&
		awk -F, '/task-clock/ {printf "%d\n", $1}' "$work/perf"
}


echo "== image"
"$here/hack/mkimage.sh" "$work/busybox.tar" || die "building the image tar"
for e in "${engines[@]}"; do
	eng "$e" import -c 'CMD ["/bin/sh"]' "$work/busybox.tar" "$IMG" >/dev/null 2>"$work/err" ||
		die "$e import: $(cat "$work/err")"
done

echo "== floor: a ready runc bundle with pier's config.json"
bundle=$work/bundle
mkdir -p "$bundle/rootfs" "$bundle/files"
tar -xf "$work/busybox.tar" -C "$bundle/rootfs" || die "extracting the rootfs"
eng pier run -d --network none --name specsrc "$IMG" sleep 100 >/dev/null 2>"$work/err" || die "pier run -d: $(cat "$work/err")"
specdir=$work/pier/run/pier/containers/$(eng pier inspect --format '{{.Id}}' specsrc)
# The files pier bind-mounts from the run dir (which ones depends on the
# network mode); its /dev/shm, a host tmpfs pier mounts per container,
# becomes the runtime's own tmpfs.
cp "$specdir"/config.json "$work/spec.json" || die "copying pier's bundle from $specdir"
for f in hostname hosts resolv.conf .containerenv; do
	[ ! -e "$specdir/$f" ] || cp "$specdir/$f" "$bundle/files/" || die "copying $f from $specdir"
done
eng pier rm -f -t 0 specsrc >/dev/null 2>&1
jq --arg f "$bundle/files" '.root.path = "rootfs" | .process.args = ["true"] | .linux.cgroupsPath = "/pier-bench-floor" |
	.mounts |= map(if .type == "bind" and (.source | test("/containers/")) then .source = ($f + "/" + (.source | split("/") | last))
		elif .type == "bind" and .destination == "/dev/shm" then {destination: "/dev/shm", type: "tmpfs", source: "shm",
			options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]}
		else . end)' \
	"$work/spec.json" >"$bundle/config.json" || die "writing the floor's config.json"
floor() { "$RUNC" --root "$work/runc-floor" run --bundle "$bundle" "floor$1"; }
floor 0 >/dev/null 2>"$work/err" || die "runc run of the floor bundle: $(cat "$work/err")"
: >"$work/floor.a"

echo "== (a) run --rm --network none $IMG true, $RUNS runs each, interleaved with the floor"
for e in "${engines[@]}"; do
	eng "$e" run --rm --network none "$IMG" true >/dev/null 2>&1 # warm up
	: >"$work/$e.a"
done
for i in $(seq "$RUNS"); do
	for e in "${engines[@]}"; do
		t=$(now_ns)
		if eng "$e" run --rm --network none "$IMG" true >/dev/null 2>"$work/err"; then
			ms "$t" >>"$work/$e.a"
		else
			fail "run --rm" "$e" "$(head -c 300 "$work/err")"
		fi
	done
	t=$(now_ns)
	floor "$i" >/dev/null 2>"$work/err" && ms "$t" >>"$work/floor.a" || fail "runc run" floor "$(head -c 300 "$work/err")"
done
for e in "${engines[@]}"; do res[$e.a]=$(median <"$work/$e.a"); done
res[floor.a]=$(median <"$work/floor.a")

echo "== (b) create+start+stop+rm of $N_LIFE containers, interleaved"
declare -A life_ms life_ok
for e in "${engines[@]}"; do life_ms[$e]=0 life_ok[$e]=1; done
for i in $(seq "$N_LIFE"); do
	for e in "${engines[@]}"; do
		[ "${life_ok[$e]}" = 1 ] || continue
		t=$(now_ns)
		if eng "$e" create --network none --name "life$i" "$IMG" sleep 100 >/dev/null 2>"$work/err" &&
			eng "$e" start "life$i" >/dev/null 2>>"$work/err" &&
			eng "$e" stop -t 0 "life$i" >/dev/null 2>>"$work/err" &&
			eng "$e" rm "life$i" >/dev/null 2>>"$work/err"; then
			life_ms[$e]=$((${life_ms[$e]} + $(ms "$t")))
		else
			life_ok[$e]=0
			fail lifecycle "$e" "$(head -c 300 "$work/err")"
		fi
	done
done
for e in "${engines[@]}"; do
	if [ "${life_ok[$e]}" = 1 ]; then res[$e.b]=${life_ms[$e]}; else res[$e.b]=FAIL; fi
	eng "$e" rm -af -t 0 >/dev/null 2>&1
done

echo "== (c) ps -a with $N_PS created containers, median of $PS_RUNS"
for e in "${engines[@]}"; do
	for i in $(seq "$N_PS"); do
		eng "$e" create --network none "$IMG" true >/dev/null 2>"$work/err" || {
			fail "create for ps" "$e" "$(head -c 300 "$work/err")"
			break
		}
	done
	: >"$work/$e.c"
done
for i in $(seq "$PS_RUNS"); do
	for e in "${engines[@]}"; do
		t=$(now_ns)
		if n=$(eng "$e" ps -aq 2>"$work/err" | wc -l) && [ "$n" -ge "$N_PS" ]; then
			ms "$t" >>"$work/$e.c"
		else
			fail "ps -a" "$e" "listed ${n:-0}: $(head -c 300 "$work/err")"
		fi
	done
done
for e in "${engines[@]}"; do
	res[$e.c]=$(median <"$work/$e.c")
	eng "$e" rm -af -t 0 >/dev/null 2>&1
done

if command -v perf >/dev/null && perf stat -e task-clock true >/dev/null 2>&1; then
	echo "== CPU time: run --rm, and one create+start+stop+rm, $CPU_RUNS each, interleaved"
	for e in "${engines[@]}"; do : >"$work/$e.ca" && : >"$work/$e.cb"; done
	for i in $(seq "$CPU_RUNS"); do
		for e in "${engines[@]}"; do
			engargv "$e" run --rm --network none "$IMG" true
			cpu_ms '"$@"' "${argv[@]}" >>"$work/$e.ca"
			engargv "$e"
			cpu_ms '"$@" create --network none --name cpuctr '"$IMG"' sleep 100 && "$@" start cpuctr &&
				"$@" stop -t 0 cpuctr && "$@" rm cpuctr' "${argv[@]}" >>"$work/$e.cb"
		done
	done
	for e in "${engines[@]}"; do
		res[$e.ca]=$(median <"$work/$e.ca")
		res[$e.cb]=$(median <"$work/$e.cb")
	done
fi

echo "== (d) monitor RSS of a sleeping container"
for e in "${engines[@]}"; do
	res[$e.d]=FAIL
	if eng "$e" run -d --network none --name rss "$IMG" sleep 1000 >/dev/null 2>"$work/err"; then
		sleep 1
		pid=$(eng "$e" inspect --format '{{.State.ConmonPid}}' rss 2>/dev/null)
		kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
		[ -n "$kb" ] && res[$e.d]=$kb
	else
		fail "run -d" "$e" "$(head -c 300 "$work/err")"
	fi
	eng "$e" rm -f -t 0 rss >/dev/null 2>&1
done

report=$(
	echo "## $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	machine_line
	echo "Both engines: runc, overlay, --network none, own temporary --root/--runroot; samples interleaved."
	echo "Load average (1/5/15 min) at the start: $load_start; at the end: $(cut -d' ' -f1-3 /proc/loadavg) (2 CPUs shared with other builds)."
	echo "Floor: \`runc run\` of a ready bundle (pier's config.json, extracted rootfs); its column is runc's."
	echo
	echo "| benchmark | pier | podman (floor: runc) | ratio | target |"
	echo "|---|---|---|---|---|"
	row "run --rm IMG true (median of $RUNS)" ms a "<= 0.5"
	row "run --rm vs runc run of a ready bundle (median of $RUNS)" ms a "<= 3" floor
	row "create+start+stop+rm x$N_LIFE (total)" ms b "<= 0.5"
	row "ps -a with $N_PS containers (median of $PS_RUNS)" ms c "<= 0.2"
	row "CPU time of run --rm, all processes (median of $CPU_RUNS)" ms ca ""
	row "CPU time of create+start+stop+rm, all processes (median of $CPU_RUNS)" ms cb ""
	row "monitor VmRSS (pier-monitor vs conmon)" kB d ""
	echo
)
echo
echo "$report"

write_results "$report"

if [[ " $PARTS " == *" registry "* ]]; then
	cleanup
	trap - EXIT
	echo
	exec "$here/bench/registry.sh"
fi
