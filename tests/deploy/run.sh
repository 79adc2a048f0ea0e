#!/usr/bin/env bash
# tests/deploy/run.sh — the deployment tests (images/, scripts/build-pi,
# scripts/cluster), as scripts/test runs them:
#   static.sh            the Pi image recipe, the server image files, the
#                        Kubernetes manifests (schemas, yamllint, the code)
#   kds-prints.sh        the Pi's kds.toml accepted; kds prints an order (native)
#   kds-prints.sh --window    the same with kds's window on an Xvfb display
#   cluster.sh           scripts/cluster + the diners' flow across it
#   redis-cluster.sh     scripts/cluster --redis-cluster: the diners' flow
#                        and orders through two Redis Cluster failovers
#   scripts/chaos        the short chaos run (CHAOS_SECONDS, 120 s; a seed
#                        from the clock, printed): its verdict must be VALID
#   demo.sh              scripts/demo: up, an order prints, its own Redis locked
#   kds-prints.sh --aarch64   the cross-built kds under qemu-user (-L /)
#   pi-image.sh          only with QRORDER_TEST_PI=1 (scripts/test --pi), as
#                        root: the Pi image from Debian packages built
#                        (build-image --from-debian) and booted in
#                        qemu-system-aarch64 until its kds prints
# The aarch64 smoke test always runs: it cross-builds only kds with the
# fast-compiling pi-test profile (scripts/build-pi installs the cross tools
# and the arm64 multiarch libraries when missing; the build goes to
# target/aarch64/, nothing is cached elsewhere) and runs it under
# `qemu-aarch64-static -L /`. If qemu-user cannot run an aarch64 program's
# threads it fails and says why — it does not skip.
set -euo pipefail
source "$(dirname "$0")/../../scripts/lib/common.sh"
cd "$ROOT"

t0=$(date +%s)
step() { log "deploy: $1"; local s; s=$(date +%s); "${@:2}"; log "deploy: $1 done in $(( $(date +%s) - s )) s"; }
step "static checks" tests/deploy/static.sh
step "kds with the Pi's kds.toml prints (native)" tests/deploy/kds-prints.sh
step "kds with its window under Xvfb prints (native)" tests/deploy/kds-prints.sh --window
step "multi-instance cluster, diners on two ws instances" tests/deploy/cluster.sh
step "the same on a Redis Cluster, orders through failovers" tests/deploy/redis-cluster.sh
step "chaos run: load and faults, then the checker's verdict" scripts/chaos --seconds "${CHAOS_SECONDS:-120}"
step "scripts/demo end to end (its own Redis, device ACLs on)" tests/deploy/demo.sh
step "aarch64 kds under qemu-user prints" tests/deploy/kds-prints.sh --aarch64
if [ "${QRORDER_TEST_PI:-0}" = 1 ]; then
    step "Pi image from Debian packages, booted in qemu-system-aarch64, prints" tests/deploy/pi-image.sh
else
    log "deploy: not building and booting the Pi image (scripts/test --pi or QRORDER_TEST_PI=1 does)"
fi
log "deploy tests passed in $(( $(date +%s) - t0 )) s"
