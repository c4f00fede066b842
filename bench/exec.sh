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
. "$here/bench/lib.sh"
bench_init execbench
PIER_ARGS+=(--tmpdir "$work/pier/tmp")

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

report=$(
	echo "## $(date -u '+%Y-%m-%d %H:%M UTC') (exec and cp, bench/exec.sh)"
	echo
	machine_line
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
