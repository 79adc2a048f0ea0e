#!/usr/bin/env bash
# tests/deploy/pi-image.sh — the Raspberry Pi image from Debian packages,
# built and booted here (run by tests/deploy/run.sh with QRORDER_TEST_PI=1,
# i.e. `scripts/test --pi`; as root: mmdebstrap, binfmt_misc):
#   - images/kds-pi/build-image --from-debian --out target/kds-pi.img with the
#     kds of the aarch64 smoke test (pi-test profile; a release kds is what
#     a real card should get: scripts/build-pi --release);
#   - sfdisk -J shows boot (FAT), root and data (ext4) partitions; mdir shows
#     config.txt, the kernel and initramfs on the boot partition; debugfs
#     shows kds, its unit and the unit enabled in the root;
#   - images/kds-pi/boot-test boots it in qemu-system-aarch64 until the kds
#     inside prints an order on this machine's virtual printer.
# Environment: PI_ROOTFS=DIR passes --rootfs DIR to build-image (a root
# directory kept from an earlier run with KEEP_ROOTFS=1: skips mmdebstrap).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
[ "$(id -u)" = 0 ] || fail "the Pi image test needs root (mmdebstrap, binfmt_misc)"
apt_install mtools e2fsprogs fdisk python3

KDS_BIN=$(scripts/build-pi --profile pi-test --only kds | grep '/kds$') || fail "scripts/build-pi did not build kds"
IMG="$ROOT/target/kds-pi.img"
s=$(date +%s)
images/kds-pi/build-image --from-debian ${PI_ROOTFS:+--rootfs "$PI_ROOTFS"} --kds "$KDS_BIN" --out "$IMG" > "$WORK/build-image.log" 2>&1 \
    || fail "build-image --from-debian failed (see build-image.log)"
build_s=$(( $(date +%s) - s ))
pass "build-image --from-debian built $IMG in $build_s s ($(du -h --apparent-size "$IMG" | cut -f1) apparent, $(du -h "$IMG" | cut -f1) on disk)"

parts=$(sfdisk -J "$IMG")
PARTS=$parts python3 - <<'PY' || fail "partition table: $parts"
import json, os
p = json.loads(os.environ["PARTS"])["partitiontable"]
assert p["label"] == "dos", p["label"]
types = [x["type"] for x in p["partitions"]]
assert types == ["c", "83", "83"], types
assert p["partitions"][0].get("bootable"), "boot partition not marked bootable"
PY
offset() { python3 -c 'import json,sys; print(json.load(sys.stdin)["partitiontable"]["partitions"][int(sys.argv[1])]["start"] * 512)' "$1" <<<"$parts"; }
pass "sfdisk -J: $(python3 -c 'import json,sys; print(", ".join("%s type %s %d MiB" % (x["node"].rsplit("/",1)[-1], x["type"], x["size"] // 2048) for x in json.load(sys.stdin)["partitiontable"]["partitions"]))' <<<"$parts")"

boot=$(mdir -b -i "$IMG@@$(offset 0)" ::/) || fail "mdir cannot read the boot partition"
for f in config.txt cmdline.txt vmlinuz initrd.img start4.elf fixup4.dat bcm2711-rpi-4-b.dtb; do
    grep -q "/$f\$" <<<"$boot" || fail "the boot partition has no $f: $boot"
done
mtype -i "$IMG@@$(offset 0)" ::/qrorder/kds.toml | cmp -s - images/kds-pi/kds.toml \
    || fail "qrorder/kds.toml on the boot partition is not the image's (images/kds-pi/kds.toml, no credentials)"
pass "mdir: config.txt, cmdline.txt, vmlinuz, initrd.img, the Pi 4 firmware and device tree; mtype: qrorder/kds.toml is the image's, without credentials"

# debugfs reads the root partition from a copy of its bytes (no loop device).
root_img="$WORK/root.img"
size=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["partitiontable"]["partitions"][1]["size"] * 512)' <<<"$parts")
dd if="$IMG" of="$root_img" bs=1M iflag=skip_bytes,count_bytes skip="$(offset 1)" count="$size" conv=sparse status=none
debugfs -R 'stat /usr/local/bin/kds' "$root_img" 2>/dev/null | grep -q 'Mode:  0755' || fail "no executable /usr/local/bin/kds in the root"
debugfs -R 'cat /etc/systemd/system/kds.service' "$root_img" 2>/dev/null | grep -q '^ExecStart=/usr/local/bin/kds ' || fail "no kds.service in the root"
link=$(debugfs -R 'stat /etc/systemd/system/multi-user.target.wants/kds.service' "$root_img" 2>/dev/null | sed -n 's/^Fast link dest: "\(.*\)"/\1/p')
[ "$link" = /etc/systemd/system/kds.service ] || fail "kds.service is not enabled (multi-user.target.wants: '$link')"
debugfs -R 'cat /etc/fstab' "$root_img" 2>/dev/null | grep -q '^LABEL=kdsroot .* ro,' || fail "the root is not mounted read-only"
pass "debugfs: /usr/local/bin/kds (0755), kds.service enabled in multi-user.target, root read-only in fstab"

images/kds-pi/boot-test "$IMG"
