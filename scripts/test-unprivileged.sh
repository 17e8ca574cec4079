#!/usr/bin/env bash
# The attack suite's core, run again by an unprivileged user with Docker
# access (issue 12: "a core subset as an unprivileged user"). As root (CI)
# it creates the user `baton-test` in the docker group and runs the subset
# as that user; run by anyone else, the whole suite already was unprivileged.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
  echo "test-unprivileged: already running as uid $(id -u); nothing more to run"
  exit 0
fi
getent group docker >/dev/null || { echo "test-unprivileged: no docker group (is docker.io installed?)" >&2; exit 1; }
id baton-test >/dev/null 2>&1 || useradd --create-home --shell /bin/bash --groups docker baton-test
home=$(getent passwd baton-test | cut -d: -f6)
cache=$(mktemp -d /tmp/baton-unpriv-XXXXXX)
chown baton-test "$cache"
files=(test/attacks/host-git.attack.test.ts test/attacks/host-run.attack.test.ts test/attacks/command-oracle.attack.test.ts)
echo "test-unprivileged: ${files[*]} as $(id baton-test)"
# The remote-engine attacks need the loopback SSH host's key, which is root's (0600): they run in the root pass only.
runuser -u baton-test -- env HOME="$home" TMPDIR="$cache" BATON_REQUIRE_DOCKER="${BATON_REQUIRE_DOCKER:-1}" BATON_REQUIRE_SSH=0 \
  PATH="$PATH" npx vitest run --configLoader runner --config vitest.unprivileged.config.ts "${files[@]}"
