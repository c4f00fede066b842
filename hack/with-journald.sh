#!/bin/sh
# Run a command beside a private systemd-journald, on hosts where none runs
# (no systemd as PID 1): a mount namespace of its own gets tmpfs over
# /run/systemd and the journal directory, so the host's journal (if any) is
# never touched and everything is gone when the command ends. As root.
#   hack/with-journald.sh make compat FILES='035-logs.bats 090-events.bats'
set -eu
[ $# -ge 1 ] || { sed -n 2,6p "$0"; exit 2; }
if [ "${PIER_IN_JOURNAL_NS:-}" != 1 ]; then
  export PIER_IN_JOURNAL_NS=1
  exec unshare --mount --propagation private "$0" "$@"
fi
journald=/lib/systemd/systemd-journald
[ -x "$journald" ] || { echo "$journald is not installed (Debian: apt-get install systemd)" >&2; exit 2; }
dir=/var/log/journal
[ -d "$dir" ] || { dir=/run/log; mkdir -p "$dir"; }  # journald's volatile place
mount -t tmpfs tmpfs /run/systemd
mount -t tmpfs tmpfs "$dir"
"$journald" >/dev/null 2>&1 &
jpid=$!
trap 'kill $jpid 2>/dev/null' EXIT
i=0
while [ ! -S /run/systemd/journal/socket ]; do
  i=$((i + 1)); [ $i -le 100 ] || { echo "journald did not start" >&2; exit 1; }
  sleep 0.1
done
"$@"
