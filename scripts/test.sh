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
meson test -C "$dir" --print-errorlogs --num-processes 2
