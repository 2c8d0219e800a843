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
# npm installs axe-core, which web's accessibility test runs in Chromium.
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  echo "test.sh: installing ${need[*]} with apt-get" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# axe-core goes into the user's cache directory (where web/a11y_test.go
# looks for it: Go's os.UserCacheDir), never into the repository. Set
# DIGEST_AXE=path/to/axe.min.js to use another copy.
axe_version=4.14.1
axe_dir="${XDG_CACHE_HOME:-$HOME/.cache}/occasional-digest/axe"
if [ -z "${DIGEST_AXE:-}" ] && [ "$(cat "$axe_dir/version" 2>/dev/null)" != "$axe_version" ]; then
  echo "test.sh: installing axe-core $axe_version with npm into $axe_dir" >&2
  mkdir -p "$axe_dir"
  npm install --prefix "$axe_dir" --no-audit --no-fund --no-save --silent "axe-core@$axe_version" >/dev/null
  echo "$axe_version" > "$axe_dir/version"
fi

# PostgreSQL for store/postgres's conformance run, which must not be
# skipped: Debian's cluster, installed and started when missing, trusting
# loopback logins, with a database "test".
if [ -z "${DIGEST_TEST_POSTGRES:-}" ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  if ! ls /etc/postgresql/*/main/postgresql.conf >/dev/null 2>&1; then
    echo "test.sh: installing postgresql with apt-get" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  fi
  pgv=$(ls /etc/postgresql | sort -V | tail -n 1)
  if ! grep -Eq '^host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "/etc/postgresql/$pgv/main/pg_hba.conf"; then
    $SUDO sed -i '1i host all all 127.0.0.1/32 trust' "/etc/postgresql/$pgv/main/pg_hba.conf"
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$pgv" main reload 2>/dev/null || true
  fi
  pg_isready -q -h 127.0.0.1 -p 5432 || $SUDO pg_ctlcluster --skip-systemctl-redirect "$pgv" main start
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  [ "$(psql -h 127.0.0.1 -U postgres -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = 'test'")" = 1 ] ||
    psql -h 127.0.0.1 -U postgres -d postgres -qc "CREATE DATABASE test"
  export DIGEST_TEST_POSTGRES="postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
fi

# Screenshots of every page (light, dark, 360 and 1280 px) land in the
# test output folder, for a reviewer to look at without running anything.
export DIGEST_SCREENSHOTS="${DIGEST_SCREENSHOTS:-$PWD/test-output/screenshots}"
mkdir -p "$DIGEST_SCREENSHOTS"

go vet ./...
go test -count=1 -timeout 40m ./... "$@"
# A newcomer's path from a fresh clone: the README's demo and first mistakes.
./scripts/newcomer.sh
