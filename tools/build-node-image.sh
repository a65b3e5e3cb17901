#!/usr/bin/env bash
# Build the swarm node image stackdock/swarm-node:latest: a debootstrap'ed Debian (the suite
# and mirror of this machine) with docker.io, imported with `docker import` (no registry).
# Its entrypoint /usr/local/bin/stackdock-node-start runs an inner `dockerd --storage-driver=vfs`,
# with TLS on tcp://0.0.0.0:2376 when the conductor has injected certificates into
# /etc/stackdock-node/. Skipped when the image carries stackdock.build=<hash of this script>.
#
# The node runs WITHOUT --privileged (the test sandboxes lack CAP_SYS_RESOURCE). Recipe that
# works (docker SDK terms): cap_add=[every capability except SYS_RESOURCE],
# security_opt=["seccomp=unconfined", "apparmor=unconfined"], device_cgroup_rules=["a *:* rwm"],
# volumes={"/sys/fs/cgroup": {"bind": "/sys/fs/cgroup", "mode": "rw"}}, tmpfs={"/run": ""}.
# `tools/build-node-image.sh --verify` starts such a container and waits for the inner engine.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

IMAGE=${STACKDOCK_NODE_IMAGE:-stackdock/swarm-node:latest}
SHA=$(script_sha "$0")
VERIFY=0
[ "${1:-}" = "--verify" ] && VERIFY=1

# All capabilities of this kernel except SYS_RESOURCE, as Docker names them.
node_caps() {
    local names=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP
        LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER
        SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE
        SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP
        MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF
        CHECKPOINT_RESTORE)
    local last i
    last=$(cat /proc/sys/kernel/cap_last_cap 2>/dev/null || echo 40)
    for ((i = 0; i <= last && i < ${#names[@]}; i++)); do
        [ "${names[$i]}" = SYS_RESOURCE ] || echo "${names[$i]}"
    done
}

verify() {
    local name="stackdock-node-verify-$$" args=() c t i
    for c in $(node_caps); do args+=(--cap-add "$c"); done
    docker rm -f "$name" >/dev/null 2>&1 || true
    local caps=() err bad
    for c in $(node_caps); do caps+=("$c"); done
    while :; do
        args=()
        for c in "${caps[@]}"; do args+=(--cap-add "$c"); done
        t=$(date +%s.%N)
        if err=$(docker run -d --name "$name" "${args[@]}" \
            --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
            --device-cgroup-rule 'a *:* rwm' -v /sys/fs/cgroup:/sys/fs/cgroup:rw --tmpfs /run \
            "$IMAGE" 2>&1 >/dev/null); then
            break
        fi
        # Older engines (20.10) do not know the newest capabilities (BPF, PERFMON, ...).
        bad=$(printf '%s' "$err" | sed -n 's/.*unknown capability: "CAP_\([A-Z_]*\)".*/\1/p')
        docker rm -f "$name" >/dev/null 2>&1 || true
        [ -n "$bad" ] || die "docker run of $IMAGE failed: $err"
        log "engine does not know capability $bad; leaving it out"
        for i in "${!caps[@]}"; do [ "${caps[$i]}" = "$bad" ] && unset 'caps[i]'; done
        caps=("${caps[@]}")
    done
    log "node container caps: ${caps[*]}"
    local end=$((SECONDS + 120)) ok=0
    while [ $SECONDS -lt $end ]; do
        if docker exec "$name" docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then ok=1; break; fi
        [ "$(docker inspect -f '{{.State.Running}}' "$name" 2>/dev/null)" = true ] || break
        sleep 0.3
    done
    if [ $ok = 1 ]; then
        log "inner dockerd answered after $(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}')s (from docker run)"
        docker exec "$name" docker info --format 'inner engine {{.ServerVersion}}, storage {{.Driver}}, cgroup {{.CgroupDriver}}' >&2
    else
        docker logs --tail 30 "$name" >&2 || true
    fi
    docker rm -f "$name" >/dev/null 2>&1 || true
    [ $ok = 1 ] || die "inner dockerd of $IMAGE did not come up"
}

# The Debian/Ubuntu mirror this machine is configured with (for the suite VERSION_CODENAME).
machine_mirror() {
    python3 - "$1" <<'PY'
import glob, sys
suite = sys.argv[1]
found = []
def add(uri, suites):
    if uri.startswith(("http://", "https://", "file:/")) and suite in suites:
        found.append(uri)
for f in glob.glob("/etc/apt/sources.list.d/*.sources"):
    for stanza in open(f).read().split("\n\n"):
        kv = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line or line[:1].isspace():
                continue
            k, v = line.split(":", 1)
            kv[k.strip().lower()] = v.split()
        if "deb" in kv.get("types", []) and kv.get("enabled", ["yes"])[0] != "no":
            for uri in kv.get("uris", []):
                add(uri, kv.get("suites", []))
for f in ["/etc/apt/sources.list"] + glob.glob("/etc/apt/sources.list.d/*.list"):
    try:
        lines = open(f).read().splitlines()
    except OSError:
        continue
    for line in lines:
        w = line.split("#", 1)[0].split()
        if len(w) >= 3 and w[0] == "deb":
            if w[1].startswith("["):
                while w and not w[1].endswith("]"):
                    w.pop(1)
                w.pop(1)
            if len(w) >= 3:
                add(w[1], [w[2]])
print(found[0] if found else "")
PY
}

"$(dirname "$0")/ensure-docker.sh"
if [ "$(image_label "$IMAGE" stackdock.build)" = "$SHA" ]; then
    log "$IMAGE is up to date (stackdock.build=$SHA)"
    [ $VERIFY = 1 ] && verify
    exit 0
fi
is_root || die "$IMAGE is missing or outdated; building it needs root (debootstrap): run tools/build-node-image.sh as root"
ensure_lock /run/stackdock-build-node.lock
if [ "$(image_label "$IMAGE" stackdock.build)" = "$SHA" ]; then
    log "$IMAGE is up to date"
    [ $VERIFY = 1 ] && verify
    exit 0
fi
need_debs debootstrap

. /etc/os-release
SUITE=${STACKDOCK_NODE_SUITE:-${VERSION_CODENAME:-}}
[ -n "$SUITE" ] || die "cannot tell the suite of this machine (no VERSION_CODENAME in /etc/os-release)"
MIRROR=${STACKDOCK_NODE_MIRROR:-$(machine_mirror "$SUITE")}
if [ -z "$MIRROR" ]; then
    case "${ID:-debian}" in
        ubuntu) MIRROR=http://archive.ubuntu.com/ubuntu ;;
        *) MIRROR=http://deb.debian.org/debian ;;
    esac
fi

# Newer suites (Debian 13) ship the docker CLI as its own package; the node wants it too.
INCLUDE=docker.io,iproute2,iptables,ca-certificates,procps
if apt-cache show docker-cli >/dev/null 2>&1; then INCLUDE=$INCLUDE,docker-cli; fi

t=$SECONDS
CACHE=/var/cache/stackdock/debootstrap
mkdir -p "$CACHE" /var/tmp
work=$(mktemp -d /var/tmp/stackdock-node.XXXXXX)
trap 'rm -rf "$work"' EXIT
root="$work/root"
log "debootstrap $SUITE from $MIRROR (log: $work/debootstrap.log)"
if ! debootstrap --variant=minbase --cache-dir="$CACHE" \
        --include="$INCLUDE" \
        "$SUITE" "$root" "$MIRROR" >"$work/debootstrap.log" 2>&1; then
    tail -n 30 "$work/debootstrap.log" >&2
    [ -f "$root/debootstrap/debootstrap.log" ] && tail -n 30 "$root/debootstrap/debootstrap.log" >&2
    die "debootstrap failed"
fi
log "debootstrap done in $((SECONDS - t))s"

# Trim what a node does not need.
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/* "$root"/debootstrap
# Device nodes come from the container runtime.
find "$root/dev" -mindepth 1 -delete 2>/dev/null || true

install -d -m 0755 "$root/etc/stackdock-node" "$root/usr/local/bin"
cat >"$root/usr/local/bin/stackdock-node-start" <<'NODE'
#!/bin/sh
# Entrypoint of stackdock/swarm-node: run the node's own Docker engine (storage driver vfs).
# Configuration injected by the conductor:
#   /etc/stackdock-node/{ca.pem,server-cert.pem,server-key.pem}: if all exist, also listen on
#       tcp://0.0.0.0:$STACKDOCK_NODE_TLS_PORT (default 2376) with --tlsverify.
#   /etc/stackdock-node/dockerd-args and $STACKDOCK_NODE_DOCKERD_ARGS: extra dockerd flags.
#   $STACKDOCK_NODE_STORAGE_DRIVER: default vfs.
set -e
CONF=${STACKDOCK_NODE_CONF_DIR:-/etc/stackdock-node}

# iptables: fall back to the legacy backend where nf_tables does not work.
if ! iptables -L -n >/dev/null 2>&1 && [ -x /usr/sbin/iptables-legacy ]; then
    update-alternatives --set iptables /usr/sbin/iptables-legacy >/dev/null 2>&1 || true
    update-alternatives --set ip6tables /usr/sbin/ip6tables-legacy >/dev/null 2>&1 || true
fi

# cgroup v2 with a private cgroup namespace: move ourselves out of the root cgroup so that
# dockerd can enable controllers (as docker's own dind script does). Only when every process
# listed there is one of ours (never touch a host hierarchy that was bind-mounted in).
if [ -f /sys/fs/cgroup/cgroup.controllers ] && grep -qx '0::/' /proc/self/cgroup; then
    if ! grep -qx 0 /sys/fs/cgroup/cgroup.procs 2>/dev/null; then
        mkdir -p /sys/fs/cgroup/init
        xargs -rn1 </sys/fs/cgroup/cgroup.procs >/sys/fs/cgroup/init/cgroup.procs 2>/dev/null || true
        sed -e 's/ / +/g' -e 's/^/+/' </sys/fs/cgroup/cgroup.controllers \
            >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
    fi
fi

# A restarted container keeps its file system: drop pid files of the previous engine.
rm -f /var/run/docker.pid /var/run/docker/containerd/containerd.pid
mkdir -p /var/run /var/lib/docker

set -- --storage-driver="${STACKDOCK_NODE_STORAGE_DRIVER:-vfs}" -H unix:///var/run/docker.sock
if [ -f "$CONF/server-cert.pem" ] && [ -f "$CONF/server-key.pem" ] && [ -f "$CONF/ca.pem" ]; then
    set -- "$@" -H "tcp://0.0.0.0:${STACKDOCK_NODE_TLS_PORT:-2376}" --tlsverify \
        --tlscacert="$CONF/ca.pem" --tlscert="$CONF/server-cert.pem" --tlskey="$CONF/server-key.pem"
fi
if [ -f "$CONF/dockerd-args" ]; then
    # shellcheck disable=SC2046
    set -- "$@" $(grep -v '^#' "$CONF/dockerd-args")
fi
# shellcheck disable=SC2086
exec dockerd "$@" ${STACKDOCK_NODE_DOCKERD_ARGS:-}
NODE
chmod 0755 "$root/usr/local/bin/stackdock-node-start"
echo "$SHA" >"$root/etc/stackdock-node/build"

log "importing $IMAGE"
old_id=$(docker image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)
tar -C "$root" --numeric-owner -c . \
    | docker import \
        --change 'CMD ["/usr/local/bin/stackdock-node-start"]' \
        --change "LABEL stackdock.build=$SHA" \
        --change "LABEL stackdock.suite=$SUITE" \
        --message "stackdock swarm node ($SUITE, tools/build-node-image.sh)" \
        - "$IMAGE" >/dev/null
# The previous build, unless a container still uses it (no -f).
[ -n "$old_id" ] && docker rmi "$old_id" >/dev/null 2>&1 || true
log "built $IMAGE (stackdock.build=$SHA, $(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%d MB", $1/1e6}')) in $((SECONDS - t))s"
[ $VERIFY = 1 ] && verify
exit 0
