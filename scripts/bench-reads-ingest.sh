#!/bin/sh
# Reads under ingest (issue #14): the river page and /api/v1/articles under
# CONNS concurrent readers (wrk on loopback) over a SQLite archive, first
# idle, then while the server's own pipeline fetches and stores a refresh
# of ITEMS×FEEDS new entries from the feed farm. Prints p50/p99/req/s per
# endpoint and phase, the server's CPU per request, its RSS (idle, and the
# highest sampled during ingest) and VmHWM.
#
#   scripts/bench-reads-ingest.sh DB CREDS [SECONDS] [CONNS] [FEEDS] [ITEMS]
#
# DB is a SQLite archive built by `go run ./cmd/bench1m build -db DB -n
# 200000` and CREDS the JSON file it wrote (DB.creds.json). The server runs
# on a copy of DB (the archive stays as it was). Each endpoint gets its own
# refresh: the first user of CREDS subscribes (OPML import through the API)
# to FEEDS farm feeds just before the river is measured and to FEEDS other
# ones before the API is, so both are measured while entries pour in; each
# run says how many entries were stored while it lasted and how many
# articles' post-processing was done per second, and the river and API
# are measured once more, once every entry is stored, while the post
# queue is worked off. It
# skips, saying so, when DB or CREDS is absent. Needs wrk (apt-get install
# -y wrk), curl, python3 and Go; the farm is built from FARM (default
# /work/shared/tools/feedfarm). DUMP=1 adds a third refresh, sends SIGQUIT
# to the server halfway through a last river run during it and keeps the
# goroutine dump (path printed): who waits on what. PROFILE=DIR serves
# with --pprof and writes a CPU profile of the server during each run to
# DIR (idle-.pprof, ingest-api-v1-articles.pprof, ...) for `go tool
# pprof`. DIGEST=BINARY serves with that digest binary instead of one
# built from this checkout (to compare two builds on copies of one
# archive).
set -eu
db=${1:-}; creds=${2:-}; secs=${3:-30}; conns=${4:-50}; feeds=${5:-1000}; items=${6:-20}
farmsrc=${FARM:-/work/shared/tools/feedfarm}
if [ ! -f "$db" ]; then echo "bench-reads-ingest: no database at '$db': skipped"; exit 0; fi
if [ ! -f "$creds" ]; then echo "bench-reads-ingest: no credentials file '$creds': skipped"; exit 0; fi
command -v wrk >/dev/null || { echo "bench-reads-ingest: wrk is missing (apt-get install -y wrk)"; exit 1; }
[ -d "$farmsrc" ] || { echo "bench-reads-ingest: no feed farm source at '$farmsrc' (set FARM)"; exit 1; }
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/lib-bench.sh"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-reads-ingest.XXXXXX")
bench_pid=; farm=; sampler=
cleanup() {
	for p in $sampler $bench_pid $farm; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ "${KEEP:-0}" = 1 ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

bench_digest
(cd "$farmsrc" && go build -o "$tmp/feedfarm" .)
cp "$db" "$tmp/db"
[ -f "$db-wal" ] && cp "$db-wal" "$tmp/db-wal"

fport=$(bench_freeport)
"$tmp/feedfarm" -addr 127.0.0.1:$fport -feeds $((3 * feeds)) -items "$items" -seed 1 -warm >"$tmp/farm.log" 2>&1 &
farm=$!
for i in $(seq 300); do curl -sf -o /dev/null http://127.0.0.1:$fport/stats && break; sleep 0.2; done

mport=$(bench_freeport)
t0=$(date +%s.%N)
bench_serve "$(bench_freeport)" --metrics-addr 127.0.0.1:$mport --database "$tmp/db" --allow-private ${PROFILE:+--pprof}
pid=$bench_pid; port=$bench_port
t1=$(date +%s.%N)
for i in $(seq 1200); do curl -sf -o /dev/null http://127.0.0.1:$port/readyz && break; sleep 0.5; done
t2=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" -v c="$t2" 'BEGIN { printf "start: healthz after %.1f s, readyz after %.1f s\n", b - a, c - a }'

bench_wrk_lua "$creds" >"$tmp/wrk.lua"
key=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["api_key"])' "$creds")

rss() { awk '/^VmRSS/ {print int($2/1024)}' /proc/$pid/status; }
hwm() { awk '/^VmHWM/ {print int($2/1024)}' /proc/$pid/status; }
created() { curl -sf http://127.0.0.1:$mport/metrics | awk '/^digest_articles_total\{change="created"\}/ {print $2+0}'; }
queued() { curl -sf http://127.0.0.1:$mport/metrics | awk '/^digest_post_queue_depth/ {print $2+0}'; }

subscribe() { # FROM: import FEEDS farm feeds from FROM on, through the API
	curl -sf "http://127.0.0.1:$fport/opml?from=$1&n=$feeds" |
		curl -sf -o /dev/null -X POST -H "Authorization: Bearer $key" -H 'Content-Type: text/x-opml' \
			--data-binary @- http://127.0.0.1:$port/api/v1/imports
}

# measure PATH LABEL [FROM]: one wrk run of SECS seconds after a 5 s
# warm-up, with the server's CPU time per request (bench_cpu); with FROM, the first user subscribes to FEEDS farm feeds
# from FROM on between the warm-up and the run.
measure() {
	wrk -t2 -c"$conns" -d5s -s "$tmp/wrk.lua" "http://127.0.0.1:$port$1" >/dev/null
	[ $# -lt 3 ] || subscribe "$3"
	c0=$(created); q0=$(queued); t0=$(bench_cpu); prof=
	if [ -n "${PROFILE:-}" ]; then
		curl -sf -o "$PROFILE/$2$(echo "$1" | tr / -).pprof" "http://127.0.0.1:$mport/debug/pprof/profile?seconds=$((secs - 2))" &
		prof=$!
	fi
	wrk -t2 -c"$conns" -d"${secs}s" --latency --timeout 10s -s "$tmp/wrk.lua" "http://127.0.0.1:$port$1" >"$tmp/wrk.out"
	t1=$(bench_cpu); c1=$(created); q1=$(queued)
	[ -z "$prof" ] || wait "$prof" || echo "  (no CPU profile: $PROFILE)"
	n=$(awk '/requests in/ {print $1}' "$tmp/wrk.out")
	awk -v label="$2 GET $1" -v ldavg="$(cut -d' ' -f1 /proc/loadavg)" '
		/ 50%/ {p50=$2} / 99%/ {p99=$2} /Requests\/sec/ {rps=$2} /Non-2xx/ {bad=$NF} /Socket errors/ {sock=$0}
		END { printf "%-28s p50 %-9s p99 %-9s %8s req/s  load %s%s%s\n", label, p50, p99, rps, ldavg, bad ? "  non-2xx " bad : "", sock ? "  " sock : "" }' "$tmp/wrk.out"
	awk -v t=$((t1 - t0)) -v n="$n" -v hz="$(getconf CLK_TCK)" -v d="$secs" -v c0="$c0" -v c1="$c1" -v q0="$q0" -v q1="$q1" \
		'BEGIN { if (n > 0) printf "  server CPU %.2f ms/request (%.0f%% of a core); entries created during the run: %d; post queue %d -> %d", t*1000/hz/n, t*100/hz/d, c1-c0, q0, q1
			# Articles that left the post queue per second: the
			# post-processing throughput (in the ingest runs, new ones
			# are queued meanwhile).
			if (n > 0) printf " (%.1f articles/s worked off)\n", (q0 + (c1 - c0) - q1) / d }'
}

echo "== $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg); db $db; $conns connections, ${secs}s per run; digest ${DIGEST:-built from $root}"
echo "== idle"
measure / idle
measure /api/v1/articles idle
echo "RSS idle: $(rss) MB (VmHWM so far $(hwm) MB)"

# A sampler keeps the highest RSS seen from the first import on.
( peak=0; while kill -0 $pid 2>/dev/null; do r=$(rss 2>/dev/null || echo 0); [ "${r:-0}" -gt $peak ] && peak=$r && echo $peak >"$tmp/peak"; sleep 0.5; done ) &
sampler=$!

echo "== under ingest ($feeds feeds × $items items per endpoint)"
before=$(created)
measure / ingest 0
measure /api/v1/articles ingest "$feeds"
# On a loaded machine the refresh may outlast its runs: the post phase
# starts once all its entries are stored (up to 5 minutes), so that it
# measures post-processing alone.
for i in $(seq 300); do [ $(($(created) - before)) -ge $((2 * feeds * items)) ] && break; sleep 1; done
# The entries are stored within seconds; their post-processing (page
# extraction: the farm's links 404; icons; the story engine) takes longer.
if [ "$(queued)" -gt 0 ]; then
	echo "== while post-processing works off $(queued) queued articles"
	measure / post
	measure /api/v1/articles post
fi
echo "RSS: highest sampled under ingest $(cat "$tmp/peak" 2>/dev/null || echo '?') MB; VmHWM $(hwm 2>/dev/null || echo '?') MB; now $(rss 2>/dev/null || echo '?') MB"
echo "entries created since start: $(created 2>/dev/null || echo '?'); post queue $(queued 2>/dev/null || echo '?')"
if [ "${DUMP:-0}" = 1 ]; then
	subscribe "$((2 * feeds))"
	( sleep $((secs / 2)); kill -QUIT $pid ) &
	wrk -t2 -c"$conns" -d"${secs}s" -s "$tmp/wrk.lua" "http://127.0.0.1:$port/" >/dev/null 2>&1 || true
	KEEP=1; echo "goroutine dump: $tmp/serve.log"
fi
