#!/usr/bin/env bash
# tests/deploy/demo.sh — scripts/demo end to end, in a data directory of
# its own: it comes up and prints its URLs, an order from the diner API
# prints on its virtual printer through the kitchen display, which runs on
# its own Redis user; the demo's Redis has its default user off; a Redis
# already running on the machine is left as it was; Ctrl-C (SIGTERM) stops
# everything, the demo's Redis too.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

apt_install python3 curl redis-tools
machine_users() { redis-cli -p 6379 acl list 2>/dev/null || true; }
before=$(machine_users)

export QRORDER_DEMO_DATA="$WORK/demo"
unset DISPLAY WAYLAND_DISPLAY QRORDER__REDIS_URL QRORDER__REDIS_DEVICE_ACL
QRORDER__LISTEN="127.0.0.1:$(free_port)" scripts/demo > "$WORK/demo.log" 2>&1 &
DEMO_PID=$!
STARTED+=("$DEMO_PID")
demo_up() { grep -q "Kitchen display  running headless" "$WORK/demo.log" || { kill -0 "$DEMO_PID" 2>/dev/null || fail "scripts/demo exited (see demo.log)"; return 1; }; }
# The first run builds the binaries.
wait_until 900 demo_up || fail "scripts/demo did not come up (see demo.log)"
for what in "Console " "Owner login" "Ready check" "Diner pages" "Redis "; do
    grep -q "$what" "$WORK/demo.log" || fail "scripts/demo does not print its $what"
done
grep -q "Ready check.*-> *ready" "$WORK/demo.log" || fail "the demo's /readyz is not ready: $(grep 'Ready check' "$WORK/demo.log")"
pass "scripts/demo is up and prints the console, the owner's login, the tables' URLs and its Redis"

redis=$(sed -nE 's#^  Redis +(redis://[0-9.:]+).*#\1#p' "$WORK/demo.log")
[ -n "$redis" ] || fail "no Redis address in the demo's summary"
[ "$redis" != "redis://127.0.0.1:6379" ] || fail "the demo uses the machine's Redis"
out=$(redis-cli -u "$redis" ping 2>&1) || true
grep -q NOAUTH <<<"$out" || fail "the demo's Redis lets the default user in: $out"
grep -q '^redis_username' "$QRORDER_DEMO_DATA/kds/paired.toml" || fail "the display has no Redis user of its own"
pass "the demo's Redis ($redis): default user off; the display paired with a Redis user of its own"

# The diner API and the printer of the demo, for place_order and printed.
API=$(sed -nE 's#^  Console +(http://[0-9.:]+)/admin.*#\1#p' "$WORK/demo.log")
CONTROL_PORT=$(sed -nE 's#.*curl -X POST 127\.0\.0\.1:([0-9]+)/state.*#\1#p' "$WORK/demo.log")
SEED="$QRORDER_DEMO_DATA/demo.json"
NUMBER=$(place_order Japchae) || fail "the demo's diner API did not accept an order"
wait_until 30 printed "$NUMBER" Japchae || fail "order $NUMBER did not print within 30 s"
pass "an order from the diner API (number $NUMBER) printed on the demo's virtual printer"

pidfile=$(ls "$QRORDER_DEMO_DATA"/redis/redis-*.pid)
redis_pid=$(cat "$pidfile")
kill -TERM "$DEMO_PID"; wait "$DEMO_PID" 2>/dev/null || true
STARTED=()
gone() { ! kill -0 "$redis_pid" 2>/dev/null; }
wait_until 10 gone || fail "the demo's redis-server ($redis_pid) still runs after the demo stopped"
[ "$(machine_users)" = "$before" ] || fail "the machine's Redis users changed"
pass "SIGTERM stops the demo and its Redis; the machine's Redis is as it was"
