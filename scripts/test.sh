#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: installs what the tests need
# when it is missing (Debian's chromium for the browser tests, newsboat and
# tmux for greader's real-client test), then runs
# go vet and go test. Long benchmarks stay out (see bench/ and scripts/).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# newsboat is a real client: of Google Reader for greader's tests (tmux
# drives it) and of Miniflux for miniflux's tests.
command -v newsboat >/dev/null 2>&1 || need+=(newsboat)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
if [ ${#need[@]} -gt 0 ]; then
  echo "test.sh: installing ${need[*]} with apt-get" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

go vet ./...
go test -count=1 -timeout 15m ./... "$@"
