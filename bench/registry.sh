#!/bin/bash
# Registry benchmarks: pier vs podman, side by side in one run, both against
# the same local docker-registry (CNCF distribution, plain HTTP on
# 127.0.0.1, --tls-verify=false for both engines).
#
# The image (bench/big:1) has LAYERS layers of LAYER_MB MB of random data
# each, gzip'd, plus a config; it is built with tar/gzip/sha256sum and
# uploaded with curl through the registry HTTP API, so it does not depend on
# the engines under test.
#
# Measured with the engines interleaved sample by sample, each engine on its
# own temporary --root/--runroot (a fresh one for every cold pull; the other
# rows use the storage of the last cold pull):
#   cold pull   pull of bench/big:1 into empty storage          (PULL_RUNS)
#   warm pull   pull again, image present; default policy
#               ("always": both ask the registry for the manifest) (WARM_RUNS)
#   --policy missing  same, but no registry access at all        (WARM_RUNS)
#   cold push   push of the pulled image to a registry started
#               with EMPTY storage for every sample: every layer is
#               compressed and uploaded                         (PUSH_RUNS)
#   push, blobs present  push to a new repository name of the registry that
#               already holds the blobs: the engines find them (HEAD /
#               cross-repository mount) and upload only the manifest (PUSH_RUNS)
# Results (medians, pier/podman ratios) are printed and put at the top of
# bench/RESULTS.md as their own section.
#
# Knobs: PULL_RUNS (3), WARM_RUNS (7), PUSH_RUNS (3), LAYERS (5), LAYER_MB (30),
#        PIER (pier binary, bin/pier), REGISTRY (docker-registry binary),
#        ENGINES ("pier podman"), NO_RESULTS=1 (print only, leave RESULTS.md),
#        PODMAN (podman binary: /opt/podman5/podman when present, else PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
here=$PWD

PULL_RUNS=${PULL_RUNS:-3}
WARM_RUNS=${WARM_RUNS:-7}
PUSH_RUNS=${PUSH_RUNS:-3}
LAYERS=${LAYERS:-5}
LAYER_MB=${LAYER_MB:-30}
PIER_BIN=$(realpath -m "${PIER:-bin/pier}")
REGISTRY_BIN=${REGISTRY:-$(command -v docker-registry || echo /usr/bin/docker-registry)}
RUNC=${RUNC:-$(command -v runc || echo /usr/sbin/runc)}
REPO=bench/big

. "$here/bench/lib.sh"
[ "$(id -u)" = 0 ] || die "run as root"
[ -x "$REGISTRY_BIN" ] || die "docker-registry not found: apt-get install docker-registry"
for t in curl jq sha256sum gzip tar; do
	command -v "$t" >/dev/null || die "$t not found"
done
engines=(pier)
find_podman
[ -n "$PODMAN_BIN" ] && engines+=(podman)
[ -n "${ENGINES:-}" ] && read -r -a engines <<<"$ENGINES"
for e in "${engines[@]}"; do
	case $e in
	pier) [ -x "$PIER_BIN" ] || die "$PIER_BIN not built: make build" ;;
	podman) [ -x "$PODMAN_BIN" ] || die "podman not found (/opt/podman5/podman, PATH)" ;;
	*) die "unknown engine $e" ;;
	esac
done

work=$(mktemp -d /tmp/pier-bench-reg.XXXXXX)
reg_pids=()

cleanup() {
	set +e
	local p
	for p in "${reg_pids[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	unmount_under "$work"
	rm -rf "$work"
}
trap cleanup EXIT

# ---------------------------------------------------------------- registry

free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 40000))
		[ -z "$(ss -Htln "sport = :$p" 2>/dev/null)" ] && {
			echo "$p"
			return
		}
	done
	die "no free port"
}

# start_registry NAME: serve $work/reg-NAME/data on a free 127.0.0.1 port;
# sets reg_host (HOST:PORT) and reg_pid.
start_registry() {
	local dir=$work/reg-$1
	mkdir -p "$dir/data"
	for _ in 1 2 3; do
		reg_host=127.0.0.1:$(free_port)
		cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: $reg_host
  secret: pier-bench
EOF
		"$REGISTRY_BIN" serve "$dir/config.yml" >"$dir/log" 2>&1 &
		reg_pid=$!
		reg_pids+=("$reg_pid")
		for _ in $(seq 150); do
			if curl -fsS -o /dev/null "http://$reg_host/v2/" 2>/dev/null; then
				return 0
			fi
			kill -0 "$reg_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill "$reg_pid" 2>/dev/null || true
		wait "$reg_pid" 2>/dev/null || true
	done
	die "docker-registry did not start: $(tail -5 "$dir/log")"
}

stop_registry() { # stop_registry NAME PID: stop it and drop its storage
	local p keep=()
	kill "$2" 2>/dev/null || true
	wait "$2" 2>/dev/null || true
	for p in "${reg_pids[@]}"; do [ "$p" = "$2" ] || keep+=("$p"); done
	reg_pids=("${keep[@]}")
	rm -rf "$work/reg-$1"
}

# upload_blob HOST REPO FILE: monolithic blob upload; prints the digest.
upload_blob() {
	local host=$1 repo=$2 file=$3 dg loc
	dg=sha256:$(sha256sum "$file" | cut -d' ' -f1)
	loc=$(curl -fsS -X POST -D - -o /dev/null "http://$host/v2/$repo/blobs/uploads/" |
		tr -d '\r' | awk 'tolower($1)=="location:" {print $2}')
	[ -n "$loc" ] || die "no upload location from the registry"
	[[ $loc == http* ]] || loc=http://$host$loc
	[[ $loc == *\?* ]] && loc="$loc&digest=$dg" || loc="$loc?digest=$dg"
	curl -fsS -X PUT -H 'Content-Type: application/octet-stream' \
		--data-binary "@$file" -o /dev/null "$loc" || die "uploading $file"
	echo "$dg"
}

# ------------------------------------------------------------------- image

echo "== registry"
start_registry main
main_host=$reg_host
echo "docker-registry on $main_host"

echo "== image $REPO:1: $LAYERS layers x $LAYER_MB MB random, gzip"
arch=$(uname -m)
case $arch in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; esac
mkdir -p "$work/img"
layers_json="" diffids_json="" history_json=""
for i in $(seq "$LAYERS"); do
	d=$work/img/l$i
	mkdir -p "$d/data"
	head -c "${LAYER_MB}M" /dev/urandom >"$d/data/layer$i.bin"
	tar --numeric-owner --owner=0 --group=0 --mtime=@0 -C "$d" -cf "$work/img/l$i.tar" data
	rm -rf "$d"
	diffid=sha256:$(sha256sum "$work/img/l$i.tar" | cut -d' ' -f1)
	gzip -1 -n "$work/img/l$i.tar"
	f=$work/img/l$i.tar.gz
	dg=$(upload_blob "$main_host" "$REPO" "$f")
	size=$(stat -c %s "$f")
	rm -f "$f"
	layers_json+="${layers_json:+,}{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"size\":$size,\"digest\":\"$dg\"}"
	diffids_json+="${diffids_json:+,}\"$diffid\""
	history_json+="${history_json:+,}{\"created\":\"1970-01-01T00:00:00Z\",\"created_by\":\"bench layer $i\"}"
done
printf '{"architecture":"%s","os":"linux","created":"1970-01-01T00:00:00Z","config":{"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":[%s]},"history":[%s]}' \
	"$arch" "$diffids_json" "$history_json" >"$work/img/config.json"
cdg=$(upload_blob "$main_host" "$REPO" "$work/img/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":%s,"digest":"%s"},"layers":[%s]}' \
	"$(stat -c %s "$work/img/config.json")" "$cdg" "$layers_json" >"$work/img/manifest.json"
jq -e . "$work/img/manifest.json" >/dev/null || die "bad manifest"
curl -fsS -X PUT -H 'Content-Type: application/vnd.docker.distribution.manifest.v2+json' \
	--data-binary "@$work/img/manifest.json" -o /dev/null "http://$main_host/v2/$REPO/manifests/1" ||
	die "uploading the manifest"
IMG=$main_host/$REPO:1
echo "pushed $IMG ($(du -sh "$work/reg-main/data" | cut -f1) in the registry)"

# ----------------------------------------------------------------- engines

printf '{"default":[{"type":"insecureAcceptAnything"}]}\n' >"$work/policy.json"
printf 'unqualified-search-registries = []\n' >"$work/registries.conf"
write_engine_confs "$work" "$RUNC"

# eng ENGINE ROOT CMD ARGS...: run one engine on storage ROOT (a directory
# under $work, created on first use) with its own configuration files.
# Registry commands get --tls-verify=false and the permissive policy.
eng() {
	local e=$1 root=$2 cmd=$3 bin=$PODMAN_BIN
	shift 3
	[ "$e" = pier ] && bin=$PIER_BIN
	local extra=()
	case $cmd in pull | push) extra=(--tls-verify=false --signature-policy "$work/policy.json") ;; esac
	if [ ! -f "$root/storage.conf" ]; then
		mkdir -p "$root"
		printf '[storage]\ndriver = "overlay"\ngraphroot = "%s"\nrunroot = "%s"\n' \
			"$root/root" "$root/run" >"$root/storage.conf"
	fi
	CONTAINERS_CONF=$work/$e/containers.conf CONTAINERS_STORAGE_CONF=$root/storage.conf \
		CONTAINERS_REGISTRIES_CONF=$work/registries.conf PODMAN_IGNORE_CGROUPSV1_WARNING=1 \
		"$bin" --root "$root/root" --runroot "$root/run" "$cmd" "${extra[@]}" "$@"
}

drop_root() { # drop_root ROOT
	unmount_under "$1"
	rm -rf "$1"
}

declare -A res

# sample KEY ENGINE ROOT CMD ARGS...: time one engine command, append the
# milliseconds to $work/ENGINE.KEY; a failure is reported and not counted.
sample() {
	local key=$1 e=$2 t
	shift 2
	t=$(now_ns)
	if eng "$e" "$@" >"$work/out" 2>"$work/err"; then
		ms "$t" >>"$work/$e.$key"
	else
		echo "bench/registry: $key failed for $e: $(tail -c 400 "$work/err")" >&2
	fi
}
samples() { tr '\n' ' ' <"$work/$1.$2" | sed 's/ $//'; }

# podman 4.3.1's pull has no --policy (5.x has): that row is pier's alone then.
declare -A has_policy
for e in "${engines[@]}"; do
	for k in cold warm missing push pushmount; do : >"$work/$e.$k"; done
	has_policy[$e]=0
	if [[ $(eng "$e" "$work/$e/help" pull --help 2>&1) == *--policy* ]]; then has_policy[$e]=1; fi
	drop_root "$work/$e/help"
done

echo "== cold pull, median of $PULL_RUNS, fresh storage each"
for i in $(seq "$PULL_RUNS"); do
	for e in "${engines[@]}"; do
		if [ "$i" -gt 1 ]; then drop_root "$work/$e/s"; fi
		sync
		sample cold "$e" "$work/$e/s" pull "$IMG"
	done
done
for e in "${engines[@]}"; do
	res[$e.cold]=$(median <"$work/$e.cold")
	echo "$e: $(samples "$e" cold) ms"
	eng "$e" "$work/$e/s" image exists "$IMG" || die "$e: $IMG not in storage after pull"
done

echo "== warm re-pull (image present), median of $WARM_RUNS each"
for i in $(seq "$WARM_RUNS"); do
	for e in "${engines[@]}"; do
		sample warm "$e" "$work/$e/s" pull "$IMG"
		if [ "${has_policy[$e]}" = 1 ]; then sample missing "$e" "$work/$e/s" pull --policy missing "$IMG"; fi
	done
done
for e in "${engines[@]}"; do
	res[$e.warm]=$(median <"$work/$e.warm")
	res[$e.missing]="n/a (no pull --policy)"
	if [ "${has_policy[$e]}" = 1 ]; then res[$e.missing]=$(median <"$work/$e.missing"); fi
	m=${res[$e.missing]}
	if [ "${has_policy[$e]}" = 1 ]; then m="$(samples "$e" missing) ms"; fi
	echo "$e: always $(samples "$e" warm) ms; --policy missing $m"
done

echo "== cold push to an empty registry, median of $PUSH_RUNS"
for i in $(seq "$PUSH_RUNS"); do
	for e in "${engines[@]}"; do
		start_registry push
		sync
		sample push "$e" "$work/$e/s" push "$IMG" "docker://$reg_host/$REPO-$e:$i"
		stop_registry push "$reg_pid"
	done
done

echo "== push to a new repository, blobs already in the registry, median of $PUSH_RUNS"
for i in $(seq "$PUSH_RUNS"); do
	for e in "${engines[@]}"; do
		sample pushmount "$e" "$work/$e/s" push "$IMG" "docker://$main_host/bench/copy-$e-$i:1"
	done
done
for e in "${engines[@]}"; do
	res[$e.push]=$(median <"$work/$e.push")
	res[$e.pushmount]=$(median <"$work/$e.pushmount")
	echo "$e: cold push $(samples "$e" push) ms; blobs present $(samples "$e" pushmount) ms"
done

# ------------------------------------------------------------------ report

reg_v=$("$REGISTRY_BIN" --version 2>/dev/null | awk '{print $NF}')
report=$(
	echo "## $(date -u '+%Y-%m-%d %H:%M UTC') — registry pull/push (bench/registry.sh)"
	echo
	machine_line "docker-registry $reg_v"
	echo "Image: $LAYERS layers x $LAYER_MB MB random data, gzip, docker v2s2, from docker-registry on 127.0.0.1 over plain HTTP"
	echo "(--tls-verify=false). Both engines: overlay, own temporary --root/--runroot (fresh for each cold pull, the"
	echo "other rows reuse the last cold pull's), default progress output (not a terminal), samples interleaved."
	echo "Warm re-pull: the image is in storage, both engines ask the registry (policy always, pull's default)."
	echo "Cold push: a new, empty registry per sample (every layer compressed and uploaded). Push with blobs"
	echo "present: new repository name on the registry that holds the blobs (only the manifest is uploaded)."
	echo "Shared machine (other engineers' tests may run): compare ratios, not absolute times."
	echo
	echo "| benchmark | pier | podman | pier/podman | target |"
	echo "|---|---|---|---|---|"
	row "cold pull, empty storage (median of $PULL_RUNS)" ms cold "<= 0.8"
	row "warm re-pull, default policy always (median of $WARM_RUNS)" ms warm "<= 0.5"
	row "warm re-pull, --policy missing (median of $WARM_RUNS)" ms missing
	row "cold push to an empty registry (median of $PUSH_RUNS)" ms push
	row "push, blobs already in the registry (median of $PUSH_RUNS)" ms pushmount
	echo
)
echo
echo "$report"

[ "${NO_RESULTS:-}" = 1 ] && exit 0
write_results "$report"
