#!/bin/sh
# Starts a throw-away PostgreSQL server for the tests: Debian's `postgresql`
# package (installed when missing), a fresh cluster in a temporary folder
# owned by an unprivileged user (`postgres` when run as root), listening on
# 127.0.0.1 only. Prints the administrative URL for PROVCHECK_TEST_PG.
#
# Usage: eval "$(scripts/pg-test-server.sh start [PORT])"   (default 55432)
#        (PG_OPTIONS="-c name=value ..." adds server settings)
#        scripts/pg-test-server.sh stop DIR
set -eu
cmd=${1:-start}
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ "$cmd" = stop ]; then
  dir=$2
  if [ "$(id -u)" = 0 ]; then
    su postgres -s /bin/sh -c "'$bindir/pg_ctl' -D '$dir/data' -m fast stop" >/dev/null
  else
    "$bindir/pg_ctl" -D "$dir/data" -m fast stop >/dev/null
  fi
  rm -rf "$dir"
  exit 0
fi
port=${2:-55432}
if [ -z "$bindir" ]; then
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql; } >/dev/null 2>&1
  bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi
dir=$(mktemp -d)
run() { "$@"; }
if [ "$(id -u)" = 0 ]; then
  chown postgres "$dir"
  run() { su postgres -s /bin/sh -c "$*"; }
fi
# Trust on the loopback only: the server is reachable from this machine alone.
run "'$bindir/initdb' -D '$dir/data' -A trust -U postgres" >/dev/null
run "'$bindir/pg_ctl' -D '$dir/data' -l '$dir/log' -w -o \"-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off ${PG_OPTIONS:-}\" start" >/dev/null
echo "PROVCHECK_TEST_PG=postgres://postgres@127.0.0.1:$port/postgres; export PROVCHECK_TEST_PG"
echo "PROVCHECK_TEST_PG_DIR=$dir; export PROVCHECK_TEST_PG_DIR"
