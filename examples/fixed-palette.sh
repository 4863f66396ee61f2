#!/bin/bash
# kmeansseg with a fixed palette: every pixel is mapped onto the nearest of
# the colours you give (max-iters=0 keeps the centroids where the palette
# put them), as paletteuse or libimagequant would, frame after frame.
#
# Usage: examples/fixed-palette.sh [--headless] [INPUT] [kmeansseg property=value ...]
#   e.g. examples/fixed-palette.sh
#        examples/fixed-palette.sh clip.webm
#        PALETTE="0xff000000 0xffffffff" examples/fixed-palette.sh photo.jpg
# INPUT is a video or picture file; without one, GStreamer's test pattern.
# PALETTE: the colours as 0xAARRGGBB, space-separated (default red, green,
# blue); k is set to their number. The pipeline it runs is the same as
#   kmeansseg k=3 max-iters=0 \
#     'palette=<(uint)0xffff0000, (uint)0xff00ff00, (uint)0xff0000ff>'
# --headless: no window; writes the first frame as a PNG to $OUT (default
# fixed-palette.png).
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
src=(videotestsrc pattern=smpte horizontal-speed=2
  ! "video/x-raw,width=640,height=360,framerate=30/1")
if [ $# -gt 0 ] && [[ $1 != *=* ]]; then
  if [ ! -f "$1" ]; then
    echo "no such file: $1" >&2
    exit 2
  fi
  # a picture is one frame: imagefreeze repeats it for the window
  case "${1,,}" in
    *.jpg | *.jpeg | *.png) src=(filesrc location="$1" ! decodebin ! imagefreeze) ;;
    *) src=(filesrc location="$1" ! decodebin) ;;
  esac
  shift
fi

read -r -a colours <<<"${PALETTE:-0xffff0000 0xff00ff00 0xff0000ff}"
palette=
for c in "${colours[@]}"; do
  palette="${palette:+$palette, }(uint)$c"
done
filter=(kmeansseg k=${#colours[@]} max-iters=0 "palette=<$palette>" "$@")

if ! $headless; then
  exec gst-launch-1.0 "${src[@]}" ! videoconvert ! "${filter[@]}" \
    ! videoconvert ! autovideosink
fi

out=${OUT:-fixed-palette.png}
gst-launch-1.0 -q "${src[@]}" ! videoconvert ! "${filter[@]}" \
  ! videoconvert ! pngenc snapshot=true ! filesink location="$out"
echo "Wrote $out (${filter[*]})"
