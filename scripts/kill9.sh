#!/usr/bin/env bash
# Crash-safety check: kill -9 `provcheck corpus build` of 1,000 files at
# random moments; after every kill the database must be consistent (SQLite:
# its integrity check; PostgreSQL: every stored file has all its hash rows
# and the change sequence covers every row), and a final uninterrupted build
# must hold exactly the right files and context records.
#
# Usage: scripts/kill9.sh [ROUNDS]   (default 20; PROVCHECK_BIN picks the
# binary, KILL_WINDOW the longest wait before a kill in seconds, default 6;
# KILL_PG=an administrative PostgreSQL URL runs it on a fresh database of
# that server instead of a SQLite file, e.g. the PROVCHECK_TEST_PG of
# scripts/pg-test-server.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-20}
bin=${PROVCHECK_BIN:-target/release/provcheck}
[ -x "$bin" ] || { echo "build $bin first (cargo build --release)"; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -n "${KILL_PG:-}" ]; then
  name=provcheck_kill9_$$
  psql -q -d "$KILL_PG" -c "CREATE DATABASE $name"
  trap 'psql -q -d "$KILL_PG" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)"; rm -rf "$work"' EXIT
  # The same URL naming the new database.
  db=$(printf '%s' "$KILL_PG" | sed -E "s#^(postgres(ql)?://[^/]*)(/[^?]*)?#\1/$name#")
fi
mkdir "$work/refs"
ctx="$work/refs/context.csv"
echo "path,publisher,published" > "$ctx"
i=0
while [ "$i" -lt 1000 ]; do
  for f in tests/fixtures/*.jpg; do
    [ "$i" -ge 1000 ] && break
    cp "$f" "$work/refs/$i.jpg"
    # Bytes of its own after the image (a PostgreSQL corpus keeps one
    # reference per distinct SHA-256, whatever its paths).
    printf '%s' "$i" >> "$work/refs/$i.jpg"
    echo "$i.jpg,Kill test $i,2020-01-01" >> "$ctx"
    i=$((i + 1))
  done
done
if [ -z "${KILL_PG:-}" ]; then
  db="$work/corpus.db"
  sql() { python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$db" "$1"; }
  consistent() { sql "PRAGMA integrity_check"; }
  stored() { [ -f "$db" ]; }
else
  sql() { psql -qAt -d "$db" -c "$1"; }
  # Every file has its four hash rows (none half written), and no row is
  # stamped past the change sequence (an index refresh would miss it).
  consistent() {
    sql "SELECT CASE WHEN
           (SELECT COUNT(*) FROM files f WHERE (SELECT COUNT(*) FROM hashes h WHERE h.file_id = f.id) <> 4) = 0
           AND (SELECT COALESCE(MAX(change_seq), 0) FROM files) <= (SELECT seq FROM provcheck_changes)
         THEN 'ok' ELSE 'inconsistent' END"
  }
  stored() { [ "$(sql "SELECT to_regclass('provcheck_changes') IS NOT NULL")" = t ]; }
fi
for round in $(seq "$rounds"); do
  "$bin" -q --db "$db" corpus build "$work/refs" --context "$ctx" > /dev/null 2>&1 &
  pid=$!
  # A random moment within the first few seconds (a chunk of 128 files is
  # committed about every second on a 2-core machine in a release build).
  t=$(( (RANDOM % (${KILL_WINDOW:-6} * 10)) + 2 ))
  sleep "$(( t / 10 )).$(( t % 10 ))"
  kill -9 "$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null || true
  if stored; then
    check=$(consistent)
    [ "$check" = "ok" ] || { echo "round $round: integrity check says: $check"; exit 1; }
    echo "round $round: killed with $(sql 'SELECT COUNT(*) FROM files') files stored; integrity ok"
  fi
done
"$bin" -q --db "$db" corpus build "$work/refs" --context "$ctx" > /dev/null
files=$(sql "SELECT COUNT(*) FROM files")
contexts=$(sql "SELECT COUNT(*) FROM contexts")
hashed=$(sql "SELECT COUNT(DISTINCT file_id) FROM hashes")
echo "after a full build: $files files, $hashed hashed, $contexts contexts"
[ "$files" = 1000 ] && [ "$hashed" = 1000 ] && [ "$contexts" = 1000 ] || { echo "FAIL: expected 1000 of each"; exit 1; }
echo "kill -9 check passed ($rounds rounds)"
