#!/bin/sh
# Reads at 1,000,000 articles: the river page and /api/v1/articles under
# CONNS concurrent readers (wrk on loopback), signed in as the newswire
# archive's three users in turn, and the search mix (bench1m search).
#
#   scripts/bench-1m.sh DB CREDS [SECONDS] [CONNS]
#
# DB is a SQLite file or a postgres:// URL holding the archive built by
# `go run ./cmd/bench1m build` (and `grow`; see cmd/bench1m), CREDS the
# JSON file `bench1m creds` wrote. It skips, saying so, when DB is
# absent. Needs wrk (apt-get install -y wrk). DIGEST=BINARY serves with
# that digest binary instead of one built from this checkout.
set -eu
db=${1:-}; creds=${2:-}; secs=${3:-30}; conns=${4:-50}
case "$db" in
postgres://*|postgresql://*) role=web ;;
*) role=all
	if [ ! -f "$db" ]; then echo "bench-1m: no database at '$db': skipped"; exit 0; fi ;;
esac
if [ ! -f "$creds" ]; then echo "bench-1m: no credentials file '$creds': skipped"; exit 0; fi
command -v wrk >/dev/null || { echo "bench-1m: wrk is missing (apt-get install -y wrk)"; exit 1; }
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/lib-bench.sh"
tmp=$(mktemp -d)
bench_pid=
trap '[ -n "$bench_pid" ] && kill $bench_pid 2>/dev/null; rm -rf "$tmp"' EXIT
bench_digest
bench_serve "$(bench_freeport)" --role $role --database "$db"
port=$bench_port
bench_wrk_lua "$creds" >"$tmp/wrk.lua"
echo "== $(date -u +%H:%M:%S) load: $(cut -d' ' -f1-3 /proc/loadavg)  db: $db"
for path in / /api/v1/articles; do
	# Warm the caches once, as a running server's are.
	wrk -t2 -c$conns -d5s -s "$tmp/wrk.lua" "http://127.0.0.1:$port$path" >/dev/null
	echo "== GET $path, $conns connections, ${secs}s, load: $(cut -d' ' -f1-3 /proc/loadavg)"
	# The server's CPU time per request (bench_cpu).
	t0=$(bench_cpu)
	wrk -t2 -c$conns -d${secs}s --latency --timeout 10s -s "$tmp/wrk.lua" "http://127.0.0.1:$port$path" >"$tmp/wrk.out"
	t1=$(bench_cpu)
	grep -E "Latency|50%|75%|90%|99%|Requests/sec|requests in|Non-2xx|Socket errors" "$tmp/wrk.out"
	n=$(awk '/requests in/ {print $1}' "$tmp/wrk.out")
	if [ "${n:-0}" -gt 0 ]; then echo "  server CPU: $(bench_cpu_per_request $((t1 - t0)) "$n") ms/request ($n requests)"; fi
done
