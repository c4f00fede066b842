# Shared by bench/run.sh and bench/registry.sh (sourced, not run).

# write_engine_confs WORK RUNC: each engine's containers.conf under WORK.
# podman 4.3.1 fails here out of the box (setrlimit without
# CAP_SYS_RESOURCE, crun on hybrid cgroups): give it limits it can set and
# runc, so both engines run the same runtime.
write_engine_confs() {
	local work=$1 runc=$2
	mkdir -p "$work/pier" "$work/podman"
	: >"$work/pier/containers.conf"
	cat >"$work/podman/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000","nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
[engine.runtimes]
runc = ["$runc"]
EOF
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
