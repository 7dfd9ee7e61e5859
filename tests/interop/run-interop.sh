#!/usr/bin/env bash
# run-interop.sh BUILD-DIR [--install-only]
#
# Installs the pinned WatermelonDB client (package-lock.json) into BUILD-DIR with
# `npm ci` when it is missing or the lock file changed, then runs interop.js against
# $GIGPILOT_SERVER (over $GP_TEST_DATABASE when set, else a temporary SQLite file).
# A failed install fails the test: it never skips.
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dest=$1
node=${NODE:-node}

if ! command -v "$node" >/dev/null 2>&1; then
  echo "interop: node is not installed" >&2
  exit 1
fi

mkdir -p "$dest"
# Both interop tests (SQLite, PostgreSQL) share one install; the lock serialises it.
exec 9>"$dest.lock"
flock 9
if [ ! -d "$dest/node_modules/@nozbe/watermelondb" ] || ! cmp -s "$src/package-lock.json" "$dest/package-lock.json"; then
  cp "$src/package.json" "$src/package-lock.json" "$dest/"
  if ! (cd "$dest" && npm ci --no-audit --no-fund --loglevel=error) >&2; then
    echo "interop: npm ci failed" >&2
    rm -f "$dest/package-lock.json"
    exit 1
  fi
fi
flock -u 9
# build-aux/bench only needs the client installed (tests/bench/bench-watermelon.js).
[ "${2:-}" = --install-only ] && exit 0

NODE_PATH="$dest/node_modules" exec "$node" "$src/interop.js"
