#!/usr/bin/env bash
# Installs the Debian 12 packages that kmeansseg needs, only those missing.
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
