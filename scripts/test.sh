#!/usr/bin/env bash
# Builds kmeansseg with its tests and runs them; exits non-zero on a failure.
# Usage: scripts/test.sh [build dir] [extra meson setup options...]
set -eu
cd "$(dirname "$0")/.."

dir=${1:-build}
shift || true

scripts/install-deps.sh test
if [ -f "$dir/build.ninja" ]; then
  [ $# -eq 0 ] || meson configure "$dir" "$@"
else
  meson setup "$dir" -Dtests=enabled "$@"
fi
meson compile -C "$dir"
status=0
meson test -C "$dir" --print-errorlogs --num-processes 2 || status=$?
# Each Check suite's own closing line, for the record
grep -h '^[0-9]*%: Checks:' "$dir/meson-logs/testlog.txt" || true
exit "$status"
