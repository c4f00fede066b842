#!/bin/bash
# Runs podman's own system tests (the shared podman-tests suite) against bin/pier.
#   hack/compat.sh [FILE.bats ...]   run those files (default: all), print the score
#   hack/compat.sh --check           run the files of test/compat/passing.txt and fail if a
#                                    test listed there does not pass (a failing file is re-run
#                                    once first: some tests are timing-sensitive)
# The suite lives outside the project (never copied here): $PIER_PODMAN_TESTS, else
# ../shared/podman-tests beside the checkout, else /work/shared/podman-tests.
# PB_TIMEOUT bounds each file (default here 300 s) so a hang cannot stall CI.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
suite=${PIER_PODMAN_TESTS:-}
for d in "$suite" "$root/../shared/podman-tests" /work/shared/podman-tests; do
	[ -n "$d" ] && [ -x "$d/run.sh" ] && { suite=$(cd "$d" && pwd); break; }
done
if [ -z "$suite" ] || [ ! -x "$suite/run.sh" ]; then
	echo "compat: podman's system tests not found (set PIER_PODMAN_TESTS to the podman-tests folder)" >&2
	exit 2
fi
for t in bats jq skopeo docker-registry curl socat buildah htpasswd; do
	command -v "$t" >/dev/null || {
		echo "compat: missing tool $t (apt-get install bats jq skopeo docker-registry curl socat buildah apache2-utils)" >&2
		exit 2
	}
done
export PB_TIMEOUT=${PB_TIMEOUT:-300}
work=${PB_WORK:-/tmp/pier-podman-tests}
passing=test/compat/passing.txt

run() { # out-dir files...
	local out=$1
	shift
	mkdir -p "$work"
	PB_WORK=$work PB_OUT=$out "$suite/run.sh" bin/pier "$@" >"$out.log" 2>&1
	tail -n +3 "$out/summary.txt" 2>/dev/null
	"$suite/score.sh" "$out" | tail -2
}

if [ "${1:-}" != --check ]; then
	run "$work/out" "$@"
	exit 0
fi

mapfile -t files < <(sed -n 's/^\([^:]*\.bats\): .*/\1/p' "$passing" | sort -u)
[ ${#files[@]} -gt 0 ] || { echo "compat: $passing lists no tests" >&2; exit 2; }
out=$work/check
run "$out" "${files[@]}"
# A run that produced no results must not read as "nothing regressed".
[ -f "$out/passed.txt" ] || { echo "compat: no results in $out (see $out.log)" >&2; exit 2; }
# listed tests that did not pass, per file; re-run those files once
missing() { grep -Fxvf "$1/passed.txt" "$passing"; }
mapfile -t again < <(missing "$out" | sed 's/: .*//' | sort -u)
if [ ${#again[@]} -gt 0 ]; then
	echo "compat: re-running ${again[*]}"
	run "$work/recheck" "${again[@]}"
	fails=$(missing "$out" | grep -Fxvf "$work/recheck/passed.txt")
else
	fails=
fi
listed=$(wc -l <"$passing")
if [ -n "$fails" ]; then
	echo "compat: REGRESSION: tests in $passing that no longer pass:"
	echo "$fails" | sed 's/^/  /'
	exit 1
fi
echo "compat: all $listed tests of $passing pass"
