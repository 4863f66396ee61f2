#!/usr/bin/env bash
# Runs kmeansseg under valgrind's memcheck: a pipeline for every format of
# the pad template in every mode, some property combinations, and the test
# programs in one process each (CK_FORK=no). Fails on an invalid access, a
# use of uninitialised memory or a definite leak.
# Usage: scripts/valgrind.sh [build dir]        (default build-valgrind)
# Environment: VALGRIND_JOBS (parallel runs, default: the number of cores),
#   VALGRIND_TESTS=0 to skip the test programs.
# docs/robustness.md says what runs and what the suppressions are.
set -eu
cd "$(dirname "$0")/.."
root=$PWD

dir=${1:-build-valgrind}
jobs=${VALGRIND_JOBS:-$(nproc)}

# libc6-dbg: the symbols of the dynamic loader, which memcheck redirects,
# and readable stacks through libc
scripts/install-deps.sh test valgrind libc6-dbg
if [ ! -f "$dir/build.ninja" ]; then
  meson setup "$dir" -Dtests=enabled -Dexamples=disabled
fi
meson compile -C "$dir"
bdir=$(cd "$dir" && pwd)
logs=$bdir/valgrind-logs
rm -rf "$logs"
mkdir -p "$logs"

supp=(--suppressions="$root/tests/valgrind/gst.supp")
[ -f /usr/share/glib-2.0/valgrind/glib.supp ] &&
  supp+=(--suppressions=/usr/share/glib-2.0/valgrind/glib.supp)
vg=(valgrind --tool=memcheck --error-exitcode=99
  --leak-check=full --errors-for-leak-kinds=definite
  --show-leak-kinds=definite --track-origins=yes --num-callers=40
  --gen-suppressions=all --child-silent-after-fork=yes "${supp[@]}")

# GLib: every slice its own malloc, freed memory cleared (so that a stale
# pointer does not look like a live one). ORC: the C versions of its
# programs, not code generated at run time (videotestsrc, videoconvert).
export G_SLICE=always-malloc G_DEBUG=gc-friendly ORC_CODE=backup
# Our plugin from the build, the system's for the source and the sinks, in
# a registry made once, outside valgrind; of the system's only those the
# pipelines use, from a private directory, so that the other plugins of the
# machine are neither scanned nor loaded
tests/valgrind/plugin-set.sh "$bdir/system-plugins"
export GST_PLUGIN_SYSTEM_PATH_1_0=$bdir/system-plugins
export GST_PLUGIN_PATH_1_0=$bdir/gst/kmeansseg
export GST_REGISTRY_1_0=$bdir/registry-valgrind.bin
rm -f "$GST_REGISTRY_1_0"
gst-inspect-1.0 kmeansseg > "$logs/inspect.txt"
export GST_REGISTRY_UPDATE=no

formats=$(sed -n '/SINK template/,/SRC template/s/.*format: {\(.*\)}.*/\1/p' \
  "$logs/inspect.txt" | tr -d ' ' | sed 's/(string)//g' | tr ',' ' ')
[ -n "$formats" ] || { echo "no formats in the pad template" >&2; exit 1; }

# One script per pipeline, run by xargs a few at a time
mkdir -p "$logs/pipelines"
add() {
  local name=$1
  shift
  {
    printf 'if '
    printf '%q ' "${vg[@]}" "--log-file=$logs/$name.log" gst-launch-1.0 -q "$@"
    printf '> %q 2>&1; then echo "ok      %s"; ' "$logs/$name.out" "$name"
    printf 'else echo "FAILED  %s: %s"; exit 1; fi\n' "$name" "$logs/$name.log"
  } > "$logs/pipelines/$name.sh"
}
for f in $formats; do
  src=(videotestsrc num-buffers=4 pattern=smpte !
    "video/x-raw,format=$f,width=64,height=48")
  add "$f-posterize" "${src[@]}" ! kmeansseg mode=posterize ! fakesink
  add "$f-original" "${src[@]}" ! kmeansseg mode=original mask-cluster=1 ! \
    fakesink
  add "$f-labels" "${src[@]}" ! kmeansseg mode=labels ! fakesink
  add "$f-labels-gray8" "${src[@]}" ! kmeansseg mode=labels ! \
    video/x-raw,format=GRAY8 ! fakesink
done
t=(videotestsrc num-buffers=5 pattern=ball)
add odd-size-exact "${t[@]}" ! video/x-raw,format=RGB,width=33,height=17 ! \
  kmeansseg k=5 sample-size=0 max-iters=50 ! fakesink
add 1x1 "${t[@]}" ! video/x-raw,format=BGRA,width=1,height=1 ! \
  kmeansseg k=4 ! fakesink
add k256-random "${t[@]}" ! video/x-raw,format=xRGB,width=40,height=30 ! \
  kmeansseg k=256 init=random warm-start=false ! fakesink
add threads "${t[@]}" ! video/x-raw,format=I420,width=65,height=49 ! \
  kmeansseg n-threads=3 k=8 ! fakesink
add threads-auto "${t[@]}" ! video/x-raw,format=NV12,width=64,height=48 ! \
  kmeansseg n-threads=0 hysteresis=0 ! fakesink
add max-iters-0 "${t[@]}" ! video/x-raw,format=YUY2,width=31,height=9 ! \
  kmeansseg max-iters=0 mask-cluster=2 mode=original ! fakesink
add temporal videotestsrc num-buffers=12 pattern=ball ! \
  video/x-raw,format=RGBx,width=48,height=32 ! kmeansseg \
  scene-cut-threshold=0.5 refresh-interval=2 temporal-smoothing=0.5 \
  hysteresis=8 ! fakesink
add messages "${t[@]}" ! video/x-raw,format=Y444,width=16,height=16 ! \
  kmeansseg post-messages=true k=3 ! fakesink
add palette "${t[@]}" ! video/x-raw,format=RGB,width=32,height=24 ! \
  kmeansseg "palette=<4278190080,4294967295,4294901760>" max-iters=0 k=3 ! \
  fakesink
add smooth-feather "${t[@]}" ! video/x-raw,format=RGBA,width=37,height=21 ! \
  kmeansseg k=6 n-threads=3 spatial-smoothing=2 mode=original \
  mask-cluster=0 mask-feather=3 mask-color=0x00000000 ! fakesink
add smooth-feather-yuv "${t[@]}" ! video/x-raw,format=I420,width=35,height=19 ! \
  kmeansseg k=4 n-threads=2 spatial-smoothing=1 spatial-smoothing-strength=255 \
  mask-key=0xffffff mask-feather=5 ! fakesink
add scaled "${t[@]}" ! video/x-raw,format=RGBx,width=32,height=24 ! \
  videoconvert ! videoscale ! video/x-raw,width=17,height=5 ! kmeansseg ! \
  fakesink

status=0
n=$(find "$logs/pipelines" -name '*.sh' | wc -l)
echo "valgrind: $n pipelines, $jobs at a time"
find "$logs/pipelines" -name '*.sh' | sort |
  xargs -P "$jobs" -n 1 bash || status=1

if [ "${VALGRIND_TESTS:-1}" != 0 ]; then
  # The test programs, each in one process (a fork per test would leave
  # the children unchecked); fewer frames for the thread stress test. The
  # soak test runs on its own, shorter.
  tests=$(meson test -C "$dir" --list 2>/dev/null | grep -v '^ninja:' |
    grep -v '^soak/' | grep -v '^examples/' | tr '\n' ' ')
  # (each with the registry and plugin path its meson test sets)
  # shellcheck disable=SC2086
  env -u GST_REGISTRY_1_0 -u GST_REGISTRY_UPDATE -u GST_PLUGIN_PATH_1_0 \
    CK_FORK=no KMEANSSEG_STRESS_FRAMES=300 \
    meson test -C "$dir" --print-errorlogs --num-processes "$jobs" \
    --timeout-multiplier 20 --wrapper "${vg[*]}" $tests || status=1
  cp "$dir/meson-logs/testlog-valgrind.txt" "$logs/testlog.txt"
  if ! GST_PLUGIN_SYSTEM_PATH_1_0='' "${vg[@]}" --log-file="$logs/soak.log" \
      "$dir/tests/soak/kmeansseg-soak" --frames 400 --every 3 \
      --caps-every 50 --flush-every 37 --report 200 --warmup 200 \
      --max-growth 1048576 > "$logs/soak.out" 2>&1; then
    echo "FAILED  soak: $logs/soak.log"
    status=1
  else
    echo "ok      soak (400 frames)"
  fi
fi

if [ "$status" -ne 0 ]; then
  echo "valgrind: errors; the first report:" >&2
  for f in "$logs"/*.log; do
    if grep -q 'ERROR SUMMARY: [1-9]' "$f"; then
      echo "=== $f" >&2
      sed -n '/^==[0-9]*== [A-Z][a-z]/,$p' "$f" | head -80 >&2
      break
    fi
  done
else
  echo "valgrind: no invalid access, uninitialised use or definite leak"
fi
exit "$status"
