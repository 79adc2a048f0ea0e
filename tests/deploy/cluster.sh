#!/usr/bin/env bash
# tests/deploy/cluster.sh — starts scripts/cluster (2× client-api, 2× ws,
# admin-api, nginx, PostgreSQL, Redis, a kitchen display and a virtual
# printer) and runs the diners' flow across it (cluster_diners.py); then
# checks the server image's HEALTHCHECK command against a real instance.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

apt_install python3 curl
python3 -c 'import websockets.asyncio.client' 2>/dev/null \
    || { log "installing the Python websockets client (PyPI)"; python3 -m pip install --quiet 'websockets==15.0.1'; }

export CLUSTER_DIR="$WORK/cluster"
scripts/cluster > "$WORK/cluster.log" 2>&1 &
CLUSTER_PID=$!
STARTED+=("$CLUSTER_PID")
cluster_up() { [ -s "$CLUSTER_DIR/cluster.json" ] || { kill -0 "$CLUSTER_PID" 2>/dev/null || fail "scripts/cluster exited (see cluster.log)"; return 1; }; }
# The first run builds the binaries.
wait_until 900 cluster_up || fail "scripts/cluster did not come up (see cluster.log)"
pass "scripts/cluster is up: 2 client-api, 2 ws, admin-api, nginx, kds, virtual printer"

python3 "$ROOT/tests/deploy/cluster_diners.py" "$CLUSTER_DIR/cluster.json"

# Device ACLs as in production: Redis' default user is off (a revoked
# display cannot fall back to it), the display reads on its own user,
# which may not add orders to its kitchen's stream.
redis_url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["redis_url"])' "$CLUSTER_DIR/cluster.json")
anonymous=$(without_credentials "$redis_url")
out=$(redis-cli -u "$anonymous" ping 2>&1) || true
grep -q NOAUTH <<<"$out" || fail "the cluster's Redis answers its default user: $out"
out=$(redis-cli -u "$anonymous" --user default --pass nopass --no-auth-warning ping 2>&1) || true
grep -qi "WRONGPASS\|disabled" <<<"$out" || fail "the cluster's Redis let the default user in: $out"
dev_user=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["redis"]["username"])' "$CLUSTER_DIR/device.json")
dev_pass=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["redis"]["password"])' "$CLUSTER_DIR/device.json")
stream=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["seed"]["kitchen_stream"])' "$CLUSTER_DIR/cluster.json")
out=$(redis-cli -u "$anonymous" --user "$dev_user" --pass "$dev_pass" --no-auth-warning ping 2>&1) || true
[ "$out" = PONG ] || fail "the display's Redis user $dev_user cannot sign in: $out"
out=$(redis-cli -u "$anonymous" --user "$dev_user" --pass "$dev_pass" --no-auth-warning xadd "$stream" '*' order_id 1 payload x 2>&1) || true
grep -q NOPERM <<<"$out" || fail "the display's Redis user may add orders: $out"
pass "the cluster's Redis: default user off, the display on its own user ($dev_user), which cannot add orders"

# The Containerfile's HEALTHCHECK, pointed at a running client-api instance.
port=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["client_api"][0].rsplit(":",1)[1])' "$CLUSTER_DIR/cluster.json")
check=$(python3 - "$ROOT/images/server/Containerfile" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read().replace("\\\n", " ")
cmd = json.loads(re.search(r'HEALTHCHECK[^\n]*?CMD (\[.*\])', text).group(1))
print(cmd[2])
PY
)
bash -c "${check//8080/$port}" || fail "the image's HEALTHCHECK command fails against a ready instance"
pass "the image's HEALTHCHECK command passes against a ready instance"
bash -c "${check//8080/$(free_port)}" 2>/dev/null && fail "the HEALTHCHECK command passes with nothing listening"
pass "the image's HEALTHCHECK command fails with nothing listening"

kill -TERM "$CLUSTER_PID"; wait "$CLUSTER_PID" 2>/dev/null || true
STARTED=()
pass "scripts/cluster stopped cleanly"
