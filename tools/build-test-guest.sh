#!/usr/bin/env bash
# Build the tiny QEMU test guest used by the libvirt driver's functional tests, from Debian
# packages only (no download from elsewhere):
#   vmlinuz     the current linux-image-*-cloud-amd64 kernel (looked up with apt-cache)
#   initrd.img  a busybox initramfs whose /init prints STACKDOCK-GUEST-BOOTED on the console
#               (ttyS0 with console=ttyS0), then, if a config drive (iso9660 or vfat with a
#               user-data / user_data / openstack/latest/user_data file) is attached, prints
#               "STACKDOCK-USERDATA: <first line of the user data>", and then idles; an ACPI
#               power-button press powers it off (it prints STACKDOCK-GUEST-POWEROFF first).
#   disk.qcow2  a small ext4 root disk (its contents do not matter)
#   manifest.json  the three files with their sha256
# into /var/lib/stackdock/test-guest (world-readable). Skipped when the manifest matches.
# Boot it: qemu-system-x86_64 -machine accel=tcg -nographic -kernel vmlinuz -initrd initrd.img
#          -append console=ttyS0
set -euo pipefail
. "$(dirname "$0")/lib.sh"

OUT=${STACKDOCK_TEST_GUEST_DIR:-/var/lib/stackdock/test-guest}
SHA=$(script_sha "$0" <(declare -f busybox_tree))
MODULES="virtio_pci virtio_blk virtio_scsi virtio_net ata_piix ahci sr_mod sd_mod isofs vfat nls_cp437 nls_iso8859_1 button evdev"

manifest_ok() {
    [ -f "$OUT/manifest.json" ] || return 1
    python3 - "$OUT" "$SHA" <<'PY'
import hashlib, json, os, sys
out, sha = sys.argv[1], sys.argv[2]
m = json.load(open(os.path.join(out, "manifest.json")))
if m.get("build") != sha:
    sys.exit(1)
for name, info in m["files"].items():
    p = os.path.join(out, name)
    h = hashlib.sha256()
    with open(p, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    if h.hexdigest() != info["sha256"]:
        sys.exit(1)
PY
}

if manifest_ok 2>/dev/null; then
    log "test guest in $OUT is up to date"
    exit 0
fi
is_root || die "the test guest in $OUT is missing or outdated; as root run: tools/build-test-guest.sh"
ensure_lock /run/stackdock-build-guest.lock
manifest_ok 2>/dev/null && { log "test guest in $OUT is up to date"; exit 0; }
need_debs busybox-static cpio e2fsprogs qemu-utils gzip xz-utils zstd file

t=$SECONDS
work=$(mktemp -d /var/tmp/stackdock-guest.XXXXXX)
trap 'rm -rf "$work"' EXIT

# 1. The kernel: whatever linux-image-cloud-amd64 currently depends on.
kpkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
if [ -z "$kpkg" ]; then
    apt-get update -q >/dev/null 2>&1 || true
    kpkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
fi
if [ -z "$kpkg" ]; then  # fall back to the newest linux-image-<version>-cloud-amd64 known to apt
    kpkg=$(apt-cache search --names-only '^linux-image-[0-9].*-cloud-amd64$' | awk '{print $1}' | grep -v -e -dbg -e -unsigned | sort -V | tail -n1)
fi
[ -n "$kpkg" ] || die "cannot find a linux-image-*-cloud-amd64 package (apt-cache depends linux-image-cloud-amd64)"
log "kernel package: $kpkg"
(cd "$work" && apt-get download -q "$kpkg" >/dev/null 2>&1) || die "apt-get download $kpkg failed"
dpkg-deb -x "$work"/"$kpkg"_*.deb "$work/k"
kver=$(ls "$work/k/lib/modules" 2>/dev/null | head -n1 || true)
[ -n "$kver" ] || kver=$(ls "$work/k/usr/lib/modules" 2>/dev/null | head -n1 || true)
vmlinuz=$(ls "$work"/k/boot/vmlinuz-* 2>/dev/null | head -n1 || true)
[ -f "$vmlinuz" ] || die "no vmlinuz in $kpkg"

# 2. The initramfs: busybox, the modules for virtio/IDE/SATA disks and CD-ROMs, iso9660/vfat,
#    the ACPI power button; dependencies resolved from each module's modinfo, decompressed
#    (busybox insmod cannot read .ko.xz/.ko.zst).
ir="$work/initramfs"
busybox_tree "$ir"
mkdir -p "$ir/lib/modules" "$ir/mnt/cfg"
moddir="$work/k/lib/modules/$kver"
[ -d "$moddir" ] || moddir="$work/k/usr/lib/modules/$kver"
python3 - "$moddir" "$ir/lib/modules" $MODULES <<'PY'
import gzip, lzma, os, re, subprocess, sys
moddir, dest, wanted = sys.argv[1], sys.argv[2], sys.argv[3:]
paths = {}
for root, _, files in os.walk(moddir):
    for f in files:
        m = re.match(r"(.+)\.ko(\.(xz|zst|gz))?$", f)
        if m:
            paths[m.group(1).replace("-", "_")] = os.path.join(root, f)
def read(p):
    if p.endswith(".xz"):
        return lzma.open(p).read()
    if p.endswith(".gz"):
        return gzip.open(p).read()
    if p.endswith(".zst"):
        return subprocess.run(["zstd", "-dc", p], check=True, capture_output=True).stdout
    return open(p, "rb").read()
order, seen = [], set()
def add(name):
    name = name.replace("-", "_")
    if name in seen or not name:
        return
    seen.add(name)
    if name not in paths:       # built into this kernel
        return
    data = read(paths[name])
    m = re.search(rb"\x00depends=([^\x00]*)\x00", data)
    for dep in (m.group(1).decode().split(",") if m else []):
        add(dep)
    with open(os.path.join(dest, name + ".ko"), "wb") as f:
        f.write(data)
    order.append(name)
for w in wanted:
    add(w)
open(os.path.join(dest, "load-order"), "w").write("\n".join(order) + "\n")
PY
cat >"$ir/init" <<'INIT'
#!/bin/sh
# stackdock test guest /init (busybox). Markers on the console: STACKDOCK-GUEST-BOOTED,
# STACKDOCK-USERDATA: <first line of user data>, STACKDOCK-GUEST-POWEROFF.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null || mdev -s
exec </dev/console >/dev/console 2>&1
echo "STACKDOCK-GUEST-BOOTED"
for m in $(cat /lib/modules/load-order); do insmod "/lib/modules/$m.ko" 2>/dev/null; done
hostname stackdock-guest

# ACPI power button -> power off (no acpid: block on the button's input device).
for ev in /sys/class/input/event*; do
    [ "$(cat "$ev/device/name" 2>/dev/null)" = "Power Button" ] || continue
    ( dd if="/dev/input/$(basename "$ev")" of=/dev/null bs=24 count=1 2>/dev/null \
        && echo "STACKDOCK-GUEST-POWEROFF" && sync && poweroff -f ) &
done

# Config drive: label cidata / config-2, iso9660 (or vfat), on a CD-ROM or a second disk.
found=""
i=0
while [ -z "$found" ] && [ $i -lt 60 ]; do
    for dev in /dev/sr[0-9] /dev/vd[a-z] /dev/sd[a-z] /dev/hd[a-z]; do
        [ -b "$dev" ] || continue
        for fs in iso9660 vfat; do
            mount -t $fs -o ro "$dev" /mnt/cfg 2>/dev/null || continue
            for f in user-data user_data openstack/latest/user_data; do
                if [ -f "/mnt/cfg/$f" ]; then
                    echo "STACKDOCK-USERDATA: $(head -n 1 "/mnt/cfg/$f")"
                    found=$dev
                    break
                fi
            done
            [ -n "$found" ] && break
            umount /mnt/cfg
        done
        [ -n "$found" ] && break
    done
    [ -n "$found" ] && break
    # CD-ROM/disk probing is asynchronous: wait up to ~30 s (guest time, slow under a loaded
    # TCG host) while a candidate device exists; give up after ~1.5 s when there is none.
    ls /dev/sr[0-9] /dev/vd[b-z] /dev/sd[a-z] >/dev/null 2>&1 || [ $i -lt 3 ] || break
    i=$((i + 1))
    sleep 0.5
done
[ -n "$found" ] && echo "stackdock: config drive $found" || echo "stackdock: no config drive"

while :; do sleep 3600; done
INIT
chmod 0755 "$ir/init"
(cd "$ir" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -9) >"$work/initrd.img"

# 3. A small ext4 root disk as qcow2.
mkdir -p "$work/disk/etc"
printf 'stackdock test guest root disk\nkernel %s\n' "$kver" >"$work/disk/etc/stackdock-test-disk"
truncate -s 16M "$work/disk.raw"
mkfs.ext4 -q -F -L stackdock-root -d "$work/disk" "$work/disk.raw" >/dev/null
qemu-img convert -q -f raw -O qcow2 "$work/disk.raw" "$work/disk.qcow2"

# 4. Install atomically-enough: files first, manifest last.
install -d -m 0755 "$OUT"
rm -f "$OUT/manifest.json"
install -m 0644 "$vmlinuz" "$OUT/vmlinuz"
install -m 0644 "$work/initrd.img" "$OUT/initrd.img"
install -m 0644 "$work/disk.qcow2" "$OUT/disk.qcow2"
chmod 0755 "$OUT" "$(dirname "$OUT")"
python3 - "$OUT" "$SHA" "$kpkg" "$kver" <<'PY'
import datetime, hashlib, json, os, sys
out, sha, kpkg, kver = sys.argv[1:]
files = {}
for name in ("vmlinuz", "initrd.img", "disk.qcow2"):
    p = os.path.join(out, name)
    files[name] = {"sha256": hashlib.sha256(open(p, "rb").read()).hexdigest(), "size": os.path.getsize(p)}
m = {
    "build": sha,
    "built_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "kernel_package": kpkg,
    "kernel_version": kver,
    "kernel_cmdline": "console=ttyS0",
    "boot_marker": "STACKDOCK-GUEST-BOOTED",
    "userdata_marker": "STACKDOCK-USERDATA: ",
    "poweroff_marker": "STACKDOCK-GUEST-POWEROFF",
    "files": files,
}
tmp = os.path.join(out, ".manifest.json.tmp")
with open(tmp, "w") as f:
    json.dump(m, f, indent=2, sort_keys=True)
    f.write("\n")
os.chmod(tmp, 0o644)
os.replace(tmp, os.path.join(out, "manifest.json"))
PY
log "built test guest ($kpkg) in $OUT in $((SECONDS - t))s"
