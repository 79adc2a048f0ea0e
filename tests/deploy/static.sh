#!/usr/bin/env bash
# tests/deploy/static.sh — what can be checked of the deployment files
# without a Raspberry Pi or a Docker engine: every file of the recipes is
# there, the shell scripts pass shellcheck, the systemd units pass
# `systemd-analyze verify` with no complaint, the compose file is valid and
# names the whole topology, the Kubernetes manifests pass the Kubernetes
# schemas, yamllint and a check against the code, and the scripts refuse
# bad arguments.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
apt_install shellcheck systemd docker-compose

PI=images/kds-pi
for f in $PI/README.md $PI/build-image $PI/build-image-debian $PI/kds.toml \
         $PI/rootfs/etc/systemd/system/kds.service $PI/rootfs/etc/systemd/system/kds-readonly-root.service \
         $PI/rootfs/usr/local/sbin/kds-readonly-root $PI/rootfs/etc/udev/rules.d/60-kds-printer.rules \
         $PI/rootfs/etc/systemd/system.conf.d/kds-watchdog.conf $PI/rootfs/etc/systemd/journald.conf.d/kds.conf \
         images/server/Containerfile images/server/Containerfile.dockerignore images/server/compose.yaml \
         images/server/nginx.conf images/server/nginx-routes.conf scripts/build-pi scripts/cluster \
         images/k8s/README.md images/k8s/.yamllint images/k8s/namespace.yaml images/k8s/config.yaml \
         images/k8s/media.yaml images/k8s/migrate-job.yaml images/k8s/client-api.yaml images/k8s/admin-api.yaml \
         images/k8s/ws.yaml images/k8s/ingress.yaml tests/deploy/k8s_check.py; do
    [ -s "$f" ] || fail "$f is missing"
done
for f in $PI/build-image $PI/build-image-debian $PI/rootfs/usr/local/sbin/kds-readonly-root scripts/build-pi scripts/cluster scripts/chaos tests/deploy/[!l]*.sh; do
    [ -x "$f" ] || fail "$f is not executable"
done
pass "the files of images/kds-pi, images/server, images/k8s and the scripts are there"

# Info-level notes (e.g. functions only called through traps) are not errors.
shellcheck -S warning -x --source-path=SCRIPTDIR \
    $PI/build-image $PI/build-image-debian $PI/boot-test $PI/rootfs/usr/local/sbin/kds-readonly-root scripts/build-pi scripts/cluster scripts/chaos tests/deploy/*.sh \
    || fail "shellcheck"
pass "shellcheck: build-image, build-image-debian, boot-test, kds-readonly-root, build-pi, cluster, chaos, tests/deploy"

# systemd-analyze verify checks that the executables exist: map the image's
# paths to files of this machine. It exits 0 on unknown keys and bad values,
# so any output at all is a failure.
units="$WORK/units"; mkdir -p "$units"
for u in kds.service kds-readonly-root.service; do
    sed -e "s#/usr/local/bin/kds#$(command -v true)#" \
        -e "s#/usr/local/sbin/kds-readonly-root#$ROOT/$PI/rootfs/usr/local/sbin/kds-readonly-root#" \
        "$PI/rootfs/etc/systemd/system/$u" > "$units/$u"
done
out=$(systemd-analyze verify "$units/kds.service" "$units/kds-readonly-root.service" 2>&1) \
    || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify complained: $out"
grep -qx 'Restart=always' "$PI/rootfs/etc/systemd/system/kds.service" || fail "kds.service must restart always"
grep -q '^ExecStart=/usr/local/bin/kds --config /boot/firmware/qrorder/kds.toml$' "$PI/rootfs/etc/systemd/system/kds.service" \
    || fail "kds.service must read its config from the boot partition"
pass "systemd-analyze verify: kds.service and kds-readonly-root.service, no complaint"

# First boot is the pairing screen: the image's kds.toml sets none of the
# keys `kds pair` stores (struct Stored in kds-device/src/pairing.rs; kds.toml
# overrides paired.toml, so any of them there would beat pairing) and keeps
# the data directory on the data partition (the unit's StateDirectory=kds),
# where paired.toml goes; both build routes put it on the boot partition as
# the kds.toml the unit starts kds with.
pairing_keys=$(python3 - "$PI/kds.toml" kds-device/src/pairing.rs <<'PY') || fail "images/kds-pi/kds.toml must start the display in pairing"
import re, sys, tomllib
image = tomllib.load(open(sys.argv[1], "rb"))
struct = re.search(r"struct Stored<'a> \{(.*?)\n\}", open(sys.argv[2]).read(), re.S)
if not struct:
    sys.exit("no struct Stored in pairing.rs")
stored = set(re.findall(r"^\s*(\w+): ", struct.group(1), re.M))
if not {"api_token", "restaurant_id", "redis_url"} <= stored:
    sys.exit(f"struct Stored does not read as the pairing's keys: {sorted(stored)}")
credentials = sorted(stored & set(image))
if credentials:
    sys.exit(f"{sys.argv[1]} sets what pairing stores: {credentials}")
if image.get("data_dir") != "/var/lib/kds":
    sys.exit(f"{sys.argv[1]}: data_dir must be /var/lib/kds (the data partition), not {image.get('data_dir')!r}")
print(len(stored))
PY
grep -qx 'StateDirectory=kds' "$PI/rootfs/etc/systemd/system/kds.service" || fail "kds.service must keep /var/lib/kds writable (StateDirectory=kds)"
for script in $PI/build-image $PI/build-image-debian; do
    grep -q 'install -m 0644 "${CONFIG:-$HERE/kds.toml}" "[^"]*/qrorder/kds.toml"$' "$script" \
        || fail "$script must put images/kds-pi/kds.toml (or --config) on the boot partition as qrorder/kds.toml"
done
pass "the image's kds.toml has no credentials (none of the $pairing_keys keys pairing stores), data_dir /var/lib/kds; both build routes install it as qrorder/kds.toml"

# The udev rule: every line is a comment or match/assign pairs udev knows.
python3 - "$PI/rootfs/etc/udev/rules.d/60-kds-printer.rules" <<'PY' || fail "60-kds-printer.rules"
import re, sys
keys = {"SUBSYSTEM", "KERNEL", "GROUP", "MODE", "SYMLINK", "ATTRS{idVendor}", "ATTRS{idProduct}", "TAG", "ENV{SYSTEMD_WANTS}"}
for n, line in enumerate(open(sys.argv[1]), 1):
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    for pair in line.split(", "):
        m = re.fullmatch(r'([A-Z]+(?:\{[A-Za-z_]+\})?)(==|!=|=|\+=)"([^"]*)"', pair)
        if not m or m.group(1) not in keys:
            sys.exit(f"line {n}: cannot read {pair!r}")
PY
pass "the udev rule for USB printers is well-formed"

# build-image refuses to run without what it needs, before touching anything.
out=$("$PI/build-image" 2>&1) && fail "build-image ran without --base"
grep -q -- "--base" <<<"$out" || fail "build-image without --base: $out"
"$PI/build-image" --help | grep -q "raspios-bookworm-arm64-lite" || fail "build-image --help"
scripts/build-pi --help | grep -q "aarch64" || fail "build-pi --help"
"$PI/build-image-debian" --help | grep -q "mmdebstrap" || fail "build-image-debian --help"
out=$("$PI/build-image-debian" --nonsense 2>&1) && fail "build-image-debian accepted an unknown argument"
out=$(scripts/build-pi --only nonsense 2>&1) && fail "build-pi accepted an unknown binary"
pass "build-image and build-pi explain themselves and refuse bad arguments"

# compose: valid (docker-compose validates against the compose schema
# without an engine) and the topology the issue asks for.
# REDIS_PASSWORD has no default: without it compose refuses to start.
(cd images/server && env -u REDIS_PASSWORD docker-compose -f compose.yaml config >/dev/null 2>&1) \
    && fail "compose.yaml starts without REDIS_PASSWORD"
export REDIS_PASSWORD=static-check
services=$(cd images/server && docker-compose -f compose.yaml config --services 2>&1) || fail "compose.yaml: $services"
for s in postgres redis migrate client-api-1 client-api-2 ws-1 ws-2 admin-api proxy; do
    grep -qx "$s" <<<"$services" || fail "compose.yaml has no service $s"
done
resolved=$(cd images/server && docker-compose -f compose.yaml config)
for s in client-api-1 client-api-2 ws-1 ws-2 admin-api; do
    grep -q "server $s:8080" images/server/nginx.conf || fail "nginx.conf does not route to $s"
done
grep -q 'serve.*--roles.*ws\|- ws$' <<<"$resolved" || fail "no ws role in compose.yaml"
grep -q '^USER 10001' images/server/Containerfile || fail "the image must not run as root"
grep -q '^HEALTHCHECK' images/server/Containerfile || fail "the image needs a HEALTHCHECK"
[ "$(grep -c '^FROM ' images/server/Containerfile)" -ge 2 ] || fail "the Containerfile must be multi-stage"
pass "compose.yaml is valid: postgres, redis, migrate, 2× client-api, 2× ws, admin-api, nginx; Containerfile multi-stage, non-root, HEALTHCHECK"
# Device ACLs on, and nothing to fall back to: the default user off, the
# server on its own user.
grep -q 'QRORDER__REDIS_DEVICE_ACL: "true"' <<<"$resolved" || fail "compose.yaml: device ACLs are not on"
grep -q "user default off" <<<"$resolved" || fail "compose.yaml: Redis' default user is not off"
grep -q 'QRORDER__REDIS_URL: redis://qrorder-server:static-check@redis:6379' <<<"$resolved" \
    || fail "compose.yaml: the server does not use its own Redis user"
pass "compose.yaml: device ACLs on, Redis' default user off, the server on its own Redis user"

# --- Kubernetes (images/k8s): the manifests against the Kubernetes schemas
# of the oldest and newest version they are written for (strict: no field
# the API does not know; kubernetes-validate ships the schemas, so this
# needs PyPI once and no cluster), yamllint with images/k8s/.yamllint, and
# tests/deploy/k8s_check.py: true to the code and to nginx-routes.conf.
# Pinned, in a venv under target/ (kubeconform and helm are not in the
# registries this machine reaches).
K8S_VERSIONS="1.30.0 1.37.0"
KV_VERSION=1.37.0 YAMLLINT_VERSION=1.38.0
apt_install python3 python3-venv
K8S_VENV="${CARGO_TARGET_DIR:-$ROOT/target}/k8s-check-venv"
if ! "$K8S_VENV/bin/kubernetes-validate" --version 2>/dev/null | grep -qF "$KV_VERSION" \
        || ! "$K8S_VENV/bin/yamllint" --version 2>/dev/null | grep -qF "$YAMLLINT_VERSION"; then
    log "installing kubernetes-validate $KV_VERSION and yamllint $YAMLLINT_VERSION into $K8S_VENV"
    rm -rf "$K8S_VENV"
    python3 -m venv "$K8S_VENV"
    "$K8S_VENV/bin/pip" install --quiet --disable-pip-version-check \
        "kubernetes-validate==$KV_VERSION" "yamllint==$YAMLLINT_VERSION"
fi
# k8s_checks DIR — all three over the manifests in DIR; says what failed.
k8s_checks() {
    local dir=$1 v out
    out=$("$K8S_VENV/bin/yamllint" --strict -c "$ROOT/images/k8s/.yamllint" "$dir" 2>&1) || { echo "yamllint: $out"; return 1; }
    for v in $K8S_VERSIONS; do
        out=$("$K8S_VENV/bin/kubernetes-validate" --strict --quiet -k "$v" "$dir"/*.yaml 2>&1) \
            || { echo "kubernetes-validate $v: $out"; return 1; }
        # --quiet prints only failures and warnings: anything at all fails.
        [ -z "$out" ] || { echo "kubernetes-validate $v warned: $out"; return 1; }
    done
    out=$("$K8S_VENV/bin/python" "$ROOT/tests/deploy/k8s_check.py" "$ROOT" "$dir" 2>&1) || { echo "k8s_check: $out"; return 1; }
    echo "$out" | tail -n 1
}
summary=$(k8s_checks images/k8s) || fail "images/k8s: $summary"
pass "images/k8s: yamllint, kubernetes-validate --strict for ${K8S_VERSIONS// /, }, $summary"

# The checks can fail: each breakage of a copy must be caught, for its reason.
broken=0
while IFS='|' read -r file edit said; do
    copy="$WORK/k8s-broken"; rm -rf "$copy"; cp -r images/k8s "$copy"
    sed -i "$edit" "$copy/$file"
    cmp -s "images/k8s/$file" "$copy/$file" && fail "the breakage '$edit' changed nothing in $file"
    out=$(k8s_checks "$copy") && fail "images/k8s: '$edit' in $file passed the checks"
    grep -qF -- "$said" <<<"$out" || fail "images/k8s: '$edit' in $file failed, but not with \"$said\": $out"
    broken=$((broken + 1))
done <<'CASES'
ws.yaml|s/readOnlyRootFilesystem: true/readOnlyRootFilesytem: true/|'readOnlyRootFilesytem' was unexpected
client-api.yaml|s/containerPort: 8080/containerPort: "8080"/|'8080' is not of type 'integer'
config.yaml|s/QRORDER__LOG_FORMAT/QRORDER__LOG_FROMAT/|QRORDER__LOG_FROMAT, not a key of server/src/config.rs
ws.yaml|s/"--roles", "ws"/"--roles", "websocket"/|args ['serve', '--roles', 'websocket']
client-api.yaml|s/path: \/readyz/path: \/ready/|readinessProbe is not on /readyz
admin-api.yaml|s/runAsNonRoot: true/runAsNonRoot: false/|admin-api: runAsNonRoot is not true
ingress.yaml|s/name: admin-api/name: client-api/|/admin goes to client-api
ws.yaml|s/seconds: 10/seconds: 40/|terminationGracePeriodSeconds 45 < preStop 40
migrate-job.yaml|s/key: database-url/key: database/|the manifests read ['database',
namespace.yaml|s/^  name: qrorder$/  name: qrorder   /|trailing spaces
CASES
[ "$broken" = 10 ] || fail "only $broken of the 10 breakages ran"
pass "images/k8s: each of $broken breakages (schema, config keys, roles, probes, root, routes, grace period, secrets, yamllint) fails the checks with its reason"
