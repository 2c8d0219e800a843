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
# absent. Needs wrk (apt-get install -y wrk).
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
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
(cd "$root" && go build -o "$tmp/digest" ./cmd/digest)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$tmp/digest" serve --role $role --addr 127.0.0.1:$port --data "$tmp/data" --database "$db" --log-level warn >"$tmp/serve.log" 2>&1 &
pid=$!
for i in $(seq 100); do curl -sf -o /dev/null http://127.0.0.1:$port/healthz && break; sleep 0.2; done
python3 - "$creds" >"$tmp/wrk.lua" <<'PY'
import json, sys
cs = json.load(open(sys.argv[1]))
print("local cookies = {" + ",".join('"%s"' % c["cookie"] for c in cs) + "}")
print("local keys = {" + ",".join('"%s"' % c["api_key"] for c in cs) + "}")
print('''local i = 0
request = function()
  i = i + 1
  local k = (i % #cookies) + 1
  if string.find(wrk.path, "/api/") then
    return wrk.format("GET", wrk.path, {["Authorization"] = "Bearer " .. keys[k]})
  end
  return wrk.format("GET", wrk.path, {["Cookie"] = cookies[k]})
end''')
PY
echo "== $(date -u +%H:%M:%S) load: $(cut -d' ' -f1-3 /proc/loadavg)  db: $db"
for path in / /api/v1/articles; do
	# Warm the caches once, as a running server's are.
	wrk -t2 -c$conns -d5s -s "$tmp/wrk.lua" "http://127.0.0.1:$port$path" >/dev/null
	echo "== GET $path, $conns connections, ${secs}s, load: $(cut -d' ' -f1-3 /proc/loadavg)"
	# The server's CPU time per request (utime+stime in clock ticks,
	# /proc/PID/stat) says what a request costs when the machine is
	# shared and latencies say more about the other processes.
	t0=$(awk '{print $14+$15}' /proc/$pid/stat)
	wrk -t2 -c$conns -d${secs}s --latency --timeout 10s -s "$tmp/wrk.lua" "http://127.0.0.1:$port$path" >"$tmp/wrk.out"
	t1=$(awk '{print $14+$15}' /proc/$pid/stat)
	grep -E "Latency|50%|75%|90%|99%|Requests/sec|requests in|Non-2xx|Socket errors" "$tmp/wrk.out"
	n=$(awk '/requests in/ {print $1}' "$tmp/wrk.out")
	awk -v t=$((t1 - t0)) -v n="$n" -v hz="$(getconf CLK_TCK)" 'BEGIN { if (n > 0) printf "  server CPU: %.2f ms/request (%d requests)\n", t * 1000 / hz / n, n }'
done
