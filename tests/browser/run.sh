#!/usr/bin/env bash
# tests/browser/run.sh — the diner page in a real browser: Debian's Chromium
# driven by playwright-core (never a downloaded browser), against a qrorder
# server of its own (fresh SQLite file, its own Redis key prefix), seeded
# with the demo restaurant. Installs what is missing (chromium, fonts for
# Korean, node, the npm packages from package-lock.json).
# Environment: TEST_REDIS_URL (default redis://127.0.0.1:6379),
# QRORDER_TEST_SCREENSHOTS (default /tmp/qrorder-screenshots), CHROMIUM.
# Arguments are passed to `node --test` (e.g. --test-name-pattern=Korean).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/../../scripts/lib/common.sh"
cd "$ROOT"

need_cargo
apt_install chromium fonts-noto-core fonts-noto-cjk redis-tools python3 curl poppler-utils zbar-tools
# Node may come from elsewhere than Debian (its npm then comes with it).
command -v node >/dev/null || apt_install nodejs
command -v npm >/dev/null || apt_install npm
if [ ! -d "$HERE/node_modules/playwright-core" ]; then
    log "installing the browser tests' npm packages"
    (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
fi

WORK=$(mktemp -d)
export TEST_REDIS_URL
TEST_REDIS_URL=$(ensure_redis "${TEST_REDIS_URL:-redis://127.0.0.1:6379}" "$ROOT/target/test-services")

log "building qrorder"
# The whole workspace with its tests, as scripts/test builds it: the same
# features, so after the Rust tests this builds nothing again.
cargo build --quiet --workspace --all-targets
QRORDER="${CARGO_TARGET_DIR:-$ROOT/target}/debug/qrorder"

port=$(free_port)
export QRORDER__DATABASE_URL="sqlite:$WORK/qrorder.db"
export QRORDER__MEDIA_DIR="$WORK/media"
export QRORDER__LISTEN="127.0.0.1:$port"
export QRORDER__PUBLIC_BASE_URL="http://127.0.0.1:$port"
export QRORDER__REDIS_URL="$TEST_REDIS_URL"
export QRORDER__REDIS_PREFIX="qrorder-browser-$$-$RANDOM"
# The console's tests sign the demo owner in again and again from one
# address, more often than the login limit allows a person; the limit has
# its own API tests (server/tests/api/auth.rs).
export QRORDER__LOGIN_ATTEMPTS_PER_WINDOW=1000

"$QRORDER" seed-demo --json > "$WORK/seed.json"
"$QRORDER" serve > "$WORK/server.log" 2>&1 &
SERVER=$!
cleanup() {
    kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null
    redis-cli -u "$TEST_REDIS_URL" --scan --pattern "$QRORDER__REDIS_PREFIX:*" 2>/dev/null \
        | xargs -r redis-cli -u "$TEST_REDIS_URL" del >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
wait_until 60 curl -sf "http://127.0.0.1:$port/healthz" || { tail -50 "$WORK/server.log" >&2; die "the server did not come up"; }

export QRORDER_TEST_BASE_URL="http://127.0.0.1:$port"
export QRORDER_TEST_SEED="$WORK/seed.json"
export QRORDER_TEST_REDIS_URL="$TEST_REDIS_URL"
log "browser tests against $QRORDER_TEST_BASE_URL (screenshots in ${QRORDER_TEST_SCREENSHOTS:-/tmp/qrorder-screenshots})"
cd "$HERE"
status=0
node --test --test-concurrency=1 "$@" ./*.test.js || status=$?
if [ "$status" != 0 ]; then
    log "the server's last log lines:"
    tail -40 "$WORK/server.log" >&2
fi
exit "$status"
