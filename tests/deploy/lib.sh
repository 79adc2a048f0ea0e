# shellcheck shell=bash
# Shared by the tests under tests/deploy/: started processes are stopped at
# exit, every test works in a temporary directory. Source it; do not run it.
# shellcheck source=scripts/lib/common.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/scripts/lib/common.sh"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/qrorder-deploy.XXXXXX")
STARTED=()
stop_started() {
    local pid
    for pid in "${STARTED[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${STARTED[@]}"; do wait "$pid" 2>/dev/null || true; done
    STARTED=()
}
# Extra clean-up commands of a test (run with eval after the processes stop).
ON_EXIT=()
deploy_cleanup() {
    local rc=$? cmd
    stop_started
    for cmd in "${ON_EXIT[@]}"; do eval "$cmd" || true; done
    if [ "$rc" -ne 0 ] || [ -n "${KEEP_WORK:-}" ]; then
        echo "logs kept in $WORK" >&2
        for f in "$WORK"/*.log; do
            [ -f "$f" ] || continue
            echo "---- $f (last 30 lines)" >&2
            tail -n 30 "$f" >&2
        done
    else
        rm -rf "$WORK"
    fi
    return "$rc"
}
trap deploy_cleanup EXIT

# Native binaries of the workspace, built once into the caller's target dir.
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug"
# build_native — qrorder, virtual-printer and kds, built as scripts/test
# builds the workspace (all targets): cargo unifies features per invocation,
# so building fewer would rebuild shared dependencies with other features
# (minutes) — after the Rust tests this builds nothing again.
build_native() {
    log "building qrorder, virtual-printer and kds (native, debug)"
    (cd "$ROOT" && cargo build --quiet --workspace --all-targets)
}

# start_printer NAME — a virtual printer on free ports; sets PRINTER_PORT and
# CONTROL_PORT.
start_printer() {
    PRINTER_PORT=$(free_port); CONTROL_PORT=$(free_port)
    mkdir -p "$WORK/$1-tickets"
    "$BIN/virtual-printer" --listen "127.0.0.1:$PRINTER_PORT" --control "127.0.0.1:$CONTROL_PORT" \
        --out "$WORK/$1-tickets" > "$WORK/$1.log" 2>&1 &
    STARTED+=($!)
    wait_until 20 curl -sf "http://127.0.0.1:$CONTROL_PORT/tickets" || die "virtual printer did not start"
}

# pass MESSAGE / fail MESSAGE — one line per check.
pass() { printf '  ok    %s\n' "$*" >&2; }
fail() { printf '  FAIL  %s\n' "$*" >&2; exit 1; }
