#!/usr/bin/env bash
# Soak: pushes many small frames through kmeansseg (a GstHarness in
# tests/soak/soak.c), a property changing every few frames, the caps every
# few thousand and a flush every few hundred, and prints the resident
# memory (VmRSS) at the start, every 10,000 frames and at the end. Fails
# when it grows more than a limit after a warm-up. Not in the default CI
# (about a minute); docs/robustness.md has the figures.
# Usage: scripts/soak.sh [frames] [extra soak options...]
#   frames: default 100000. Environment: SOAK_BUILD_DIR (default
#   build-soak), SOAK_MAX_GROWTH_KIB (default 1024).
#   kmeansseg-soak --help lists the options (size, change period...).
set -eu
cd "$(dirname "$0")/.."

frames=${1:-100000}
shift || true
dir=${SOAK_BUILD_DIR:-build-soak}

scripts/install-deps.sh test
if [ ! -f "$dir/build.ninja" ]; then
  meson setup "$dir" -Dtests=enabled -Dexamples=disabled
fi
meson compile -C "$dir" tests/soak/kmeansseg-soak gst/kmeansseg/gstkmeansseg
bdir=$(cd "$dir" && pwd)

# Only our plugin, from this build, in a registry of its own
export GST_PLUGIN_PATH_1_0=$bdir/gst/kmeansseg
export GST_PLUGIN_SYSTEM_PATH_1_0=
export GST_REGISTRY_1_0=$bdir/registry-soak.bin

exec "$bdir/tests/soak/kmeansseg-soak" --frames "$frames" --width 64 \
  --height 48 --every 50 --report 10000 --warmup 10000 \
  --max-growth "${SOAK_MAX_GROWTH_KIB:-1024}" "$@"
