# Shared by the bench/*.sh scripts (sourced, not run): the helpers every
# script uses, and bench_init, the common start of the side-by-side ones.

die() { echo "bench: $*" >&2; exit 1; }
fail() { echo "bench: $1 failed for $2: $3" >&2; }
now_ns() { date +%s%N; }
# ms START_NS: milliseconds since START_NS.
ms() { echo $((($(now_ns) - $1) / 1000000)); }
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) {print "FAIL"} else if (NR%2) {print a[(NR+1)/2]} else {print int((a[NR/2]+a[NR/2+1])/2)}}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2f", a/b; else print "-" }'; }

# find_podman: PODMAN_BIN is $PODMAN, else the 5.8.2 reference build when
# present, else podman in PATH ("" when there is none).
find_podman() {
	PODMAN_BIN=${PODMAN:-}
	[ -z "$PODMAN_BIN" ] && [ -x /opt/podman5/podman ] && PODMAN_BIN=/opt/podman5/podman
	[ -z "$PODMAN_BIN" ] && PODMAN_BIN=$(command -v podman || true)
	return 0
}

# unmount_under DIR: unmount everything below DIR, deepest first.
unmount_under() {
	local m
	for m in $(awk -v d="$1" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
}

# write_engine_confs WORK RUNC: each engine's containers.conf under WORK.
# podman 4.3.1 fails here out of the box (setrlimit without
# CAP_SYS_RESOURCE, crun on hybrid cgroups): give it limits it can set and
# runc, so both engines run the same runtime.
write_engine_confs() {
	local work=$1 runc=$2
	mkdir -p "$work/pier" "$work/podman"
	: >"$work/pier/containers.conf"
	cat >"$work/podman/containers.conf" <<EOC
[containers]
default_ulimits = ["nofile=20000:20000","nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
[engine.runtimes]
runc = ["$runc"]
EOC
}

# bench_init NAME: checks (root, pier built), PIER_BIN, RUNC, PODMAN_BIN,
# IMG, the engines to compare (ENGINES overrides: "podman" alone checks a
# script), a work dir /tmp/pier-NAME.* with each engine's containers.conf
# and storage.conf, and the cleanup at exit (bench_cleanup; a script's
# cleanup_engine ENGINE, when defined, runs first for each engine).
bench_init() {
	PIER_BIN=$(realpath -m "${PIER:-bin/pier}")
	RUNC=${RUNC:-$(command -v runc || echo /usr/sbin/runc)}
	IMG=localhost/busybox:latest
	[ "$(id -u)" = 0 ] || die "run as root"
	[ -x "$PIER_BIN" ] || [ "${ENGINES:-}" = podman ] || die "$PIER_BIN not built: make build"
	[ -x "$RUNC" ] || die "runc not found: apt-get install runc"
	find_podman
	engines=(pier)
	if [ -n "$PODMAN_BIN" ] && [ -x "$PODMAN_BIN" ]; then
		engines+=(podman)
	else
		echo "bench: podman not found (/opt/podman5/podman, PATH); measuring pier alone" >&2
	fi
	[ -n "${ENGINES:-}" ] && read -r -a engines <<<"$ENGINES"
	work=$(mktemp -d "/tmp/pier-$1.XXXXXX")
	load_start=$(cut -d' ' -f1-3 /proc/loadavg)
	write_engine_confs "$work" "$RUNC"
	local e
	for e in pier podman; do
		printf '[storage]\ndriver = "overlay"\ngraphroot = "%s"\nrunroot = "%s"\n' \
			"$work/$e/root" "$work/$e/run" >"$work/$e/storage.conf"
	done
	PIER_ARGS=(--runtime "$RUNC")
	declare -gA res
	trap bench_cleanup EXIT
}

# engargv ENGINE ARGS...: the command line of one engine with its own roots
# and configuration in argv[] (for perf stat); eng ENGINE ARGS... runs it.
# PIER_ARGS are pier's extra global flags.
engargv() {
	local e=$1 bin=$PODMAN_BIN extra=()
	shift
	if [ "$e" = pier ]; then
		bin=$PIER_BIN
		extra=("${PIER_ARGS[@]}")
	fi
	argv=(env CONTAINERS_CONF="$work/$e/containers.conf" CONTAINERS_STORAGE_CONF="$work/$e/storage.conf"
		PODMAN_IGNORE_CGROUPSV1_WARNING=1 "$bin" --root "$work/$e/root" --runroot "$work/$e/run" "${extra[@]}" "$@")
}
eng() {
	local argv
	engargv "$@"
	"${argv[@]}"
}

bench_cleanup() {
	local e
	for e in "${engines[@]}"; do
		declare -F cleanup_engine >/dev/null && cleanup_engine "$e"
		eng "$e" rm -af -t 0 >/dev/null 2>&1
	done
	unmount_under "$work"
	rm -rf "$work"
}

# row NAME UNIT KEY TARGET [OTHER]: a table row of res[pier.KEY] against
# res[OTHER.KEY] (podman's by default) and their ratio.
row() {
	local p=${res[pier.$3]:-FAIL} q=${res[${5:-podman}.$3]:--} u=" $2"
	local pu=$p qu=$q
	[[ $p =~ ^[0-9]+$ ]] && pu="$p$u"
	[[ $q =~ ^[0-9]+$ ]] && qu="$q$u"
	printf '| %s | %s | %s | %s | %s |\n' "$1" "$pu" "$qu" "$(ratio "$p" "$q")" "${4:-}"
}

# machine_line [MORE]: the report's "Machine:" line (MORE, e.g. another
# tool's version, goes before pier's).
machine_line() {
	local podman_v="podman absent"
	[ -n "${PODMAN_BIN:-}" ] && [ -x "$PODMAN_BIN" ] && podman_v="$("$PODMAN_BIN" --version) ($PODMAN_BIN)"
	echo "Machine: $(nproc) CPUs, kernel $(uname -r), $("$RUNC" --version | head -1); $podman_v; ${1:+$1; }pier $(git -C "$here" describe --always --dirty 2>/dev/null || echo uncommitted)."
}

# write_results REPORT: put REPORT (a "## date ..." section) at the top of
# bench/RESULTS.md, above the older sections.
write_results() {
	local out=bench/RESULTS.md old=""
	[ -f "$out" ] && old=$(awk 'f; /^## /{if(!f){f=1; print}}' "$out")
	{
		echo "# pier benchmark results"
		echo
		echo "Written by \`make bench\` (bench/run.sh, which runs bench/registry.sh); newest first. Ratios below 1 mean pier is faster or smaller."
		echo
		echo "$1"
		if [ -n "$old" ]; then
			echo
			echo "$old"
		fi
	} >"$out.tmp" && mv "$out.tmp" "$out"
	echo "wrote $out"
}
