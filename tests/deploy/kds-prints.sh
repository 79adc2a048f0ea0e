#!/usr/bin/env bash
# tests/deploy/kds-prints.sh [--aarch64|--window] — the kitchen display as the Pi image
# runs it: `kds --headless --config images/kds-pi/kds.toml` (the example
# config of the image, so this also proves kds accepts it), with only the
# site-specific values overridden by KDS__ variables, joins the stream of a
# test Redis and prints an order XADDed there on the (native) virtual printer;
# the stream entry is acknowledged after the print.
# --aarch64: the cross-built binary (scripts/build-pi) under qemu-user.
# --window: with its window (no --headless) on an Xvfb display: the window is
# mapped under its title and the device prints as it does headless.
# Environment: TEST_REDIS_URL (default redis://127.0.0.1:6379).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ARCH=native
[ "${1:-}" = --aarch64 ] && ARCH=aarch64
MODE=(--headless)
[ "${1:-}" = --window ] && MODE=()
apt_install curl file python3
if [ "$ARCH" = aarch64 ]; then
    # All three binaries, as the image and the acceptance need them (and
    # one feature set, so that repeated runs rebuild nothing).
    BUILT=$(scripts/build-pi)
    for b in kds qrorder virtual-printer; do
        f=$(grep "/$b\$" <<<"$BUILT") || fail "scripts/build-pi did not report $b"
        file -b "$f" | grep -q "ARM aarch64" || fail "$f is not an aarch64 binary"
    done
    KDS_BIN=$(grep '/kds$' <<<"$BUILT")
    pass "scripts/build-pi built aarch64 kds, qrorder and virtual-printer ($(file -b "$KDS_BIN" | cut -d, -f1-2))"
    KDS=(qemu-aarch64-static -L /usr/aarch64-linux-gnu "$KDS_BIN")
    "${KDS[@]}" --version >/dev/null || fail "aarch64 kds does not run under qemu-user"
    pass "aarch64 kds --version runs under qemu-user"
    # kds runs threads (tokio). On some hosts qemu-user hangs in the guest's
    # first pthread_create (seen on a 6.18 kernel with qemu 7.2 and 10.0):
    # tell that apart from a kds bug with a five-line C program.
    printf '%s\n' '#include <pthread.h>' '#include <stdio.h>' 'static void *f(void *a) { return a; }' \
        'int main(void) { pthread_t t; pthread_create(&t, 0, f, 0); pthread_join(t, 0); puts("ok"); return 0; }' \
        > "$WORK/thread-probe.c"
    aarch64-linux-gnu-gcc -O1 -pthread "$WORK/thread-probe.c" -o "$WORK/thread-probe"
    timeout 20 qemu-aarch64-static -L /usr/aarch64-linux-gnu "$WORK/thread-probe" >/dev/null \
        || fail "qemu-user on this host cannot start a thread in an aarch64 program (kernel $(uname -r), $(qemu-aarch64-static --version | head -n 1)): the smoke test cannot run here; run it on another Linux PC or an arm64 machine"
    pass "qemu-user runs threads of aarch64 programs on this host"
    build_native
else
    build_native
    KDS=("$BIN/kds")
fi
if [ ${#MODE[@]} -eq 0 ]; then
    apt_install xvfb x11-utils
    DISPLAY_NUMBER=$(( 90 + $$ % 100 ))
    Xvfb ":$DISPLAY_NUMBER" -screen 0 1280x800x24 -nolisten tcp > "$WORK/xvfb.log" 2>&1 &
    STARTED+=($!)
    export DISPLAY=":$DISPLAY_NUMBER"
    wait_until 20 xwininfo -root >/dev/null 2>&1 || fail "Xvfb did not start (see xvfb.log)"
fi
REDIS=$(ensure_redis "${TEST_REDIS_URL:-redis://127.0.0.1:6379}" "$ROOT/target/test-services")
PREFIX="deploy-kds-$ARCH-$$"
RESTAURANT=7
# The key format is the shared crate's: ask the device which stream it reads.
CHECKED=$(KDS__REDIS_PREFIX="$PREFIX" KDS__RESTAURANT_ID="$RESTAURANT" \
    "${KDS[@]}" --check-config --config images/kds-pi/kds.toml) || fail "kds --check-config refused the Pi's kds.toml"
STREAM=$(sed -n 's/^kitchen stream: //p' <<< "$CHECKED")
DEAD=$(sed -n 's/^dead letters: //p' <<< "$CHECKED")
if [ -z "$STREAM" ] || [ -z "$DEAD" ]; then fail "kds --check-config did not name its kitchen stream and dead letters"; fi
ON_EXIT+=('redis-cli -u "$REDIS" del "$STREAM" "$DEAD" >/dev/null 2>&1')

start_printer printer
log "kds ($ARCH) ${MODE[*]:-(window)} --config images/kds-pi/kds.toml, printer 127.0.0.1:$PRINTER_PORT, Redis $REDIS prefix $PREFIX"
# The API points at a port nothing listens on: the device still prints.
KDS__REDIS_URL="$REDIS" KDS__REDIS_PREFIX="$PREFIX" KDS__RESTAURANT_ID="$RESTAURANT" \
KDS__API_URL="http://127.0.0.1:$(free_port)" KDS__API_TOKEN=none \
KDS__PRINTER="tcp://127.0.0.1:$PRINTER_PORT" KDS__DATA_DIR="$WORK/kds-data" \
KDS__DEVICE_ID="deploy-test-$ARCH" RUST_LOG=info \
    "${KDS[@]}" "${MODE[@]}" --config images/kds-pi/kds.toml > "$WORK/kds.log" 2>&1 &
KDS_PID=$!
STARTED+=("$KDS_PID")

group_exists() { redis-cli -u "$REDIS" xinfo groups "$STREAM" 2>/dev/null | grep -qx kitchen; }
# Under qemu the debug binary takes a while to start.
wait_until 120 group_exists || { kill -0 "$KDS_PID" 2>/dev/null || fail "kds exited (see kds.log)"; false; } || fail "kds did not join the consumer group (see kds.log)"
kill -0 "$KDS_PID" 2>/dev/null || fail "kds exited"
pass "kds ($ARCH) accepted images/kds-pi/kds.toml and joined group kitchen of $STREAM"
if [ ${#MODE[@]} -eq 0 ]; then
    window_shown() { xwininfo -root -tree | grep -q '"QR Order — kitchen"'; }
    wait_until 30 window_shown || fail "no window titled 'QR Order — kitchen' on $DISPLAY"
    pass "the kitchen window is on display $DISPLAY ($(xwininfo -root -tree | grep '"QR Order — kitchen"' | grep -o '[0-9]*x[0-9]*+[0-9-]*+[0-9-]*' | head -n 1))"
fi

ORDER_ID=$((900000 + RANDOM))
NUMBER=$((ORDER_ID % 1000))
PAYLOAD=$(python3 - "$RESTAURANT" "$ORDER_ID" "$NUMBER" <<'PY'
import json, sys, time
r, oid, num = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
print(json.dumps({
    "schema": 1, "restaurant_id": r, "order_id": oid, "number": num,
    "table_name": "Pi 3", "placed_at": int(time.time() * 1000),
    "items": [{"menu_item_id": 1, "name": {"en": "Japchae", "ko": "잡채"}, "qty": 2,
               "options": [], "note": "no sesame", "station": "kitchen"}],
}))
PY
)
redis-cli -u "$REDIS" xadd "$STREAM" '*' order_id "$ORDER_ID" payload "$PAYLOAD" >/dev/null

printed() {
    curl -sf "http://127.0.0.1:$CONTROL_PORT/tickets" | python3 -c '
import json, sys
want = int(sys.argv[1])
tickets = json.load(sys.stdin)
sys.exit(0 if any(t.get("order_number") == want and "Pi 3" in t["text"] and "no sesame" in t["text"] for t in tickets) else 1)
' "$NUMBER"
}
wait_until 60 printed || fail "no ticket for order $NUMBER on the virtual printer"
pass "order $NUMBER printed on the virtual printer (table Pi 3, note included)"
acked() { [ "$(redis-cli -u "$REDIS" xpending "$STREAM" kitchen | head -n 1)" = 0 ]; }
wait_until 20 acked || fail "the entry was printed but not acknowledged"
pass "the stream entry was acknowledged after the print"
kill -TERM "$KDS_PID"
wait_until 20 bash -c "! kill -0 $KDS_PID" || fail "kds did not stop on SIGTERM"
pass "kds stopped on SIGTERM"
