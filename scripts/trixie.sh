#!/usr/bin/env bash
# Builds kmeansseg and runs its test suite against Debian 13 "trixie"
# (GStreamer 1.26) in a debootstrap chroot; exits non-zero on a failure.
# Needs root (re-runs itself with sudo) and Debian's archive.
#
# Usage: scripts/trixie.sh                 test HEAD (a copy made by git archive)
#        KMS_SRC=DIR scripts/trixie.sh      test the tree DIR as it is (bind-mounted
#                                           read-only at /src, built outside it)
#        scripts/trixie.sh --shell          a shell in the chroot, in /src
#        scripts/trixie.sh -- COMMAND...    COMMAND in the chroot, in /src
#
# Environment:
#   KMS_CHROOT  the chroot (default /var/tmp/kmeansseg-$KMS_SUITE); made once,
#               then reused, packages and build directories included
#   KMS_SUITE   the Debian release (default trixie)
#   KMS_MIRROR  Debian's archive (default: the one the host's apt uses)
#   KMS_SRC     see above; without it /src is a fresh copy of HEAD
#   KMS_BUILD   build directory in the chroot (default /build/ci for the copy
#               of HEAD, made afresh; /build/NAME for KMS_SRC=.../NAME, kept)
#   KMS_FRESH=1 delete the chroot first
set -eu

if [ "$(id -u)" -ne 0 ]; then
  exec sudo --preserve-env=KMS_CHROOT,KMS_SUITE,KMS_MIRROR,KMS_SRC,KMS_BUILD,KMS_FRESH,CI \
    "$0" "$@"
fi

repo=$(cd "$(dirname "$0")/.." && pwd)
suite=${KMS_SUITE:-trixie}
root=${KMS_CHROOT:-/var/tmp/kmeansseg-$suite}
root=${root%/}
marker=$root/etc/kmeansseg-chroot
begin=$(date +%s)

mode=test
case "${1:-}" in
  --shell) mode=shell ;;
  --) shift; mode=command; [ $# -gt 0 ] || { echo "$0: -- needs a command" >&2; exit 2; } ;;
  "") ;;
  -h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  *) echo "usage: $0 [--shell | -- COMMAND...]" >&2; exit 2 ;;
esac

src=
if [ -n "${KMS_SRC:-}" ]; then
  src=$(cd "$KMS_SRC" && pwd)
  build=${KMS_BUILD:-/build/$(basename "$src")}
else
  build=${KMS_BUILD:-/build/ci}
fi

# The host's Debian archive (only Debian's archive may be reachable): the
# first deb.debian.org-like URI of its apt sources that ends in /debian
host_uri() {
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
    /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | grep -v '^[[:space:]]*#' | grep -oE "https?://[^[:space:]]+/$1/?([[:space:]]|\$)" \
    | head -n1 | sed 's/[[:space:]]*$//; s,/$,,' || true
}
mirror=${KMS_MIRROR:-$(host_uri debian)}
mirror=${mirror:-http://deb.debian.org/debian}
security=$(host_uri debian-security)
security=${security:-${mirror}-security}

# One run at a time per chroot
mkdir -p "$(dirname "$root")"
exec 9>"$root.lock"
if ! flock -n 9; then
  echo "Waiting for the other run on $root to end"
  flock -w 3600 9 || { echo "$0: $root is busy" >&2; exit 1; }
fi

mounted=()
mounts_under() { awk -v r="$root" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/self/mounts; }
unmount_all() {
  local i m
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" || true
  done
  mounted=()
  # Left by a run that was killed: deepest first
  for m in $(mounts_under | sort -r); do umount "$m" 2>/dev/null || umount -l "$m" || true; done
}
trap unmount_all EXIT
trap 'exit 130' INT TERM HUP
mnt() {  # mnt TARGET MOUNT-ARGS...: mounts and remembers it for the trap
  local target=$1; shift
  mkdir -p "$target"
  mount "$@" "$target"
  mounted+=("$target")
}
remove_root() {
  unmount_all
  if [ -n "$(mounts_under)" ]; then
    echo "$0: still mounted under $root, not deleting it:" >&2; mounts_under >&2; exit 1
  fi
  rm -rf --one-file-system "$root"
}

unmount_all  # stale mounts of a killed run
[ "${KMS_FRESH:-0}" = 1 ] && [ -e "$root" ] && { echo "Deleting $root"; remove_root; }
if [ -e "$root" ] && [ ! -f "$marker" ]; then
  echo "$root is incomplete (no $marker): making it again"
  remove_root
fi

if [ ! -f "$marker" ]; then
  command -v debootstrap >/dev/null || {
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap
  }
  t=$(date +%s)
  echo "=== debootstrap $suite from $mirror into $root"
  # minbase: dpkg, apt, bash, coreutils... (eatmydata for the package installs)
  debootstrap --variant=minbase --include=eatmydata "$suite" "$root" "$mirror"
  {
    echo "deb $mirror $suite main"
    case $suite in sid|unstable) ;; *)
      echo "deb $mirror $suite-updates main"
      echo "deb $security $suite-security main" ;;
    esac
  } > "$root/etc/apt/sources.list"
  # Faster package installs: no fsync, no documentation, no translations
  echo force-unsafe-io > "$root/etc/dpkg/dpkg.cfg.d/kmeansseg-unsafe-io"
  printf '%s\n' 'path-exclude=/usr/share/doc/*' 'path-exclude=/usr/share/man/*' \
    'path-exclude=/usr/share/info/*' 'path-exclude=/usr/share/locale/*' \
    'path-include=/usr/share/doc/*/copyright' \
    > "$root/etc/dpkg/dpkg.cfg.d/kmeansseg-nodoc"
  printf '%s\n' 'Acquire::Languages "none";' 'APT::Install-Recommends "false";' \
    > "$root/etc/apt/apt.conf.d/90kmeansseg"
  printf 'suite=%s\nmirror=%s\nmade=%s\n' "$suite" "$mirror" "$(date -u +%FT%TZ)" > "$marker"
  echo "=== debootstrap: $(($(date +%s) - t))s"
fi
grep -qx "suite=$suite" "$marker" || {
  echo "$0: $root holds another release ($(grep suite= "$marker")); KMS_FRESH=1 remakes it" >&2
  exit 1
}
cp -L /etc/resolv.conf "$root/etc/resolv.conf"

mnt "$root/proc" -t proc proc
mnt "$root/sys" -t sysfs -o ro sysfs
mnt "$root/dev" --bind /dev
mnt "$root/dev/pts" --bind /dev/pts
mnt "$root/dev/shm" -t tmpfs -o mode=1777,nosuid,nodev shm

if [ -n "$src" ]; then
  mnt "$root/src" --bind "$src"
  mount -o remount,bind,ro "$root/src"
  echo "=== /src: $src (read-only), build in $build"
else
  # A clean copy of HEAD, as CI's clone has it
  if mountpoint -q "$root/src"; then echo "$0: $root/src is mounted" >&2; exit 1; fi
  rm -rf --one-file-system "$root/src"
  mkdir -p "$root/src"
  git -C "$repo" archive --format=tar HEAD | tar -x -C "$root/src"
  if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
    echo "Note: testing HEAD ($(git -C "$repo" rev-parse --short HEAD)); uncommitted changes are" \
      "not in it (KMS_SRC=$repo tests the tree as it is)"
  fi
  [ "$mode" != test ] || [ -n "${KMS_BUILD:-}" ] || rm -rf --one-file-system "$root$build"
  echo "=== /src: HEAD of $repo ($(git -C "$repo" rev-parse --short HEAD)), build in $build"
fi
mkdir -p "$root/build"

# A clean environment: nothing of the host's GStreamer setup leaks in
in_chroot() {
  chroot "$root" /usr/bin/env -i \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" CI="${CI:-}" \
    DEBIAN_FRONTEND=noninteractive KMS_BUILD="$build" \
    /bin/bash -c 'cd /src && exec "$@"' bash "$@"
}

status=0
case $mode in
  shell) in_chroot bash -i || status=$? ;;
  command) in_chroot "$@" || status=$? ;;
  test)
    t=$(date +%s)
    in_chroot eatmydata scripts/install-deps.sh test
    echo "=== packages: $(($(date +%s) - t))s"
    echo "=== $suite: GStreamer $(in_chroot pkg-config --modversion gstreamer-1.0)," \
      "meson $(in_chroot meson --version), $(in_chroot gcc --version | head -n1)," \
      "$(in_chroot python3 --version)"
    t=$(date +%s)
    in_chroot scripts/test.sh "$build" || status=$?
    echo "=== build and tests: $(($(date +%s) - t))s"
    ;;
esac
echo "=== $0 ($suite): exit $status after $(($(date +%s) - begin))s"
exit "$status"
