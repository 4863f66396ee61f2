#!/usr/bin/env bash
# Checksums of kmeansseg's output for a fixed set of gst-launch-1.0
# pipelines, as a Markdown table (| case | md5 |), to show that a change
# leaves the output byte-identical: run it on the builds before and after
# and diff the two tables.
# Usage: scripts/checksums.sh BUILDDIR > checksums.md
#   BUILDDIR: a meson build dir of kmeansseg (the plugin is looked up under
#   BUILDDIR/gst). Every format of the pad template at an odd size in each
#   mode, k from 1 to 256, n-threads, hysteresis, sample-size and the other
#   properties, moving videotestsrc patterns over several frames (warm
#   start, hysteresis): 120 cases, under a minute on 2 cores. Exits
#   non-zero when a pipeline fails (its row says FAILED).
# The environment is passed through as it is (KMEANSSEG_CPU, for one, picks
# the code path of builds that read it). Formats whose rows have padding
# (odd widths, 3-byte RGB) are repacked by videoconvert, losslessly, to
# RGBx or VUYA before the checksum: GStreamer leaves the padding of a frame
# uninitialised, so its bytes are not the element's output (VUYA, not
# AYUV: videoconvert 1.22 crashes on UYVY to AYUV at odd widths).
set -eu
set -f

if [ $# -ne 1 ] || [ ! -d "$1" ]; then
  echo "usage: $0 BUILDDIR" >&2
  exit 2
fi
builddir=$1

plugin=$(find "$builddir/gst" -name libgstkmeansseg.so -type f)
case "$plugin" in
  '') echo "$0: no libgstkmeansseg.so under $builddir/gst" >&2; exit 1 ;;
  *"
"*) echo "$0: more than one libgstkmeansseg.so under $builddir/gst:" >&2
    echo "$plugin" >&2; exit 1 ;;
esac
plugin=$(realpath "$plugin")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kmeansseg-checksums.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export GST_PLUGIN_PATH_1_0=${plugin%/*}
export GST_REGISTRY=$tmp/registry.bin
unset GST_REGISTRY_1_0

# The plugin must be this build's, not one installed on the system
found=$(gst-inspect-1.0 kmeansseg 2>/dev/null |
  sed -n 's/^ *Filename *//p')
if [ "$found" != "$plugin" ]; then
  echo "$0: kmeansseg comes from '$found', not $plugin" >&2
  exit 1
fi
[ -z "${KMEANSSEG_CPU:-}" ] || echo "$0: KMEANSSEG_CPU=$KMEANSSEG_CPU" >&2

failed=0

# run FORMAT WxH FRAMES SOURCE PROPS [OUTFORMAT]
#   videotestsrc SOURCE (its properties) -> FORMAT at WxH, FRAMES frames ->
#   kmeansseg PROPS -> OUTFORMAT (default FORMAT) -> md5 of the output
run() {
  local fmt=$1 size=$2 n=$3 src=$4 props=$5 out=${6:-$1}
  local w=${2%x*} h=${2#*x}
  local name="$fmt $size x$n $src; $props"
  local repack=''
  [ "$out" = "$fmt" ] || name="$name -> $out"

  # Only 4-byte pixels, or widths that are a multiple of 8, have no padding
  case "$out" in
    RGBx|BGRx|xRGB|xBGR|RGBA|BGRA|ARGB|ABGR) ;;
    RGB|BGR) [ $((w % 8)) -eq 0 ] ||
      repack='! videoconvert dither=none ! video/x-raw,format=RGBx' ;;
    *) [ $((w % 8)) -eq 0 ] ||
      repack='! videoconvert dither=none chroma-mode=none matrix-mode=none
        ! video/x-raw,format=VUYA' ;;
  esac

  local sum
  rm -f "$tmp/out.raw"
  # shellcheck disable=SC2086  # SOURCE, PROPS and repack are word lists
  if timeout 300 gst-launch-1.0 -q --no-fault \
      videotestsrc is-live=false num-buffers="$n" $src \
      ! "video/x-raw,format=$fmt,width=$w,height=$h,framerate=30/1" \
      ! kmeansseg $props ! "video/x-raw,format=$out" $repack \
      ! filesink sync=false location="$tmp/out.raw" >"$tmp/log" 2>&1 &&
      [ -s "$tmp/out.raw" ]; then
    sum=$(md5sum <"$tmp/out.raw")
    sum=${sum%% *}
  else
    sum=FAILED
    failed=1
    echo "$0: failed: $name" >&2
    sed 's/^/  /' "$tmp/log" >&2
  fi
  echo "| $name | $sum |"
}

formats='RGB BGR RGBx BGRx xRGB xBGR RGBA BGRA ARGB ABGR I420 YV12 NV12
  NV21 Y444 Y42B YUY2 UYVY GRAY8'
moving='pattern=smpte horizontal-speed=5'

echo '| case | md5 |'
echo '|---|---|'

# Every format at an odd size, in every mode
for f in $formats; do
  run "$f" 385x289 3 "$moving" 'k=8'
  run "$f" 385x289 3 "$moving" 'k=8 mode=original mask-cluster=1'
  run "$f" 385x289 3 "$moving" 'k=8 mode=labels'
  [ "$f" = GRAY8 ] || run "$f" 385x289 3 "$moving" 'k=8 mode=labels' GRAY8
done

# k: 1 to the maximum, both sides of the cell table's limit (64)
for k in 1 3 8 16 21 64 65 200; do
  run RGBx 640x480 3 'pattern=colors horizontal-speed=7' "k=$k"
  run I420 640x480 3 'pattern=colors horizontal-speed=7' "k=$k"
done
run RGBx 640x480 3 'pattern=colors horizontal-speed=7' 'k=256 mode=labels' \
  GRAY8

# Moving patterns over 10 frames: the warm start and the hysteresis
for p in 'pattern=ball' 'pattern=ball motion=sweep' \
    'pattern=pinwheel horizontal-speed=3' 'pattern=snow' \
    'pattern=zone-plate kt=2 kx2=20 ky2=20'; do
  run RGBx 385x289 10 "$p" 'k=8'
  run I420 385x289 10 "$p" 'k=8'
done

# Threads (bands of rows)
run RGBx 640x480 10 "$moving" 'k=8 n-threads=2'
run I420 385x289 10 "$moving" 'k=8 n-threads=2'
run NV12 385x289 10 "$moving" 'k=16 n-threads=2'
run YUY2 385x289 10 "$moving" 'k=8 n-threads=2 mode=labels' GRAY8
run RGB 385x289 10 "$moving" 'k=8 n-threads=2 mode=original mask-cluster=1'

# Hysteresis off and large, every pixel fitted, a small sample
run RGBx 640x480 10 "$moving" 'k=8 hysteresis=0'
run I420 640x480 10 "$moving" 'k=8 hysteresis=0'
run YUY2 385x289 10 'pattern=ball' 'k=8 hysteresis=0'
run RGBx 640x480 10 "$moving" 'k=8 hysteresis=8'
run RGBx 640x480 5 "$moving" 'k=8 sample-size=0'
run I420 640x480 5 "$moving" 'k=8 sample-size=0'
run RGBx 640x480 10 "$moving" 'k=8 sample-size=1000'

# The other properties
run RGBx 385x289 10 "$moving" 'k=8 init=random seed=7'
run RGBx 385x289 10 "$moving" 'k=8 warm-start=false'
run RGBx 385x289 10 "$moving" 'k=8 temporal-smoothing=0.5 refresh-interval=3'
run I420 385x289 10 "$moving" 'k=8 scene-cut-threshold=0 tolerance=0'
run RGBA 385x289 10 "$moving" \
  'k=8 mode=original mask-cluster=2 mask-color=0x80ff8000'
run RGBx 385x289 10 "$moving" \
  'k=4 max-iters=0 palette=<0xff000000,0xffffffff,0xffff0000,0xff0000ff>'

exit $failed
