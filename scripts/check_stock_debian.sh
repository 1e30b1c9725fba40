#!/usr/bin/env bash
# Does Thaw install and pass on a stock Debian 12? Builds a clean bookworm root with debootstrap,
# installs Swift there the way swift.org says (its Debian 12 prerequisites from apt, the toolchain
# copied in from this machine), clones this checkout's current branch into it, and runs
# `make demo` then `make test` inside a chroot. Nothing from this machine's Python or weights goes in.
#
#   sudo scripts/check_stock_debian.sh [ROOT]      ROOT default /var/tmp/thaw-stock-debian (wiped first)
#
# Environment: SWIFT_ROOT (toolchain to copy; default: the folder above `swift` on PATH, else /opt/swift),
# DEBIAN_MIRROR (default http://deb.debian.org/debian), KEEP_ROOT=1 keeps ROOT afterwards (it is kept
# anyway when a step fails: chroot ROOT to look),
# CHECK_STEPS (default "demo test"), REUSE_ROOT=1 (a ROOT kept from an earlier run: skip debootstrap and
# the Swift install, pull this branch into its clone, run the steps again). Log: ROOT.log. Needs root (debootstrap, mount, chroot) and network
# access to Debian's archive and PyPI. Takes 20-60 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
ROOT=${1:-/var/tmp/thaw-stock-debian}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
STEPS=${CHECK_STEPS:-demo test}
LOG=$ROOT.log
if [ "$(id -u)" != 0 ]; then
  echo "error: debootstrap, mount and chroot need root. Fix: sudo $0 $*" >&2; exit 1
fi
if [ -z "${SWIFT_ROOT:-}" ]; then
  if command -v swift >/dev/null; then SWIFT_ROOT=$(dirname "$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")")
  else SWIFT_ROOT=/opt/swift; fi
fi
if [ ! -x "$SWIFT_ROOT/usr/bin/swift" ]; then
  echo "error: no Swift toolchain at $SWIFT_ROOT (expected $SWIFT_ROOT/usr/bin/swift). Fix: set SWIFT_ROOT to the folder holding usr/bin/swift." >&2
  exit 1
fi
BRANCH=$(git rev-parse --abbrev-ref HEAD)
if [ -n "$(git status --porcelain --untracked-files=no)" ]; then
  echo "note: uncommitted changes are not checked: the chroot gets a clone of $BRANCH at $(git rev-parse --short HEAD)" >&2
fi

mounted=()
status=1
cleanup() {
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[$i]}" 2>/dev/null || true; done
  if [ "$status" = 0 ] && [ "${KEEP_ROOT:-0}" != 1 ] && [ -d "$ROOT" ]; then rm -rf --one-file-system "$ROOT"; fi
}
trap cleanup EXIT
mount_in() { mount "$@" && mounted+=("${@: -1}"); }
elapsed() { local s=$(( $(date +%s) - $1 )); printf '%dm%02ds' $((s / 60)) $((s % 60)); }

exec > >(tee "$LOG") 2>&1
t0=$(date +%s)
echo "==> stock Debian check of $BRANCH ($(git rev-parse --short HEAD)) in $ROOT, Swift from $SWIFT_ROOT"
if ! command -v debootstrap >/dev/null; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap
fi
REUSE=0
if [ "${REUSE_ROOT:-0}" = 1 ] && [ -x "$ROOT/opt/swift/usr/bin/swift" ] && [ -d "$ROOT/root/thaw/.git" ]; then
  REUSE=1; echo "==> reusing $ROOT (debootstrap, Swift and the first make's installs already done there)"
else
  rm -rf --one-file-system "$ROOT"
  t=$(date +%s)
  debootstrap --arch=amd64 bookworm "$ROOT" "$MIRROR" >/dev/null
  echo "==> debootstrap bookworm: $(elapsed "$t")"
fi
cat > "$ROOT/etc/apt/sources.list" <<EOF
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
mount_in -t proc proc "$ROOT/proc"
mount_in -t sysfs sys "$ROOT/sys"
mount_in --bind /dev "$ROOT/dev"
mount_in --bind /dev/pts "$ROOT/dev/pts"
mount_in -t tmpfs tmpfs "$ROOT/dev/shm"

# Swift as swift.org installs it on Debian 12: its apt prerequisites, then the toolchain's folder.
# make and git are what a user needs to type `make demo` in a clone; nothing else is preinstalled.
t=$(date +%s)
[ $REUSE = 1 ] || chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive bash -c '
  apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends \
    binutils-gold libicu-dev libcurl4-openssl-dev libedit-dev libsqlite3-dev libncurses-dev libpython3-dev \
    libxml2-dev pkg-config uuid-dev tzdata git gcc libc6-dev libstdc++-12-dev ca-certificates make >/dev/null'
# A network that reaches the internet through a TLS-intercepting proxy (HOST_CA_CERTS, default: this
# machine's /usr/local/share/ca-certificates/*.crt) needs its CA inside the root too; nothing else of
# this machine's setup goes in. pip (certifi) is pointed at the system bundle only when such CAs exist.
CA_ENV=()
shopt -s nullglob
cas=(${HOST_CA_CERTS:-/usr/local/share/ca-certificates/*.crt})
shopt -u nullglob
if [ ${#cas[@]} -gt 0 ] && [ $REUSE = 0 ]; then
  cp "${cas[@]}" "$ROOT/usr/local/share/ca-certificates/"
  chroot "$ROOT" update-ca-certificates >/dev/null
fi
if [ ${#cas[@]} -gt 0 ]; then
  CA_ENV=(PIP_CERT=/etc/ssl/certs/ca-certificates.crt REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt)
  echo "==> network: the host's CA certificates copied in for its TLS-intercepting proxy: ${cas[*]}"
fi
# Swift packages: where github.com is not reachable and the host fetches them from a local mirror
# (SWIFT_PACKAGE_MIRROR, default: /opt/swift-packages when it exists, used through git's url.insteadOf),
# the root gets the same mirror, read-only, and the same git rewrite; nothing else of the host's git setup.
MIRROR_DIR=${SWIFT_PACKAGE_MIRROR:-/opt/swift-packages}
if [ -d "$MIRROR_DIR" ] && ! GIT_CONFIG_NOSYSTEM=1 timeout 20 git ls-remote https://github.com/apple/swift-argument-parser >/dev/null 2>&1; then
  mkdir -p "$ROOT$MIRROR_DIR"
  mount_in --bind -o ro "$MIRROR_DIR" "$ROOT$MIRROR_DIR"
  mount -o remount,bind,ro "$ROOT$MIRROR_DIR"
  [ $REUSE = 1 ] || chroot "$ROOT" git config --system url."$MIRROR_DIR/".insteadOf https://github.com/
  echo "==> network: github.com is unreachable here; Swift packages come from the host's mirror $MIRROR_DIR (read-only)"
fi
if [ $REUSE = 1 ]; then
  git -C "$ROOT/root/thaw" pull -q --ff-only "$REPO" "$BRANCH"
else
  mkdir -p "$ROOT/opt"
  cp -a "$SWIFT_ROOT" "$ROOT/opt/swift"
  git clone -q --branch "$BRANCH" "$REPO" "$ROOT/root/thaw"
fi
echo "==> Swift prerequisites, toolchain and a clone of $BRANCH at $(git -C "$ROOT/root/thaw" rev-parse --short HEAD): $(elapsed "$t")"

status=0
for step in $STEPS; do
  t=$(date +%s)
  echo "==> chroot: make $step"
  if chroot "$ROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb "${CA_ENV[@]}" \
       PATH=/opt/swift/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
       bash -c "cd /root/thaw && make $step"; then
    echo "==> make $step passed in $(elapsed "$t")"
  else
    status=$?; echo "==> make $step FAILED (exit $status) after $(elapsed "$t")"; break
  fi
done
echo "==> stock Debian check: $([ $status = 0 ] && echo passed || echo FAILED) in $(elapsed "$t0") (log $LOG)"
exit $status
