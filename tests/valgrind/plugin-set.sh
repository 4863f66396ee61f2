#!/usr/bin/env bash
# Makes DIR a private GStreamer plugin directory: symbolic links to the few
# system plugins that the tests, the examples and scripts/valgrind.sh's
# pipelines use, and nothing else. scripts/sanitize.sh and
# scripts/valgrind.sh point GST_PLUGIN_SYSTEM_PATH_1_0 at it, so that the
# other plugins of the machine (frei0r, plugins-bad, ...) are neither
# scanned nor loaded: with GST_REGISTRY_FORK=no the scan runs in the
# sanitized process, and their leaks would be reported as ours.
# Usage: tests/valgrind/plugin-set.sh DIR     (DIR is emptied first)
set -eu
dir=${1:?usage: $0 DIR}
sys=$(pkg-config --variable=pluginsdir gstreamer-1.0)

# coreelements: fakesink, capsfilter (libgstreamer1.0-0);
# gstreamer1.0-plugins-base: videotestsrc, videoconvert and videoscale
# (one plugin since GStreamer 1.22, two before)
need=(coreelements videotestsrc)
if [ -e "$sys/libgstvideoconvertscale.so" ]; then
  need+=(videoconvertscale)
else
  need+=(videoconvert videoscale)
fi

rm -rf "$dir"
mkdir -p "$dir"
for p in "${need[@]}"; do
  f=$sys/libgst$p.so
  [ -e "$f" ] || { echo "$0: no $f" >&2; exit 1; }
  ln -s "$f" "$dir/"
done
