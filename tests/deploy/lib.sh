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

# start_server HOST — the server as a site runs it for its displays: SQLite
# with the demo restaurant, a redis-server of its own (default user off, the
# server's user from an ACL file; device ACLs on, so a display gets a Redis
# user of its own when it pairs) and all roles on a free port. HOST is
# where a display reaches this machine (127.0.0.1, or 10.0.2.2 from a qemu
# guest): pairing hands out http://HOST:API_PORT and redis://HOST:port.
# Sets REDIS (the server's URL, with its user), PREFIX, API_PORT, API (its
# base URL here), SEED (seed-demo's JSON file) and STREAM (the kitchen stream).
start_server() {
    local host=$1
    apt_install python3 curl redis-tools
    PREFIX="deploy-$$"
    REDIS=$(start_acl_redis "$WORK/redis" "$PREFIX")
    ON_EXIT+=('kill "$(cat "$WORK"/redis/redis-*.pid)" 2>/dev/null')
    API_PORT=$(free_port)
    API="http://127.0.0.1:$API_PORT"
    SEED="$WORK/seed.json"
    local env=(QRORDER__DATABASE_URL="sqlite:$WORK/qrorder.db" QRORDER__MEDIA_DIR="$WORK/media"
        QRORDER__REDIS_URL="$REDIS" QRORDER__REDIS_PREFIX="$PREFIX" QRORDER__REDIS_DEVICE_ACL=true
        QRORDER__LISTEN="127.0.0.1:$API_PORT" QRORDER__PUBLIC_BASE_URL="http://$host:$API_PORT"
        QRORDER__DEVICE_REDIS_URL="redis://$host:${REDIS##*:}")
    env "${env[@]}" "$BIN/qrorder" seed-demo --json > "$SEED" 2> "$WORK/seed.log" || fail "seed-demo failed (see seed.log)"
    env "${env[@]}" "$BIN/qrorder" serve > "$WORK/server.log" 2>&1 &
    STARTED+=($!)
    wait_until 60 curl -sf "$API/readyz" || fail "the server did not get ready (see server.log)"
    STREAM=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["kitchen_stream"])' "$SEED")
}

# pairing_code NAME — a one-time code for a kitchen display, as an owner
# makes one on the console (Devices → Pair a display).
pairing_code() {
    python3 - "$API" "$SEED" "$1" <<'PY'
import json, sys, urllib.request
base, seed, name = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3]
def call(path, body, token=None):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode())
    req.add_header("content-type", "application/json")
    if token: req.add_header("authorization", "Bearer " + token)
    return json.load(urllib.request.urlopen(req, timeout=10))
token = call("/api/v1/admin/login", {"email": seed["owner"]["email"], "password": seed["owner"]["password"]})["token"]
print(call("/api/v1/admin/devices/pairing-codes", {"name": name, "station": "kitchen"}, token)["code"])
PY
}

# place_order ITEM [NOTE] — a diner's order at the first table through the
# diner API (one ITEM, by its English name, with NOTE when given); prints
# its number.
place_order() {
    python3 - "$API" "$SEED" "$1" "${2:-}" <<'PY'
import json, sys, urllib.request, uuid
base, seed, name, note = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3], sys.argv[4]
def http(method, url, body=None, headers=None):
    req = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body is not None else None)
    req.add_header("content-type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.load(r)
token = seed["tables"][0]["token"]
info = http("GET", f"{base}/api/v1/tables/{token}")
menu = http("GET", f"{base}/api/v1/tables/{token}/menu")
item = next(i for c in menu["categories"] for i in c["items"] if i["name"]["en"] == name)
line = {"menu_item_id": item["id"], "menu_version": item["version"], "qty": 1}
if note:
    line["note"] = note
order = http("POST", f"{base}/api/v1/tables/{token}/orders",
             {"visit_id": info["visit_id"], "items": [line]},
             {"Idempotency-Key": str(uuid.uuid4())})
print(order["number"])
PY
}

# printed NUMBER TEXT — the virtual printer (start_printer) has a ticket of
# order NUMBER that contains TEXT.
printed() {
    curl -sf "http://127.0.0.1:$CONTROL_PORT/tickets" | python3 -c '
import json, sys
want, text = int(sys.argv[1]), sys.argv[2]
sys.exit(0 if any(t.get("order_number") == want and text in t["text"] for t in json.load(sys.stdin)) else 1)
' "$1" "$2"
}

# acked — nothing pending in the kitchen group of STREAM.
acked() { [ "$(redis-cli -u "$REDIS" --no-auth-warning xpending "$STREAM" kitchen | head -n 1)" = 0 ]; }
