#!/bin/bash
# Remove one colour group: kmeansseg makes the pixels of one cluster
# transparent (mode=original, mask-color=0x00000000 on a format with
# alpha), with a soft edge (mask-feather: the alpha ramps across the edge)
# and without specks (spatial-smoothing), and compositor lays what is left
# over another video (a white ball bouncing on grey), as a chroma key would,
# but for whatever colours the cluster holds.
#
# Usage: examples/remove-colour.sh [--headless] [INPUT] [kmeansseg property=value ...]
#   e.g. examples/remove-colour.sh
#        examples/remove-colour.sh mask-cluster=0 mask-color=0x80000000
#        examples/remove-colour.sh photo.jpg k=3 mask-cluster=2
#        examples/remove-colour.sh video.mp4 k=6 mask-key=0x30a040 mask-feather=4
#          (key by colour: the cluster nearest that green, whatever its
#          number, chosen again on every frame)
# INPUT is a video or picture file; without one, GStreamer's test pattern.
# The defaults are k=4 mode=original mask-color=0x00000000 (transparent),
# spatial-smoothing=2 mask-feather=2 and mask-cluster=0 (the darkest
# group, on a fresh start), or for the test pattern mask-cluster=1 (its
# cyan and blue bars); properties given here override them
# (mask-color=0x80000000: half transparent; mask-feather=0: hard edges).
# --headless: no window; writes the first composited frame as a PNG to
# $OUT (default remove-colour.png).
# Uses the plugin in $GST_PLUGIN_PATH, else build/gst/kmeansseg of this
# repository.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH:-$root/build/gst/kmeansseg}"

headless=false
if [ "${1:-}" = --headless ]; then
  headless=true
  shift
fi
fg=(videotestsrc pattern=smpte horizontal-speed=2
  ! "video/x-raw,width=640,height=360")
cluster=1
if [ $# -gt 0 ] && [[ $1 != *=* ]]; then
  if [ ! -f "$1" ]; then
    echo "no such file: $1" >&2
    exit 2
  fi
  # a picture is one frame: imagefreeze repeats it over the moving ball
  case "${1,,}" in
    *.jpg | *.jpeg | *.png) fg=(filesrc location="$1" ! decodebin ! imagefreeze) ;;
    *) fg=(filesrc location="$1" ! decodebin) ;;
  esac
  cluster=0
  shift
fi

sink=(videoconvert ! autovideosink)
if $headless; then
  out=${OUT:-remove-colour.png}
  sink=(videoconvert ! pngenc snapshot=true ! filesink location="$out")
fi

# The foreground: scaled to the background's height (aspect kept), BGRA
# so that kmeansseg can write the mask's alpha, and compositor (pad
# sink_1, above sink_0) blends it "over" the ball.
gst-launch-1.0 -q compositor name=mix ! "${sink[@]}" \
  videotestsrc pattern=ball background-color=0xff808080 \
  ! "video/x-raw,width=640,height=360,framerate=30/1" ! mix.sink_0 \
  "${fg[@]}" ! videoconvert ! videoscale \
  ! video/x-raw,format=BGRA,height=360,pixel-aspect-ratio=1/1 \
  ! kmeansseg k=4 mode=original mask-cluster=$cluster mask-color=0x00000000 \
  spatial-smoothing=2 mask-feather=2 \
  "$@" \
  ! mix.sink_1
if $headless; then
  echo "Wrote $out"
fi
