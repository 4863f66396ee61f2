#!/usr/bin/env bash
# Builds kmeansseg with AddressSanitizer (and LeakSanitizer) and UBSan and
# runs the whole test suite there; exits non-zero on a failed test or on any
# sanitizer report, in any process the tests start (gst-check forks one per
# test).
# Usage: scripts/sanitize.sh [build dir]          (default build-asan)
# docs/robustness.md says what runs and why each setting is there.
set -eu
cd "$(dirname "$0")/.."
root=$PWD

dir=${1:-build-asan}

scripts/install-deps.sh test
if [ ! -f "$dir/build.ninja" ]; then
  # b_lundef=false: the plugin is a module whose __asan_* symbols come from
  # the program that loads it
  meson setup "$dir" -Dtests=enabled \
    -Db_sanitize=address,undefined -Db_lundef=false \
    "-Dc_args=-fno-omit-frame-pointer -fno-sanitize-recover=all"
fi
meson compile -C "$dir"

logs=$(cd "$dir" && pwd)/sanitizer-logs
rm -rf "$logs"
mkdir -p "$logs"

# Every report also goes to a file per process ($logs/asan.PID), so one in
# a forked child or a helper that nobody waits for is not lost.
# (fast_unwind_on_malloc=0: full stacks through the system libraries, which
# are built without frame pointers)
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:fast_unwind_on_malloc=0:malloc_context_size=40:log_path=$logs/asan"
export LSAN_OPTIONS="suppressions=$root/tests/valgrind/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$logs/ubsan"
# The plugin scanner (gst-plugin-scanner) is not built with the sanitizers
# and cannot load a plugin that is: scan in the test process itself
export GST_REGISTRY_FORK=no
# ... and only the system plugins the tests use, from a private directory
# (the examples take the system plugin path from here; the other tests set
# it empty): any other plugin of the machine (frei0r, plugins-bad, ...)
# would be loaded in that process and its leaks reported as ours
plugins=$(cd "$dir" && pwd)/system-plugins
tests/valgrind/plugin-set.sh "$plugins"
export GST_PLUGIN_SYSTEM_PATH_1_0=$plugins
# Every GLib slice its own malloc (GLib 2.74 packs small blocks in slabs,
# where AddressSanitizer sees no boundary)
export G_SLICE=always-malloc
# Each Check test in its own process, as in the default run: a leak is
# reported by the child that made it
export CK_FORK=yes

status=0
# Tests run by a python3 (not built with the sanitizers) load the plugin
# through LD_PRELOAD of the runtime; Python frees little at exit by design,
# so those run without leak checking (memory errors still abort them)
mapfile -t all < <(meson test -C "$dir" --list 2>/dev/null | grep -v "^ninja:")
native=() python=()
for t in "${all[@]}"; do
  case "$t" in
    *.py) python+=("$t") ;;
    *) native+=("$t") ;;
  esac
done
meson test -C "$dir" --print-errorlogs --num-processes 2 --timeout-multiplier 3 \
  "${native[@]}" || status=$?
cp "$dir/meson-logs/testlog.txt" "$logs/../testlog-native.txt"
if [ ${#python[@]} -gt 0 ]; then
  asan_rt=$(gcc -print-file-name=libasan.so)
  ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" LD_PRELOAD="$asan_rt" \
    meson test -C "$dir" --print-errorlogs --num-processes 2 \
    --timeout-multiplier 3 "${python[@]}" || status=$?
fi

grep -h '^[0-9]*%: Checks:' "$dir/testlog-native.txt" || true
if compgen -G "$logs/*" > /dev/null; then
  echo "Sanitizer reports:" >&2
  for f in "$logs"/*; do
    echo "=== $f" >&2
    cat "$f" >&2
  done
  status=1
fi
if [ "$status" -eq 0 ]; then
  echo "sanitize: all tests passed with AddressSanitizer, LeakSanitizer and UBSan, no reports"
fi
exit "$status"
