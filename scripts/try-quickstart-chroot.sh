#!/usr/bin/env bash
# Runs the README's Quick start commands in a fresh Debian 12 chroot that
# has only git and sudo, as a new user would. Needs root and debootstrap.
# Usage: sudo scripts/try-quickstart-chroot.sh [chroot dir] [user]
#   user: "root" (default) or a name to create as a sudoer and run as.
set -eu
repo=$(cd "$(dirname "$0")/.." && pwd)
root=${1:-/srv/kmeansseg-quickstart}
user=${2:-root}

if [ ! -x "$root/usr/bin/git" ]; then
  debootstrap --include=git,sudo,ca-certificates bookworm "$root" \
    http://deb.debian.org/debian
fi
cp /etc/resolv.conf "$root/etc/resolv.conf"
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
trap 'umount "$root/proc" 2>/dev/null || true' EXIT

home=/root
if [ "$user" != root ]; then
  chroot "$root" id "$user" >/dev/null 2>&1 || {
    chroot "$root" useradd -m -s /bin/bash "$user"
    echo "$user ALL=(ALL) NOPASSWD: ALL" > "$root/etc/sudoers.d/$user"
  }
  home=/home/$user
fi
rm -rf "$root$home/kmeansseg"
git clone -q "$repo" "$root$home/kmeansseg"
chroot "$root" chown -R "$user" "$home/kmeansseg"

# The commands, exactly as the README's Quick start block has them
cmds=$(awk '/^## Quick start/{q=1} q && /^```sh/{b=1; next} b && /^```/{exit} b' \
  "$repo/README.md")
echo "Quick start commands:"; echo "$cmds"
chroot "$root" su - "$user" -c "cd $home/kmeansseg && set -e && $(echo "$cmds" | paste -sd';')"
echo "Quick start passed in $root as $user"
