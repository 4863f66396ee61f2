#!/bin/bash
# kmeansseg on a video file: decodes INPUT, segments every frame and encodes
# the result to OUTPUT (video only; audio is dropped).
#
# Usage: examples/file.sh INPUT [OUTPUT] [kmeansseg property=value ...]
#   e.g. examples/file.sh clip.webm clip-k4.mkv k=4
# Encodes H.264 with x264enc (gstreamer1.0-plugins-ugly) into .mp4, or .mkv
# when OUTPUT ends so; without x264enc, VP8 with vp8enc into .webm (or .mkv).
# ENCODER=x264 or ENCODER=vp8 picks one. OUTPUT defaults to INPUT's name with
# -kmeansseg and the container's extension.
# Uses the plugin in $GST_PLUGIN_PATH, else build/gst/kmeansseg of this
# repository.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH:-$root/build/gst/kmeansseg}"

if [ $# -lt 1 ] || [ ! -f "$1" ]; then
  echo "usage: $0 INPUT [OUTPUT] [kmeansseg property=value ...]" >&2
  exit 2
fi
input=$1
output=${2:-}
shift
if [ $# -gt 0 ]; then
  shift
fi
props=("$@")

encoder=${ENCODER:-}
if [ -z "$encoder" ]; then
  if gst-inspect-1.0 --exists x264enc; then
    encoder=x264
  else
    encoder=vp8
  fi
fi

case "$encoder" in
  x264)
    enc=(x264enc speed-preset=faster)
    default_ext=mp4
    ;;
  vp8)
    enc=(vp8enc deadline=1 target-bitrate=2000000)
    default_ext=webm
    ;;
  *)
    echo "ENCODER must be x264 or vp8" >&2
    exit 2
    ;;
esac
if [ -z "$output" ]; then
  output="${input%.*}-kmeansseg.$default_ext"
fi
case "$encoder:$output" in
  *.mkv) mux=matroskamux ;;
  x264:*.mp4) mux=mp4mux ;;
  vp8:*.webm) mux=webmmux ;;
  *)
    echo "$encoder output must end in .$default_ext or .mkv: $output" >&2
    exit 2
    ;;
esac

# videoconvert takes only raw video, so decodebin's audio pad stays unlinked
gst-launch-1.0 -q filesrc location="$input" ! decodebin ! videoconvert \
  ! kmeansseg "${props[@]}" ! videoconvert ! "${enc[@]}" ! "$mux" \
  ! filesink location="$output"
echo "Wrote $output"
