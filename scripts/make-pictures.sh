#!/bin/bash
# Makes the before/after pictures of docs/kmeansseg.md: one real photo
# (fruits.jpg from Debian's opencv-doc) run through kmeansseg with a few
# settings, written as PNGs 320 px wide (under ~300 KB each) into
# docs/images/.
#
# Usage: scripts/make-pictures.sh
# Uses the plugin in $GST_PLUGIN_PATH, else build/gst/kmeansseg of this
# repository. Installs what is missing with apt-get (opencv-doc is ~95 MB).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH:-$root/build/gst/kmeansseg}"
photo=/usr/share/doc/opencv-doc/examples/data/fruits.jpg
out=$root/docs/images
# 640 would do for the page, but the photo as PNG must stay under ~300 KB
max_width=320

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  sudo=(sudo)
fi
updated=
install() {
  if [ -z "$updated" ]; then
    "${sudo[@]}" apt-get update -q
    updated=1
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@"
}

if ! command -v gst-launch-1.0 >/dev/null; then
  install gstreamer1.0-tools gstreamer1.0-plugins-base
fi
for element in jpegdec pngenc; do
  if ! gst-inspect-1.0 --exists "$element"; then
    install gstreamer1.0-plugins-good
    break
  fi
done
if [ ! -e "$photo" ]; then
  install opencv-doc
fi
# not --exists: it also asks for version >= GStreamer's, and ours is 0.x
if ! gst-inspect-1.0 kmeansseg >/dev/null 2>&1; then
  echo "kmeansseg is not in GST_PLUGIN_PATH=$GST_PLUGIN_PATH:" \
    "build it first (meson setup build && ninja -C build)" >&2
  exit 1
fi

mkdir -p "$out"

# picture NAME [kmeansseg properties...]; with no properties: the input.
# The photo is scaled down (aspect kept) before it is segmented.
picture() {
  local name=$1
  local filter=()
  shift
  if [ $# -gt 0 ]; then
    filter=(kmeansseg "$@" !)
  fi
  gst-launch-1.0 -q filesrc location="$photo" ! jpegdec ! videoconvert \
    ! videoscale \
    ! "video/x-raw,format=RGBx,width=[1,$max_width],pixel-aspect-ratio=1/1" \
    ! "${filter[@]}" videoconvert ! video/x-raw,format=RGB \
    ! pngenc compression-level=9 ! filesink location="$out/$name.png"
  echo "$out/$name.png"
}

picture original
picture posterize-k3 k=3
picture posterize-k8 k=8
picture original-mask mode=original mask-cluster=0
picture posterize-mask k=4 mask-cluster=3 mask-color=0xffff00ff
