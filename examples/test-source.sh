#!/bin/bash
# kmeansseg on GStreamer's moving test pattern, shown in a window.
#
# Usage: examples/test-source.sh [--headless] [kmeansseg property=value ...]
#   e.g. examples/test-source.sh k=8
#        examples/test-source.sh mode=original mask-cluster=0
# --headless: no window; writes $FRAMES frames (default 30) as PNGs into the
# folder $OUT (default kmeansseg-frames), or, with OUT=-, only runs them
# through kmeansseg into a fakesink.
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
props=("$@")
if [ ${#props[@]} -eq 0 ]; then
  props=(k=4)
fi

# A colourful pattern that moves, so the warm start has something to follow
src=(videotestsrc pattern=smpte horizontal-speed=2)
caps=video/x-raw,width=640,height=360,framerate=30/1

if ! $headless; then
  exec gst-launch-1.0 "${src[@]}" ! "$caps" ! videoconvert \
    ! kmeansseg "${props[@]}" ! videoconvert ! autovideosink
fi

frames=${FRAMES:-30}
out=${OUT:-kmeansseg-frames}
if [ "$out" = - ]; then
  sink=(fakesink)
else
  mkdir -p "$out"
  sink=(pngenc snapshot=false ! multifilesink location="$out/frame-%04d.png")
fi
gst-launch-1.0 -q "${src[@]}" num-buffers="$frames" ! "$caps" ! videoconvert \
  ! kmeansseg "${props[@]}" ! videoconvert ! "${sink[@]}"
if [ "$out" != - ]; then
  echo "Wrote $frames frames to $out/frame-*.png"
fi
