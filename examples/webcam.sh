#!/bin/bash
# kmeansseg on a webcam, in a window: the original picture with its darkest
# colour group painted black (mode=original mask-cluster=0).
#
# Usage: examples/webcam.sh [DEVICE] [kmeansseg property=value ...]
#   e.g. examples/webcam.sh /dev/video0 k=4 mask-color=0xff00ff00
# DEVICE defaults to /dev/video0; properties given here override the
# defaults above (the last one set wins). decodebin also handles cameras
# that only send MJPEG.
# Uses the plugin in $GST_PLUGIN_PATH, else build/gst/kmeansseg of this
# repository.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH:-$root/build/gst/kmeansseg}"

device=${1:-/dev/video0}
if [ $# -gt 0 ]; then
  shift
fi

exec gst-launch-1.0 v4l2src device="$device" ! decodebin ! videoconvert \
  ! kmeansseg mode=original mask-cluster=0 "$@" ! videoconvert \
  ! autovideosink
