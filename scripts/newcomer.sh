#!/usr/bin/env bash
# The newcomer's path, checked end to end: a fresh clone of this checkout,
# the README's run command (digest demo) in a clean environment, the
# credentials it prints opening what they promise, and the command line's
# answer to a few first mistakes with their exit statuses. Run by
# scripts/test.sh after the suite; it needs only Go and curl.
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
demo_pid=""
cleanup() {
  [ -n "$demo_pid" ] && kill "$demo_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "newcomer.sh: $*" >&2; exit 1; }

git clone -q "$src" "$work/clone"
cd "$work/clone"
# The README's first command, as written there.
run_line="$(grep -m1 -E '^go run ./cmd/digest demo' README.md | sed 's/ *#.*//')"
[ "$run_line" = "go run ./cmd/digest demo" ] || fail "the README's first command is '$run_line'"
go build -o "$work/digest" ./cmd/digest

# No arguments: usage on stderr, exit 2.
set +e
"$work/digest" >/dev/null 2>"$work/usage"; code=$?
set -e
[ "$code" = 2 ] || fail "digest with no arguments exits $code, want 2"
grep -q "Usage: digest COMMAND" "$work/usage" || fail "digest with no arguments prints no usage"

# First mistakes: a bad URL and a loopback feed, each with its reason and fix.
expect() { # expect STATUS TEXT -- COMMAND...
  local want="$1" text="$2"; shift 3
  set +e
  env -i HOME="$work" PATH="$PATH" "$@" >"$work/out" 2>"$work/err"; local got=$?
  set -e
  [ "$got" = "$want" ] || fail "'$*' exits $got, want $want: $(cat "$work/err")"
  grep -qi -- "$text" "$work/err" || fail "'$*' does not say '$text': $(cat "$work/err")"
}
printf 'a long enough password\n' | env -i HOME="$work" PATH="$PATH" "$work/digest" user add --data "$work/data" reader >/dev/null
expect 2 "not a url" -- "$work/digest" add --data "$work/data" "not a url"
expect 1 "allow-private" -- "$work/digest" add --data "$work/data" "http://127.0.0.1:9/feed.xml"
expect 1 "no data" -- "$work/digest" export --data "$work/missing"
[ ! -e "$work/missing" ] || fail "export created the missing data folder"

# The demo, as the README runs it (through the built binary, on a free
# port): its printed credentials open the reader, the API and the apps.
env -i HOME="$work" PATH="$PATH" "$work/digest" demo --addr 127.0.0.1:0 >"$work/demo.out" 2>"$work/demo.err" &
demo_pid=$!
for _ in $(seq 600); do
  grep -q '^app password: ' "$work/demo.out" 2>/dev/null && break
  kill -0 "$demo_pid" 2>/dev/null || fail "demo ended: $(cat "$work/demo.err")"
  sleep 0.2
done
grep -q '^app password: ' "$work/demo.out" || fail "demo printed no credentials: $(cat "$work/demo.out")"
login="$(sed -n 's/^login: //p' "$work/demo.out")"
key="$(sed -n 's/^api key: //p' "$work/demo.out")"
base="${login%%/login/*}"
curl -fsS "$base/healthz" >/dev/null || fail "healthz"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/api/v1/feeds")" = 401 ] || fail "the API answers without a key"
curl -fsS -H "Authorization: Bearer $key" "$base/api/v1/stories?limit=3" | grep -q '"headline"' || fail "no stories through the API key"
page="$(curl -fsSL -c "$work/jar" -b "$work/jar" "$login")"
echo "$page" | grep -q 'Top stories\|TOP STORIES\|Top Stories' || fail "the login link does not open the front page"
echo "newcomer.sh: fresh clone, demo, credentials and first mistakes all as the README says"
