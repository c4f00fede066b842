#!/bin/bash
# pier vs podman on the default bridge network ("podman", podman0,
# 10.88.0.0/16, as the issue asks), side by side, same runc, same image:
#   (a) run --rm -p HOSTPORT:80 IMG true: namespace, netavark setup with a
#       published port (firewall DNAT), the container, teardown;
#   (b) run --rm IMG true on the same network without -p;
#   (c) TCP throughput through a published port (host -> HOSTIP:PORT ->
#       DNAT -> container), MB/s of $MB MiB sent with socat. HOSTIP is the
#       host's first address: through 127.0.0.1 this kernel drops the
#       connection after a few KiB, for both engines (route_localnet DNAT).
# Each engine gets its own --root/--runroot, containers.conf and network
# config dir; both use the default network, whose addresses they share
# through podman's IPAM database as podman and pier do on any host.
# Samples are interleaved.
#
# Knobs: RUNS (samples of (a) and (b), 20), MB (size for (c), 256),
#        XFERS (samples of (c), 9: the transfers vary by ~5%, as much as the two engines differ), PIER, PODMAN, RUNC as in bench/run.sh,
#        WRITE=1 puts the table at the top of bench/RESULTS.md (only do it
#        on a quiet machine; the table is printed either way).
set -uo pipefail
cd "$(dirname "$0")/.."
here=$PWD

RUNS=${RUNS:-20}
MB=${MB:-256}
XFERS=${XFERS:-9}
. "$here/bench/lib.sh"
bench_init netbench
command -v socat >/dev/null || die "socat not found: apt-get install socat"
hostip=$(hostname -I | cut -d' ' -f1)
declare -A port=([pier]=18540 [podman]=18541) xport=([pier]=18542 [podman]=18543)
for e in pier podman; do
	printf '\n[network]\nnetwork_config_dir = "%s"\n' "$work/$e/networks" >>"$work/$e/containers.conf"
done

echo "== image"
"$here/hack/mkimage.sh" "$work/busybox.tar" || die "building the image tar"
for e in "${engines[@]}"; do
	eng "$e" import -c 'CMD ["/bin/sh"]' "$work/busybox.tar" "$IMG" >/dev/null 2>"$work/err" ||
		die "$e import: $(cat "$work/err")"
	eng "$e" run --rm -p "${port[$e]}:80" "$IMG" true >/dev/null 2>&1 # warm up
	: >"$work/$e.a" && : >"$work/$e.b" && : >"$work/$e.c"
done

echo "== (a) run --rm -p PORT:80 and (b) run --rm on the bridge, $RUNS runs each, interleaved"
for i in $(seq "$RUNS"); do
	for e in "${engines[@]}"; do
		t=$(now_ns)
		if eng "$e" run --rm -p "${port[$e]}:80" "$IMG" true >/dev/null 2>"$work/err"; then
			ms "$t" >>"$work/$e.a"
		else
			fail "run --rm -p" "$e" "$(head -c 300 "$work/err")"
		fi
		t=$(now_ns)
		if eng "$e" run --rm "$IMG" true >/dev/null 2>"$work/err"; then
			ms "$t" >>"$work/$e.b"
		else
			fail "run --rm" "$e" "$(head -c 300 "$work/err")"
		fi
	done
done

echo "== (c) $MB MiB through a published port, $XFERS transfers each, interleaved"
for e in "${engines[@]}"; do
	eng "$e" run -d --name sink -p "${xport[$e]}:80" "$IMG" \
		sh -c 'while :; do nc -l -p 80 >/dev/null; done' >/dev/null 2>"$work/err" || fail "run -d sink" "$e" "$(cat "$work/err")"
done
sleep 1
for i in $(seq "$XFERS"); do
	for e in "${engines[@]}"; do
		t=$(now_ns)
		if head -c "${MB}M" /dev/zero | socat -u STDIN "TCP:$hostip:${xport[$e]}" 2>"$work/err"; then
			d=$(ms "$t")
			[ "$d" -gt 0 ] && echo $((MB * 1000 / d)) >>"$work/$e.c"
		else
			fail "transfer" "$e" "$(head -c 300 "$work/err")"
		fi
		sleep 0.2 # the sink's loop listens again
	done
done
for e in "${engines[@]}"; do
	res[$e.a]=$(median <"$work/$e.a")
	res[$e.b]=$(median <"$work/$e.b")
	res[$e.c]=$(median <"$work/$e.c")
done

report=$(
	echo "## $(date -u '+%Y-%m-%d %H:%M UTC') (network, bench/network.sh)"
	echo
	machine_line
	echo "Both engines: runc, overlay, the default network podman (netavark $(/usr/lib/podman/netavark --version 2>/dev/null | awk '{print $2}')), own temporary --root/--runroot; samples interleaved."
	echo "Load average (1/5/15 min) at the start: $load_start; at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
	echo
	echo "| benchmark | pier | podman | ratio | target |"
	echo "|---|---|---|---|---|"
	row "run --rm -p PORT:80 IMG true on the default network (median of $RUNS)" ms a "<= 0.5"
	row "run --rm IMG true on the default network (median of $RUNS)" ms b "<= 0.5"
	row "TCP through a published port, $MB MiB (median of $XFERS)" MB/s c ">= 1.0"
	echo
)
echo
echo "$report"
if [ "${WRITE:-0}" = 1 ]; then
	write_results "$report"
fi
