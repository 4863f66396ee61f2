#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, AddressSanitizer, UBSan) in
# build-fuzz and runs each for a bounded time, one after the other, from
# the seed corpus in tests/fuzz/corpus/<target>/. Exits non-zero on a
# finding (a crash, a failed check, a sanitizer report, a leak, a timeout);
# the input that found it is left in <build dir>/fuzz-artifacts/<target>/.
# Usage: scripts/fuzz.sh [seconds per target] [target...]
#   seconds: default 60 (FUZZ_SECONDS); targets: default fuzz-core
#   fuzz-element. Environment: FUZZ_BUILD_DIR (default build-fuzz),
#   FUZZ_JOBS (parallel fuzzing processes per target, default 1).
# Reproduce a finding: <build dir>/tests/fuzz/<target> <file>
# docs/robustness.md has the figures.
set -eu
cd "$(dirname "$0")/.."
root=$PWD

secs=${1:-${FUZZ_SECONDS:-60}}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz-core fuzz-element)
dir=${FUZZ_BUILD_DIR:-build-fuzz}
jobs=${FUZZ_JOBS:-1}

# The release's default clang (Debian 12: 14, 13: 19); llvm: llvm-symbolizer,
# for readable reports
scripts/install-deps.sh test clang libclang-rt-dev llvm
if [ ! -f "$dir/build.ninja" ]; then
  # The whole project instrumented for coverage and with the sanitizers, so
  # that the fuzzer sees and checks the core and the plugin; without
  # comparison tracing there (it triples the cost of the pixel loops), the
  # targets' own input parsing keeps it (tests/fuzz/meson.build)
  CC=clang meson setup "$dir" -Dfuzzing=enabled -Dtests=enabled \
    -Dexamples=disabled -Db_sanitize=address,undefined -Db_lundef=false \
    "-Dc_args=-fsanitize=fuzzer-no-link -fno-sanitize-coverage=trace-cmp -fno-omit-frame-pointer"
fi
meson compile -C "$dir" fuzz
bdir=$(cd "$dir" && pwd)

# Leaks are findings; UBSan stops at its first report; every GLib slice is
# its own malloc (fuzz-element also sees to that itself)
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export G_SLICE=always-malloc
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ] && command -v llvm-symbolizer >/dev/null; then
  ASAN_SYMBOLIZER_PATH=$(command -v llvm-symbolizer)
  export ASAN_SYMBOLIZER_PATH
fi

status=0
summary=()
for t in "${targets[@]}"; do
  bin=$bdir/tests/fuzz/$t
  seeds=$root/tests/fuzz/corpus/$t
  work=$bdir/fuzz-corpus/$t
  art=$bdir/fuzz-artifacts/$t
  log=$bdir/fuzz-$t.log
  [ -x "$bin" ] || { echo "no $bin" >&2; exit 1; }
  mkdir -p "$work" "$art"
  echo "fuzz: $t for ${secs}s (seeds: $seeds, corpus: $work)"
  args=(-max_total_time="$secs" -timeout=30 -rss_limit_mb=4096
    -print_final_stats=1 -artifact_prefix="$art/")
  if [ "$jobs" -gt 1 ]; then
    args+=(-jobs="$jobs" -workers="$jobs")
  fi
  rc=0
  # (from the build directory: with -jobs, libFuzzer writes fuzz-N.log
  # files where it runs)
  (cd "$bdir" && "$bin" "${args[@]}" "$work" "$seeds") > "$log" 2>&1 || rc=$?
  if [ "$jobs" -gt 1 ]; then
    cat "$bdir"/fuzz-[0-9]*.log >> "$log" 2>/dev/null || true
    rm -f "$bdir"/fuzz-[0-9]*.log
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
    awk '{s += $1} END {print s + 0}')
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" |
    awk '{s += $1} END {print s + 0}')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  line="$t: $runs runs in ${secs}s, $rate exec/s, coverage ${cov:-?} edges, corpus $(find "$work" -type f | wc -l) files"
  if [ "$rc" -ne 0 ]; then
    status=1
    line="$line: FOUND SOMETHING (exit $rc)"
    echo "=== $t: the finding ($log)" >&2
    grep -E -A40 '==ERROR|check failed|runtime error|deadly signal|Timeout|LeakSanitizer' "$log" |
      head -80 >&2
    ls -l "$art" >&2
  fi
  summary+=("$line")
done

printf '%s\n' "${summary[@]}"
exit "$status"
