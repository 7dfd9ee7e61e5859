#!/usr/bin/env bash
# run-postgres.sh TEST-PROGRAM [ARGS]
#
# Runs the server tests against a throwaway PostgreSQL 15 cluster: initdb in a temp
# directory (as the postgres user when run as root, since initdb refuses root), trust
# auth, 127.0.0.1 on a free port, stopped and removed on exit whatever happens.
# Only the test program writes to stdout (TAP); everything else goes to stderr.
set -euo pipefail

bindir=${GP_PG_BINDIR:-/usr/lib/postgresql/15/bin}
test_program=$1
shift

as_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

dir=$(mktemp -d /tmp/gigpilot-pg.XXXXXX)
chmod 755 "$dir"
if [ "$(id -u)" = 0 ]; then
  chown postgres "$dir"
fi

cleanup() {
  as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >&2 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

if ! as_pg "$bindir/initdb" -D "$dir/data" -A trust -U gp >"$dir/initdb.log" 2>&1; then
  cat "$dir/initdb.log" >&2
  exit 1
fi
if ! as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w \
    -o "-k $dir -c listen_addresses=127.0.0.1 -p $port -c synchronous_commit=on -c max_connections=50" \
    start >&2; then
  cat "$dir/postgres.log" >&2
  exit 1
fi

export GP_TEST_DATABASE="postgresql://gp@127.0.0.1:$port/postgres"
rc=0
"$test_program" "$@" || rc=$?
if [ $rc != 0 ]; then
  tail -n 50 "$dir/postgres.log" >&2 || true
fi
exit $rc
