#!/usr/bin/env bash
# Builds kmeansseg and runs it on a built-in test pattern, writing the
# posterized frame to kmeansseg-demo.png (no file, camera or display needed).
# Usage: scripts/demo.sh [gst-launch properties for kmeansseg, e.g. k=4]
set -eu
cd "$(dirname "$0")/.."

scripts/install-deps.sh demo
[ -f build/build.ninja ] || meson setup build
meson compile -C build

props=("$@")
[ ${#props[@]} -gt 0 ] || props=(k=3)
export GST_PLUGIN_PATH="$PWD/build/gst/kmeansseg${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
gst-launch-1.0 -q videotestsrc pattern=smpte num-buffers=1 \
  ! video/x-raw,width=640,height=360 ! videoconvert \
  ! kmeansseg "${props[@]}" ! videoconvert ! pngenc \
  ! filesink location=kmeansseg-demo.png
echo "Wrote $PWD/kmeansseg-demo.png (videotestsrc through kmeansseg ${props[*]})"
