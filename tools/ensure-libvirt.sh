#!/usr/bin/env bash
# Make sure libvirtd (with the QEMU driver) answers on qemu:///system.
# As root: installs the libvirt/QEMU packages, starts virtlogd and libvirtd in the background
# (there is no systemd on the test machines) and waits for a connection. Idempotent and safe
# to run concurrently (flock). Stale pid files of killed daemons are removed first.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ROOT=$(repo_root)
PY="$ROOT/.venv/bin/python"
SOCK=/run/libvirt/libvirt-sock
QEMU_CONF=/etc/libvirt/qemu.conf
WAIT=${STACKDOCK_LIBVIRT_WAIT:-120}

libvirt_ok() {
    if [ -x "$PY" ] && "$PY" -c 'import libvirt' >/dev/null 2>&1; then
        "$PY" -c 'import libvirt; libvirt.open("qemu:///system").close()' >/dev/null 2>&1
    elif command -v virsh >/dev/null 2>&1; then
        virsh -c qemu:///system version >/dev/null 2>&1
    else
        [ -S "$SOCK" ]
    fi
}

if ! is_root; then
    libvirt_ok && { log "libvirtd answers on qemu:///system"; exit 0; }
    if [ -S "$SOCK" ] && [ ! -w "$SOCK" ]; then
        die "libvirtd runs but $(id -un) may not use $SOCK: add the user to group libvirt or run as root"
    fi
    die "libvirtd does not answer on qemu:///system. As root run: tools/ensure-libvirt.sh (installs libvirt-daemon-system libvirt-daemon-driver-qemu qemu-system-x86 qemu-utils libvirt-clients, starts virtlogd -d and libvirtd -d)"
fi

ensure_lock
need_debs libvirt-daemon-system libvirt-daemon-driver-qemu qemu-system-x86 qemu-utils libvirt-clients

# Without udev /dev/kvm can be root:root 0600; libvirt then re-probes QEMU on every start.
if [ -c /dev/kvm ] && getent group kvm >/dev/null; then
    if [ "$(stat -c '%G %a' /dev/kvm)" != "kvm 660" ]; then
        chown root:kvm /dev/kvm && chmod 0660 /dev/kvm && log "fixed /dev/kvm ownership (root:kvm 0660)"
    fi
fi

# TEST-MACHINE SETTING: run QEMU as root so that guests can read instance files wherever a
# CI clone lives (e.g. under /root or /tmp). Production keeps the Debian default
# (libvirt-qemu:libvirt-qemu) with instance files under /var/lib/nova. Only added when the
# administrator has not set user/group already.
conf_changed=0
if [ -f "$QEMU_CONF" ]; then
    if ! grep -Eq '^\s*user\s*=' "$QEMU_CONF"; then
        printf '\n# Added by stackdock tools/ensure-libvirt.sh: test-machine setting (QEMU reads\n# instance files from CI clones anywhere); production uses libvirt-qemu and /var/lib.\nuser = "root"\n' >>"$QEMU_CONF"
        conf_changed=1
    fi
    if ! grep -Eq '^\s*group\s*=' "$QEMU_CONF"; then
        printf '# Added by stackdock tools/ensure-libvirt.sh: test-machine setting (see user above).\ngroup = "root"\n' >>"$QEMU_CONF"
        conf_changed=1
    fi
    # Docker-in-docker nodes mount cgroup trees inside their overlays; libvirt's cgroup
    # probing can pick a dying node's mount and fail a guest start. Test machines don't need
    # libvirt's cgroup placement, so it is switched off there.
    if ! grep -Eq '^\s*cgroup_controllers\s*=' "$QEMU_CONF"; then
        printf '# Added by stackdock tools/ensure-libvirt.sh: test-machine setting (nested docker\n# nodes expose cgroup mounts that libvirt must not pick).\ncgroup_controllers = [ ]\n' >>"$QEMU_CONF"
        conf_changed=1
    fi
    [ $conf_changed -eq 1 ] && log "applied test-machine settings to $QEMU_CONF"
fi

# daemon_pid NAME PIDFILE...: pid of a live NAME daemon (pid files first), stale pid files removed.
daemon_pid() {
    local name=$1 f
    shift
    for f in "$@"; do
        if clean_pidfile "$f" "$name"; then
            tr -dc '0-9' <"$f"
            return 0
        fi
    done
    live_pids "$name" | head -n1
}

lvd=$(daemon_pid libvirtd /run/libvirtd.pid /var/run/libvirtd.pid)
if [ -n "$lvd" ] && [ $conf_changed -eq 1 ]; then
    log "restarting libvirtd (pid $lvd) to apply $QEMU_CONF"
    stop_pid "$lvd" 30
    lvd=""
fi
if [ -n "$lvd" ] && libvirt_ok; then
    log "libvirtd already answers on qemu:///system (pid $lvd)"
    exit 0
fi

mkdir -p /run/libvirt /var/log/libvirt
vld=$(daemon_pid virtlogd /run/virtlogd.pid /var/run/virtlogd.pid)
if [ -z "$vld" ]; then
    log "starting virtlogd"
    virtlogd -d </dev/null >>/var/log/stackdock-libvirtd.log 2>&1 9>&- \
        || die "virtlogd failed to start (see /var/log/stackdock-libvirtd.log)"
fi

start=$SECONDS
if [ -z "$lvd" ]; then
    # Leftovers of a killed libvirtd in /run/libvirt: pid files of the daemon's helpers.
    for f in /run/libvirt/*.pid /run/libvirt/qemu/driver.pid; do
        [ -e "$f" ] || continue
        pid=$(tr -dc '0-9' <"$f" 2>/dev/null || true)
        pid_alive "$pid" || { log "removing stale pid file $f"; rm -f "$f"; }
    done
    log "starting libvirtd"
    echo "=== $(date -u +%FT%TZ) tools/ensure-libvirt.sh starting libvirtd" >>/var/log/stackdock-libvirtd.log
    libvirtd -d </dev/null >>/var/log/stackdock-libvirtd.log 2>&1 9>&- \
        || die "libvirtd failed to start (see /var/log/stackdock-libvirtd.log)"
else
    log "libvirtd is running (pid $lvd) but does not answer yet; waiting up to ${WAIT}s"
fi
wait_for "libvirtd (qemu:///system)" "$WAIT" libvirt_ok \
    || die "libvirtd does not answer on qemu:///system after ${WAIT}s (see /var/log/stackdock-libvirtd.log and /var/log/libvirt/)"
log "libvirtd ready after $((SECONDS - start))s"
# Warm libvirt's QEMU capability cache now (the first probe takes several seconds under TCG)
# rather than inside the first test that connects.
if command -v virsh >/dev/null 2>&1; then
    t=$SECONDS
    timeout 120 virsh -c qemu:///system domcapabilities --virttype qemu --arch x86_64 >/dev/null 2>&1 || true
    log "QEMU capabilities cached ($((SECONDS - t))s)"
fi
