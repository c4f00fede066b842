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
. "$here/bench/lib.sh"
bench_init buildbench
cleanup_engine() { eng "$1" system reset -f >/dev/null 2>&1; }

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

report=$(
	echo "## $(date -u '+%Y-%m-%d %H:%M UTC') (build, bench/build.sh)"
	echo
	machine_line
	echo "Both engines: runc, overlay, own temporary --root/--runroot, RUN with --network none; samples interleaved."
	echo "Three stages: RUN writing 50 MB, COPY of a 1000-file context, COPY --from both into the last."
	echo "Load average (1/5/15 min) at the start: $load_start; at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
	echo
	echo "| benchmark | pier | podman | ratio | target |"
	echo "|---|---|---|---|---|"
	row "build --no-cache, cold (median of $COLD)" ms a "<= 1.0"
	row "build, every step cached (median of $CACHED)" ms b "<= 0.7"
	echo
)
echo
echo "$report"
if [ "${WRITE:-0}" = 1 ]; then
	write_results "$report"
fi
