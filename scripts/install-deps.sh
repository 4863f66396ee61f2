#!/usr/bin/env bash
# Installs the Debian packages that kmeansseg needs, only those missing.
# Debian 12 (GStreamer 1.22) and 13 (GStreamer 1.26); with GStreamer 1.26 or
# newer the test set also has gstreamer-analytics-1.0 (plugins-bad) and its
# typelib, for the analytics meta and its Python test.
# Usage: scripts/install-deps.sh [demo|test] [extra packages...]
set -eu

what=${1:-test}
shift || true

pkgs=(gcc pkg-config meson ninja-build
  libglib2.0-dev libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  gstreamer1.0-tools gstreamer1.0-plugins-base)
case "$what" in
  demo) pkgs+=(gstreamer1.0-plugins-good) ;;    # pngenc
  test) pkgs+=(check python3-gi gir1.2-gstreamer-1.0) ;;    # examples run as tests
  *) echo "usage: $0 [demo|test] [packages...]" >&2; exit 2 ;;
esac

# GStreamer's version here: the one installed, else the one apt would
# install, else the Debian release's (12: 1.22, 13: 1.26, testing/sid newer)
gst_version() {
  local v
  v=$(dpkg-query -W -f='${Version}' libgstreamer1.0-dev 2>/dev/null || true)
  [ -n "$v" ] || v=$(LC_ALL=C apt-cache policy libgstreamer1.0-dev 2>/dev/null \
    | awk '$1 == "Candidate:" && $2 != "(none)" { print $2 }')
  if [ -z "$v" ] && [ -r /etc/os-release ]; then
    v=$(. /etc/os-release
      if [ "${ID:-}" = debian ]; then
        case ${VERSION_ID:-} in
          "") echo 1.26 ;;    # testing, sid
          ?|1[0-2]) echo 1.22 ;;
          *) echo 1.26 ;;
        esac
      fi)
  fi
  echo "${v:-0}"
}
if [ "$what" = test ] && dpkg --compare-versions "$(gst_version)" ge 1.26; then
  pkgs+=(libgstreamer-plugins-bad1.0-dev gir1.2-gst-plugins-bad-1.0)
fi
pkgs+=("$@")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' \
    || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "Installing: ${missing[*]}"
"${sudo[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
