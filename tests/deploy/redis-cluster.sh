#!/usr/bin/env bash
# tests/deploy/redis-cluster.sh — scripts/cluster --redis-cluster: every
# role and the kitchen display on a Redis Cluster of 3 masters and 3
# replicas. The diners' flow across two ws instances (cluster_diners.py:
# a cart op on one instance reaches the diner on the other, over sharded
# Pub/Sub), then orders through two failovers (redis_cluster_orders.py:
# kill -9 of the restaurant's master; a replica that missed the last
# writes taking over).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

apt_install python3 curl redis-server redis-tools
python3 -c 'import websockets.asyncio.client' 2>/dev/null \
    || { log "installing the Python websockets client (PyPI)"; python3 -m pip install --quiet 'websockets==15.0.1'; }

export CLUSTER_DIR="$WORK/redis-cluster"
scripts/cluster --redis-cluster > "$WORK/redis-cluster.log" 2>&1 &
CLUSTER_PID=$!
STARTED+=("$CLUSTER_PID")
for _ in $(seq 4500); do
    [ -s "$CLUSTER_DIR/cluster.json" ] && break
    kill -0 "$CLUSTER_PID" 2>/dev/null || fail "scripts/cluster --redis-cluster exited (see redis-cluster.log)"
    sleep 0.2
done
[ -s "$CLUSTER_DIR/cluster.json" ] || fail "scripts/cluster --redis-cluster did not come up (see redis-cluster.log)"
pass "scripts/cluster --redis-cluster is up: 6 Redis Cluster nodes, 2 client-api, 2 ws, admin-api, nginx, kds"

python3 "$ROOT/tests/deploy/cluster_diners.py" "$CLUSTER_DIR/cluster.json"
pass "diners on two ws instances share one cart over sharded Pub/Sub; the order printed"
python3 "$ROOT/tests/deploy/redis_cluster_orders.py" "$CLUSTER_DIR/cluster.json"
pass "orders through two Redis Cluster failovers: all accepted, all printed, nothing pending"

kill -TERM "$CLUSTER_PID"; wait "$CLUSTER_PID" 2>/dev/null || true
STARTED=()
pass "scripts/cluster --redis-cluster stopped cleanly"
