#!/usr/bin/env bash
# Cross-builds the core for aarch64 with Debian's cross compiler against
# Debian's arm64 GLib and Check (a multiarch install), and runs the core
# tests and checkasm under Debian's qemu-user-static (-cpu max): the NEON
# level against the C reference. GStreamer's arm64 -dev packages do not
# co-install with the native ones, so the element is left out
# (-Delement=disabled). Exits non-zero on a failure.
# Usage: scripts/aarch64.sh [build dir] [extra meson setup options...]
set -eu
cd "$(dirname "$0")/.."

dir=${1:-build-aarch64}
shift || true

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
# the native tools (meson, ninja), then the cross ones and the arm64
# libraries, only those missing
scripts/install-deps.sh test
pkgs=(gcc-aarch64-linux-gnu qemu-user-static libglib2.0-dev:arm64 check:arm64)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' \
    || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    "${sudo[@]}" dpkg --add-architecture arm64
  fi
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q \
    --no-install-recommends "${missing[@]}"
fi

if [ -f "$dir/build.ninja" ]; then
  [ $# -eq 0 ] || meson configure "$dir" "$@"
else
  meson setup "$dir" --cross-file scripts/cross/aarch64-linux-gnu.ini \
    -Delement=disabled -Dtests=enabled -Dexamples=disabled -Ddoc=disabled "$@"
fi
meson compile -C "$dir"
status=0
# the core tests and checkasm: every test this build has. Emulated, they
# run several times slower than natively: the timeouts of meson and Check
# (CK_DEFAULT_TIMEOUT in tests/check/meson.build) are stretched alike
export CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-5}
meson test -C "$dir" --print-errorlogs --num-processes 2 \
  --timeout-multiplier "$CK_TIMEOUT_MULTIPLIER" || status=$?
grep -h '^[0-9]*%: Checks:\|^checkasm: level' "$dir/meson-logs/testlog.txt" || true
# what ran: aarch64 binaries, and the levels checkasm compared there
echo "aarch64: the tests ran under $(qemu-aarch64-static --version | head -1) -cpu max"
aarch64-linux-gnu-readelf -h "$dir/tests/checkasm/checkasm" | grep -E "Class|Machine" || true
grep -q '^checkasm: level neon:' "$dir/meson-logs/testlog.txt" || {
  echo "aarch64: checkasm did not compare the neon level" >&2
  [ "$status" -ne 0 ] || status=1
}
exit "$status"
