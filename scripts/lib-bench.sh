# What the benchmark scripts that serve an archive to wrk share: sourced
# (`. "$root/scripts/lib-bench.sh"`) by bench-1m.sh and
# bench-reads-ingest.sh, which set root (the checkout) and tmp (their
# scratch folder) first.

# bench_freeport prints a free TCP port on loopback.
bench_freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# bench_digest puts the digest binary at $tmp/digest: a copy of $DIGEST
# when set (to compare two builds on one archive), else one built from
# the checkout.
bench_digest() {
	if [ -n "${DIGEST:-}" ]; then
		cp "$DIGEST" "$tmp/digest"
	else
		(cd "$root" && go build -o "$tmp/digest" ./cmd/digest)
	fi
}

# bench_serve PORT [FLAG...]: starts `digest serve` on 127.0.0.1:PORT with
# its data in $tmp/data and its log in $tmp/serve.log, sets bench_pid, and
# waits (up to a minute) until /healthz answers.
bench_serve() {
	bench_port=$1; shift
	"$tmp/digest" serve --addr 127.0.0.1:$bench_port --data "$tmp/data" --log-level warn "$@" >"$tmp/serve.log" 2>&1 &
	bench_pid=$!
	for i in $(seq 600); do curl -sf -o /dev/null http://127.0.0.1:$bench_port/healthz && return 0; sleep 0.1; done
	echo "bench: the server did not answer /healthz within a minute (log: $tmp/serve.log)" >&2
	return 1
}

# bench_wrk_lua CREDS prints wrk's script that signs requests in as the
# archive's users in turn: a session cookie for pages, the API key for
# /api/ paths.
bench_wrk_lua() {
	python3 - "$1" <<'PY'
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
}

# bench_cpu prints the server's CPU time so far, in clock ticks
# (utime+stime, /proc/PID/stat): what a request costs when the machine is
# shared and latencies say more about the other processes.
bench_cpu() { awk '{print $14+$15}' /proc/$bench_pid/stat; }

# bench_cpu_per_request TICKS REQUESTS prints the CPU milliseconds per
# request.
bench_cpu_per_request() {
	awk -v t="$1" -v n="$2" -v hz="$(getconf CLK_TCK)" 'BEGIN { if (n > 0) printf "%.2f", t * 1000 / hz / n }'
}
