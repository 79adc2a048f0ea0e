#!/usr/bin/env bash
# tests/deploy/kds-prints.sh [--aarch64|--window] — the kitchen display as the Pi image
# runs it: `kds --headless --config images/kds-pi/kds.toml` (the example
# config of the image, so this also proves kds accepts it), pairs from a
# pairing file (as a card prepared on a PC does; its one-time code from the
# admin API) with the real server (SQLite, the demo restaurant, a Redis of
# its own, device ACLs on), joins the kitchen's consumer group on its own
# Redis user and prints an order placed through the diner API on the
# (native) virtual printer; the stream entry is acknowledged after the print.
# --aarch64: the cross-built binary (scripts/build-pi --profile pi-test --only
# kds) under `qemu-aarch64-static -L /`, after a guard that qemu-user runs
# an aarch64 program's threads with one glibc.
# Every mode configures GPIO pins and checks the no-GPIO fallback off a Pi,
# and first runs kds as the image boots the first time (its kds.toml alone,
# nothing paired): headless it stops and says how to pair; with the window it
# shows the pairing screen.
# --window: with its window (no --headless) on an Xvfb display: the window is
# mapped under its title and the device prints as it does headless.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ARCH=native
[ "${1:-}" = --aarch64 ] && ARCH=aarch64
MODE=(--headless)
[ "${1:-}" = --window ] && MODE=()
apt_install curl file python3
# The GPIO pins of a Pi's buzzer, LED and bump button are configured in
# every run: off a Pi kds must say "no GPIO" and go on printing — the native
# build because it has no `pi` feature, the aarch64 build (with `pi`, rppal)
# because rppal finds no Raspberry Pi under qemu-user.
export KDS__GPIO_BUZZER_PIN=17 KDS__GPIO_LED_PIN=27 KDS__GPIO_BUTTON_PIN=22
if [ "$ARCH" = aarch64 ]; then
    # Only kds, with the pi-test profile (Cargo.toml: opt-level 1, no debug
    # info, no LTO — the quickest to compile from a cold target/), into
    # target/aarch64/; the server and the printer run natively.
    BUILT=$(scripts/build-pi --profile pi-test --only kds)
    KDS_BIN=$(grep '/kds$' <<<"$BUILT") || fail "scripts/build-pi did not report kds"
    file -b "$KDS_BIN" | grep -q "ARM aarch64" || fail "$KDS_BIN is not an aarch64 binary"
    pass "scripts/build-pi built aarch64 kds ($(file -b "$KDS_BIN" | cut -d, -f1-2); $(du -h "$KDS_BIN" | cut -f1))"
    # One glibc: `-L /` takes the dynamic loader and every library from the
    # multiarch arm64 packages scripts/build-pi installs (libc6:arm64 ...).
    # Not `-L /usr/aarch64-linux-gnu`: that prefix has the cross toolchain's
    # loader (libc6-arm64-cross) but no fontconfig, so qemu falls back to the
    # host's /lib/aarch64-linux-gnu and the program gets the multiarch
    # libc.so.6 — a loader and a libc of two glibc builds, which hang in the
    # first pthread_create. KDS_QEMU_PREFIX overrides it (to see the guard).
    QEMU_PREFIX=${KDS_QEMU_PREFIX:-/}
    KDS=(qemu-aarch64-static -L "$QEMU_PREFIX" "$KDS_BIN")
    # The guard: a five-line threaded C program under the same prefix. If it
    # hangs, the cause is the loader/libc mix above (or a host whose
    # qemu-user cannot run threads), not kds.
    printf '%s\n' '#include <pthread.h>' '#include <stdio.h>' 'static void *f(void *a) { return a; }' \
        'int main(void) { pthread_t t; pthread_create(&t, 0, f, 0); pthread_join(t, 0); puts("ok"); return 0; }' \
        > "$WORK/thread-probe.c"
    aarch64-linux-gnu-gcc -O1 -pthread "$WORK/thread-probe.c" -o "$WORK/thread-probe"
    if ! timeout 20 qemu-aarch64-static -L "$QEMU_PREFIX" "$WORK/thread-probe" >/dev/null 2>"$WORK/thread-probe.log"; then
        loader=$QEMU_PREFIX/lib/ld-linux-aarch64.so.1
        [ -e "$loader" ] || loader=/lib/ld-linux-aarch64.so.1
        libc=/lib/aarch64-linux-gnu/libc.so.6
        pkg() { dpkg -S "$1" 2>/dev/null | sed 's/: .*//' | grep . || echo "not from a package"; }
        fail "qemu-user did not run a threaded aarch64 program within 20 s under -L $QEMU_PREFIX: the dynamic loader and libc come from two different glibc builds — check -L / the prefix (QEMU_LD_PREFIX); use -L / with the multiarch libc6:arm64. Here the loader is $(readlink -f "$loader") ($(pkg "$loader")), libc $(readlink -f "$libc") ($(pkg "$libc")); kernel $(uname -r), $(qemu-aarch64-static --version | head -n 1)"
    fi
    pass "qemu-user runs threads of aarch64 programs under -L $QEMU_PREFIX (one glibc: loader and libc of libc6:arm64)"
    "${KDS[@]}" --version >/dev/null || fail "aarch64 kds does not run under qemu-user"
    pass "aarch64 kds --version runs under qemu-user"
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
# The server as a site runs it (SQLite, the demo restaurant, a Redis of its
# own with device ACLs on); the display pairs with it from a pairing file.
start_server 127.0.0.1
CHECKED=$("${KDS[@]}" --check-config --config images/kds-pi/kds.toml) || fail "kds --check-config refused the Pi's kds.toml"
# The GPIO fallback, as --check-config reports it (the same gpio::open the
# running device calls).
GPIO=$(sed -n 's/^gpio: //p' <<< "$CHECKED")
case $ARCH:$GPIO in
    native:"no GPIO (built without the \`pi\` feature)") ;;
    aarch64:"no GPIO (built without"*) fail "the aarch64 kds was built without the pi feature (rppal): $GPIO" ;;
    aarch64:"no GPIO ("*) ;;
    *) fail "kds --check-config ($ARCH) reported GPIO as '$GPIO', expected the no-GPIO fallback off a Pi" ;;
esac
pass "kds ($ARCH) with GPIO pins 17/27/22 configured falls back to: $GPIO"
# As the image boots the first time: its kds.toml alone, nothing paired.
# Headless there is no screen to pair on: kds stops and says how to pair.
# With the window it shows the pairing screen (the window's title says so).
UNPAIRED=(env KDS__DATA_DIR="$WORK/unpaired" RUST_LOG=info "${KDS[@]}" "${MODE[@]}" --config images/kds-pi/kds.toml)
if [ ${#MODE[@]} -gt 0 ]; then
    rc=0
    timeout 60 "${UNPAIRED[@]}" > "$WORK/kds-unpaired.log" 2>&1 || rc=$?
    # 78 (EX_CONFIG): the image's unit does not restart it (RestartPreventExitStatus=78).
    [ "$rc" = 78 ] || fail "kds --headless with the image's kds.toml and nothing paired exited $rc, not 78 (see kds-unpaired.log)"
    grep -q 'this display is not paired' "$WORK/kds-unpaired.log" && grep -q 'kds pair --server http://SERVER:8080 --code CODE --config images/kds-pi/kds.toml' "$WORK/kds-unpaired.log" \
        || fail "kds --headless, not paired, did not say how to pair (see kds-unpaired.log)"
    pass "kds ($ARCH) --headless with the image's kds.toml and nothing paired stops (exit 78) and says how to pair"
else
    "${UNPAIRED[@]}" > "$WORK/kds-unpaired.log" 2>&1 &
    UNPAIRED_PID=$!
    STARTED+=("$UNPAIRED_PID")
    pairing_shown() { xwininfo -root -tree | grep -q '"QR Order — pair this display"'; }
    wait_until 30 pairing_shown || fail "no window titled 'QR Order — pair this display' with the image's kds.toml (see kds-unpaired.log)"
    kill -0 "$UNPAIRED_PID" 2>/dev/null || fail "kds exited on its pairing screen (see kds-unpaired.log)"
    pass "kds ($ARCH) with the image's kds.toml and nothing paired shows its pairing screen on $DISPLAY"
    kill -TERM "$UNPAIRED_PID"
    wait_until 20 bash -c "! kill -0 $UNPAIRED_PID" || fail "kds on its pairing screen did not stop on SIGTERM"
fi

start_printer printer
# Paired as a card prepared on a PC: the image's kds.toml, a printer and a
# pairing file with a one-time code (KDS__ in place of the card's files).
printf 'server = "127.0.0.1:%s"\ncode = "%s"\n' "$API_PORT" "$(pairing_code "Pi ($ARCH)")" > "$WORK/pair.toml"
log "kds ($ARCH) ${MODE[*]:-(window)} --config images/kds-pi/kds.toml, printer 127.0.0.1:$PRINTER_PORT, pairing from $WORK/pair.toml"
KDS__PAIRING_FILE="$WORK/pair.toml" KDS__PRINTER="tcp://127.0.0.1:$PRINTER_PORT" \
KDS__DATA_DIR="$WORK/kds-data" RUST_LOG=info \
    "${KDS[@]}" "${MODE[@]}" --config images/kds-pi/kds.toml > "$WORK/kds.log" 2>&1 &
KDS_PID=$!
STARTED+=("$KDS_PID")

group_exists() { redis-cli -u "$REDIS" --no-auth-warning xinfo groups "$STREAM" 2>/dev/null | grep -qx kitchen; }
# Under qemu the debug binary takes a while to start.
wait_until 120 group_exists || { kill -0 "$KDS_PID" 2>/dev/null || fail "kds exited (see kds.log)"; false; } || fail "kds did not join the consumer group (see kds.log)"
kill -0 "$KDS_PID" 2>/dev/null || fail "kds exited"
grep -q 'paired from' "$WORK/kds.log" || fail "kds ($ARCH) did not log pairing from its pairing file (see kds.log)"
grep -q '^redis_username' "$WORK/kds-data/paired.toml" || fail "the display paired without a Redis user of its own"
pass "kds ($ARCH) with images/kds-pi/kds.toml paired from its pairing file (its own Redis user) and joined group kitchen of $STREAM"
grep -q 'no GPIO' "$WORK/kds.log" || fail "the running kds ($ARCH) did not log its no-GPIO fallback (see kds.log)"
if [ ${#MODE[@]} -eq 0 ]; then
    window_shown() { xwininfo -root -tree | grep -q '"QR Order — kitchen"'; }
    wait_until 30 window_shown || fail "no window titled 'QR Order — kitchen' on $DISPLAY"
    pass "the kitchen window is on display $DISPLAY ($(xwininfo -root -tree | grep '"QR Order — kitchen"' | grep -o '[0-9]*x[0-9]*+[0-9-]*+[0-9-]*' | head -n 1))"
fi

NUMBER=$(place_order Japchae "no sesame") || fail "the diner API did not accept the order (see server.log)"
wait_until 60 printed "$NUMBER" "no sesame" || fail "no ticket for order $NUMBER on the virtual printer"
pass "order $NUMBER, placed through the diner API, printed on the virtual printer (note included)"
wait_until 20 acked || fail "the entry was printed but not acknowledged"
pass "the stream entry was acknowledged after the print"
kill -TERM "$KDS_PID"
wait_until 20 bash -c "! kill -0 $KDS_PID" || fail "kds did not stop on SIGTERM"
pass "kds stopped on SIGTERM"
