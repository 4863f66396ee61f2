#!/bin/bash
# Makes the before/after pictures of docs/kmeansseg.md and the README: one
# real frame (fruits.jpg from Debian's opencv-doc, its middle 512x384
# cropped to a 4:3 frame and scaled to 320x240) run through kmeansseg with
# the settings worth seeing, written as PNGs into docs/images/.
#
# Usage: scripts/make-pictures.sh
# Uses the plugin in $GST_PLUGIN_PATH, else build/gst/kmeansseg of this
# repository. Installs what is missing with apt-get (opencv-doc is ~95 MB).
# The PNGs are recompressed with Debian's python3-pil (GStreamer's pngenc
# writes them unfiltered, half as large again); the label map is also
# contrast-stretched with it. Fails if a picture is over 150 KB or all of
# them over 1.5 MB.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
export GST_PLUGIN_PATH="${GST_PLUGIN_PATH:-$root/build/gst/kmeansseg}"
photo=/usr/share/doc/opencv-doc/examples/data/fruits.jpg
out=$root/docs/images
# Debian's interpreter, the one python3-pil installs into
python=/usr/bin/python3
# fruits.jpg is 512x480: its middle 4:3 (rows 48..431), as a video frame
crop=(videocrop top=48 bottom=48)
size=width=320,height=240,pixel-aspect-ratio=1/1
max_bytes=$((150 * 1024))
max_total=$((1536 * 1024))

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
for element in jpegdec pngenc videocrop; do
  if ! gst-inspect-1.0 --exists "$element"; then
    install gstreamer1.0-plugins-good
    break
  fi
done
if [ ! -e "$photo" ]; then
  install opencv-doc
fi
if ! "$python" -c 'import PIL' 2>/dev/null; then
  install python3-pil
fi
# not --exists: it also asks for version >= GStreamer's, and ours is 0.x
if ! gst-inspect-1.0 kmeansseg >/dev/null 2>&1; then
  echo "kmeansseg is not in GST_PLUGIN_PATH=$GST_PLUGIN_PATH:" \
    "build it first (meson setup build && ninja -C build)" >&2
  exit 1
fi

# Made in a scratch directory, moved into docs/images/ when all are made
# and small enough
final=$out
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# frame FORMAT [caps fields]: sets $src to the pipeline of the frame in
# FORMAT
src=()
frame() {
  src=(filesrc location="$photo" ! jpegdec ! videoconvert ! "${crop[@]}"
    ! videoscale ! "video/x-raw,format=$1,$size${2:+,$2}")
}

# picture_in FORMAT CAPS NAME [kmeansseg properties...]: the frame in FORMAT
# (CAPS: more caps fields, or "") through kmeansseg, as RGB into NAME.png;
# with no properties, the frame itself
picture_in() {
  local name=$3
  local filter=()
  frame "$1" "$2"
  shift 3
  if [ $# -gt 0 ]; then
    filter=(kmeansseg "$@" !)
  fi
  gst-launch-1.0 -q "${src[@]}" ! "${filter[@]}" videoconvert \
    ! video/x-raw,format=RGB ! pngenc compression-level=9 \
    ! filesink location="$out/$name.png"
  echo "made $name.png"
}

# picture NAME [kmeansseg properties...]: the same from RGBx
picture() {
  picture_in RGBx "" "$@"
}

picture original
picture posterize-k3 k=3
picture posterize-k8 k=8
picture posterize-k16 k=16
picture original-mask mode=original mask-cluster=0
picture posterize-mask k=4 mask-cluster=3 mask-color=0xffff00ff
# a fixed palette: the fit keeps the colours given (max-iters=0)
picture palette-rgb k=3 max-iters=0 \
  'palette=<(uint)0xffff0000, (uint)0xff00ff00, (uint)0xff0000ff>'
# the seeding, on a fresh start (kmeans-pp is the default: posterize-k8)
picture init-random-k8 k=8 init=random
# fitted on every pixel, exactly, against the default histogram of a grid
picture sample-size-0-k8 k=8 sample-size=0
# YUV and grey: clustered in the frame's own space
picture_in I420 colorimetry=bt709 i420-k8 k=8
picture_in I420 colorimetry=bt709 i420-mask k=4 mask-cluster=3 \
  mask-color=0xffff00ff
picture_in GRAY8 "" gray8-k4 k=4

# The darkest of four groups transparent (a format with alpha takes the
# mask's alpha), laid over compositor's checker background
frame BGRA
gst-launch-1.0 -q compositor name=mix background=checker \
  ! videoconvert ! video/x-raw,format=RGB \
  ! pngenc compression-level=9 ! filesink location="$out/alpha-over.png" \
  "${src[@]}" \
  ! kmeansseg k=4 mode=original mask-cluster=0 mask-color=0x00000000 \
  ! mix.sink_0
echo "made alpha-over.png"

# Perceptual colour (issue 14): k=8 clustered in the frame's RGB and in
# OkLab
picture color-space-native-k8 k=8
picture color-space-oklab-k8 k=8 color-space=oklab

# Dithering (issue 14): k=4 without dithering, with the Bayer matrix and
# with blue noise; a 480x240 crop of the photo's middle at its own pixels
# (not scaled), so that the pattern shows as it is painted
for d in none bayer blue-noise; do
  gst-launch-1.0 -q filesrc location="$photo" ! jpegdec ! videoconvert \
    ! videocrop left=16 right=16 top=120 bottom=120 \
    ! video/x-raw,format=RGBx ! kmeansseg k=4 dither=$d ! videoconvert \
    ! video/x-raw,format=RGB ! pngenc compression-level=9 \
    ! filesink location="$out/dither-$d-k4.png"
  echo "made dither-$d-k4.png"
done

# Clean masks (issue 15): the darkest of six groups black, labelled pixel
# by pixel, then with two passes of the plain 3x3 majority
picture mask-k6 k=6 mode=original mask-cluster=0
picture mask-k6-smooth k=6 mode=original mask-cluster=0 spatial-smoothing=2 \
  spatial-smoothing-strength=255
# the same dark group keyed by colour (mask-key), transparent with a
# feathered edge, over the checker board
frame BGRA
gst-launch-1.0 -q compositor name=mix background=checker \
  ! videoconvert ! video/x-raw,format=RGB \
  ! pngenc compression-level=9 ! filesink location="$out/alpha-feather.png" \
  "${src[@]}" \
  ! kmeansseg k=6 mode=original mask-key=0x100c14 mask-color=0x00000000 \
  spatial-smoothing=2 spatial-smoothing-strength=255 mask-feather=3 \
  ! mix.sink_0
echo "made alpha-feather.png"

# The label map: GRAY8, each pixel its cluster's index (0..7), stretched
# below to 0..255 so that it can be seen
frame RGBx
gst-launch-1.0 -q "${src[@]}" ! kmeansseg k=8 mode=labels \
  ! video/x-raw,format=GRAY8 ! pngenc compression-level=9 \
  ! filesink location="$out/labels-k8.png"
echo "made labels-k8.png"

# Stretch the labels, recompress every picture, check the sizes
"$python" - "$out" "$max_bytes" "$max_total" <<'EOF'
import glob
import os
import sys

from PIL import Image

out, max_bytes, max_total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
labels = os.path.join(out, "labels-k8.png")
im = Image.open(labels)
if max(im.getdata()) > 7:
    sys.exit("labels-k8.png has a label > 7: not the raw label map")
im.point(lambda v: v * 255 // 7).save(labels)

total, status = 0, 0
for path in sorted(glob.glob(os.path.join(out, "*.png"))):
    im = Image.open(path)
    im.load()
    im.save(path, optimize=True)
    size = os.path.getsize(path)
    total += size
    print("%7d  %s" % (size, os.path.basename(path)))
    if size > max_bytes:
        print("  over %d bytes" % max_bytes, file=sys.stderr)
        status = 1
print("%7d  in all" % total)
if total > max_total:
    print("  over %d bytes" % max_total, file=sys.stderr)
    status = 1
sys.exit(status)
EOF
mkdir -p "$final"
mv "$out"/*.png "$final"/
echo "Wrote the pictures into $final"
