#!/usr/bin/env bash
# The long kill -9 benchmark of issues #14 and #10: the crash tests of
# cmd/digest (crash_*_test.go) at benchmark size, with real processes (the
# digest binary and the feed farm, built by the tests with go build).
#
#   scripts/crash-bench.sh [FEEDS] [RUNS]
#
# FEEDS (default 3000) farm feeds of 20 items for the SQLite test (five
# SIGKILLs of digest serve, three in the first refresh and two in
# post-processing, then a restart that must settle); PostgreSQL tests use
# FEEDS/4 (kill -9 of a worker mid-refresh and of the story engine's
# leader; one, two and three workers; the database cut away and back),
# when DIGEST_TEST_POSTGRES is set. RUNS (default 1) repeats the SQLite
# test with a new kill seed each time. Each run's figures (entries,
# missing, duplicates, pending after settle, time to settle) are in the
# log: $DIGEST_CRASH_OUT (default /work/data/crash or ./crash-out).
# Set DIGEST_CRASH_SEED to repeat a run's kill points.
set -euo pipefail
cd "$(dirname "$0")/.."
feeds="${1:-3000}"
runs="${2:-1}"
out="${DIGEST_CRASH_OUT:-}"
if [ -z "$out" ]; then
  if [ -d /work/data ]; then out=/work/data/crash; else out=./crash-out; fi
fi
mkdir -p "$out"
log="$out/crash-bench-$(date -u +%Y%m%dT%H%M%SZ).log"
echo "crash-bench: $feeds feeds, $runs run(s); log $log; load: $(uptime)" | tee "$log"

for i in $(seq 1 "$runs"); do
  echo "== SQLite run $i" | tee -a "$log"
  DIGEST_CRASH_FEEDS="$feeds" DIGEST_CRASH_DATA="$out" DIGEST_CRASH_SETTLE_MINUTES=60 \
    go test ./cmd/digest -run '^TestKill9SQLiteSettles$' -count=1 -v -timeout 3h 2>&1 | grep --line-buffered -v '^=== ' | tee -a "$log"
done
rm -rf "$out/sqlite"

if [ -n "${DIGEST_TEST_POSTGRES:-}" ]; then
  echo "== PostgreSQL" | tee -a "$log"
  DIGEST_CRASH_FEEDS="$feeds" DIGEST_CRASH_PG_FEEDS=$((feeds / 4)) \
    go test ./cmd/digest -run '^(TestKill9PostgresWorkers|TestWorkersFetchOnceSameStories|TestDatabaseAwayDuringRefreshProcesses)$' \
    -count=1 -v -timeout 3h 2>&1 | grep --line-buffered -v '^=== ' | tee -a "$log"
fi
echo "crash-bench: done; load: $(uptime)" | tee -a "$log"
