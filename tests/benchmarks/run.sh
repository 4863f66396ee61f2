#!/bin/sh
# The whole benchmark in one command: builds, makes the frames, runs the
# comparison with cv2.kmeans and ffmpeg elbg (tests/benchmarks/compare.py),
# the full kmsbench matrix at the best CPU level (640x480..3840x2160,
# k = 3,8,16,64, 1 and 2 threads), every CPU level this machine runs side
# by side at 640x480 and 1920x1080 on one thread (kmsbench --cpu all), and
# the per-kernel table of every level at 1920x1080 (kmsbench --kernels), and
# writes the Markdown reports to OUTPUT (default: stdout).
#
# Usage: tests/benchmarks/run.sh [OUTPUT]
#
# Environment: BUILDDIR (default build-release, made with
# --buildtype=release when missing), PYTHON (default /usr/bin/python3,
# where Debian's python3-opencv and python3-numpy live), KMEANSSEG_BENCH_CACHE
# (where the raw frames go, default /tmp/kmeansseg-bench), SIZES, KS and
# THREADS for the kmsbench matrix, CPUS for the levels compared (default
# all; "" skips that part) and LEVEL_SIZES for their sizes (default
# 640x480,1920x1080), KERNEL_SIZES for the per-kernel table (default
# 1920x1080; "" skips it), COMPARE_ARGS for compare.py, FRAMETIME=no to
# skip the frame times (tests/benchmarks/frametime.py: the element alone per
# buffer, first-frame, median, p99 and max ms, on real footage and the
# generated clips; FRAMETIME_ARGS for its arguments, default --pin 1, the
# one-thread rows on CPU 1).
# A few minutes on a 2-core machine (well under 15) and about as long again
# for the frame times; progress goes to stderr.

set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
builddir=${BUILDDIR:-build-release}
python=${PYTHON:-/usr/bin/python3}
cache=${KMEANSSEG_BENCH_CACHE:-/tmp/kmeansseg-bench}
sizes=${SIZES:-640x480,1280x720,1920x1080,3840x2160}
ks=${KS:-3,8,16,64}
threads=${THREADS:-1,2}
cpus=${CPUS-all}
level_sizes=${LEVEL_SIZES-640x480,1920x1080}
kernel_sizes=${KERNEL_SIZES-1920x1080}
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

# kmsbench on the frames of some sizes (comma-separated) only: the files
# made above (compare.py names them NAME-WxH-...), else synthetic frames;
# then the other arguments
bench_sizes() {
  sizes_wanted=$1
  shift
  n_args=$#
  old_ifs=$IFS
  IFS=,
  for s in $sizes_wanted; do
    found=no
    if [ "$have_python" = yes ]; then
      IFS='
'
      for f in $frames; do
        case $(basename "$f") in
          *-"$s"[-.]*) set -- "$@" --frames "$f"; found=yes ;;
        esac
      done
      IFS=,
    fi
    if [ $found = no ]; then
      set -- "$@" --size "$s"
    fi
  done
  IFS=$old_ifs
  # the frame arguments first, then the ones given
  i=0
  while [ $i -lt $n_args ]; do
    set -- "$@" "$1"
    shift
    i=$((i + 1))
  done
  "$bench" "$@"
}

if [ -n "$cpus" ] && [ -n "$level_sizes" ]; then
  echo
  echo "run.sh: kmsbench, CPU levels $cpus side by side at $level_sizes" >&2
  bench_sizes "$level_sizes" --k "$ks" --threads 1 --cpu "$cpus"
fi

if [ -n "$kernel_sizes" ]; then
  echo
  echo "run.sh: kmsbench --kernels at $kernel_sizes" >&2
  bench_sizes "$kernel_sizes" --k "$ks" --cpu "${cpus:-all}" --kernels-only
fi

# Frame times, the element alone per buffer (issue 12): real footage (the
# hard clips are skipped with a note when their Debian packages are not
# there; tests/benchmarks/clips.py --fetch unpacks them) and generated clips
if [ "${FRAMETIME:-yes}" != no ] && [ "$have_python" = yes ]; then
  echo
  echo "run.sh: frametime.py" >&2
  # shellcheck disable=SC2086
  "$python" "$here/frametime.py" --plugin-path "$builddir/gst/kmeansseg" \
      ${FRAMETIME_ARGS:---pin 1}
fi
