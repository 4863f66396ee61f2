#!/bin/sh
# The whole benchmark in one command: builds, makes the frames, runs the
# comparison with cv2.kmeans and ffmpeg elbg (tests/benchmarks/compare.py)
# and the full kmsbench matrix (640x480..3840x2160, k = 3,8,16,64, 1 and 2
# threads), and writes both Markdown reports to OUTPUT (default: stdout).
#
# Usage: tests/benchmarks/run.sh [OUTPUT]
#
# Environment: BUILDDIR (default build-release, made with
# --buildtype=release when missing), PYTHON (default /usr/bin/python3,
# where Debian's python3-opencv and python3-numpy live), KMEANSSEG_BENCH_CACHE
# (where the raw frames go, default /tmp/kmeansseg-bench), SIZES, KS and
# THREADS for the kmsbench matrix, COMPARE_ARGS for compare.py.
# A few minutes on a 2-core machine (well under 15); progress goes to stderr.

set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
builddir=${BUILDDIR:-build-release}
python=${PYTHON:-/usr/bin/python3}
cache=${KMEANSSEG_BENCH_CACHE:-/tmp/kmeansseg-bench}
sizes=${SIZES:-640x480,1280x720,1920x1080,3840x2160}
ks=${KS:-3,8,16,64}
threads=${THREADS:-1,2}
export KMEANSSEG_BENCH_CACHE="$cache"

cd "$root"
if [ ! -d "$builddir" ]; then
  # a release build, as a user's (the core is -O3 in any build)
  meson setup "$builddir" --buildtype=release -Dtests=enabled \
      -Dexamples=disabled >&2
fi
meson compile -C "$builddir" >&2
bench="$builddir/tests/benchmarks/kmsbench"

if [ $# -gt 0 ]; then
  exec >"$1"
fi

# Real frames (vtest.avi) when Python, NumPy and OpenCV are there, else
# kmsbench's synthetic ones
echo "run.sh: making frames in $cache" >&2
if frames=$("$python" "$here/compare.py" --make-frames-only \
    --bench "$bench" --cache "$cache" --sizes "$sizes"); then
  set --
  old_ifs=$IFS
  IFS='
'
  for f in $frames; do
    set -- "$@" --frames "$f"
  done
  IFS=$old_ifs
  have_python=yes
else
  echo "run.sh: no frames from compare.py; kmsbench synthesises them" >&2
  set -- --size "$sizes"
  have_python=no
fi

if [ "$have_python" = yes ]; then
  echo "run.sh: compare.py" >&2
  # shellcheck disable=SC2086
  "$python" "$here/compare.py" --bench "$bench" --cache "$cache" \
      ${COMPARE_ARGS:-}
  echo
fi

echo "run.sh: kmsbench matrix" >&2
"$bench" "$@" --k "$ks" --threads "$threads"
