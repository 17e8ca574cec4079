#!/usr/bin/env bash
# `npm run demo`: make sure this machine can run baton's sandboxes (on Debian,
# as root: Debian's docker.io and debootstrap, a running dockerd, fonts for the
# plots), then run experiments/class-pk from a clean copy to the end.
# Without Docker, `baton demo` falls back to the local sandbox and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "demo: $*" >&2; }
can_install() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }
missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v bwrap >/dev/null || missing+=(bubblewrap)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
if [ ${#missing[@]} -gt 0 ] && can_install; then
  say "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! docker info >/dev/null 2>&1 && command -v dockerd >/dev/null && [ "$(id -u)" = 0 ]; then
  say "starting dockerd (log: /tmp/dockerd.log)"
  (dockerd >/tmp/dockerd.log 2>&1 &)
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
fi
if ! docker info >/dev/null 2>&1 && can_install && ! python3 -c 'import numpy, pytest' 2>/dev/null; then
  say "no Docker engine: installing python3-numpy and python3-pytest for the local sandbox"
  apt-get install -y -qq --no-install-recommends python3-numpy python3-pytest >/dev/null
fi
exec node bin/baton.js demo "${1:-class-pk}"
