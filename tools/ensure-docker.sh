#!/usr/bin/env bash
# Make sure a Docker engine answers on /var/run/docker.sock.
# Uses a running engine; as root otherwise installs docker.io and starts dockerd in the
# background (there is no systemd on the test machines). Idempotent and safe to run
# concurrently (flock). Handles what a killed earlier dockerd leaves behind: stale
# /var/run/docker.pid, stale /var/run/docker/containerd/*.pid, an orphaned containerd.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

SOCK=/var/run/docker.sock
PIDFILE=/var/run/docker.pid
CTRD_DIR=/var/run/docker/containerd
LOGFILE=/var/log/stackdock-dockerd.log
WAIT=${STACKDOCK_DOCKER_WAIT:-120}

docker_ping "$SOCK" && { log "dockerd already answers on $SOCK"; exit 0; }

if ! is_root; then
    if [ -S "$SOCK" ] && [ ! -w "$SOCK" ]; then
        die "$SOCK exists but $(id -un) may not use it: add the user to group docker (usermod -aG docker $(id -un)) or run as root"
    fi
    die "no Docker engine answers on $SOCK. As root run: tools/ensure-docker.sh (installs docker.io, starts dockerd -H unix://$SOCK)"
fi

ensure_lock
docker_ping "$SOCK" && { log "dockerd already answers on $SOCK"; exit 0; }

need_debs docker.io iptables curl

# dockerd needs a working iptables. Debian 12+ defaults to iptables-nft; where the kernel
# lacks nf_tables, fall back to the legacy backend.
if ! iptables -L -n >/dev/null 2>&1; then
    if [ -x /usr/sbin/iptables-legacy ] && /usr/sbin/iptables-legacy -L -n >/dev/null 2>&1; then
        log "iptables (nft) does not work here; switching to iptables-legacy"
        update-alternatives --set iptables /usr/sbin/iptables-legacy >/dev/null
        [ -x /usr/sbin/ip6tables-legacy ] && update-alternatives --set ip6tables /usr/sbin/ip6tables-legacy >/dev/null || true
    else
        log "WARNING: neither iptables-nft nor iptables-legacy work; dockerd may fail to start"
    fi
fi

serves_default_socket() {  # serves_default_socket PID: that dockerd listens on $SOCK
    local args
    args=$(tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null) || return 1
    printf '%s\n' "$args" | grep -Eq "^((-H|--host)=)?unix://$SOCK\$" && return 0
    ! printf '%s\n' "$args" | grep -Eq '^(-H|--host)($|=)|^-H.'
}

wait_dockerd() {  # wait_dockerd PID SECS: wait for the socket while PID lives
    local pid=$1 end=$((SECONDS + $2))
    until docker_ping "$SOCK"; do
        if ! pid_alive "$pid"; then
            log "dockerd (pid $pid) exited; last lines of $LOGFILE:"
            tail -n 25 "$LOGFILE" >&2 2>/dev/null || true
            return 1
        fi
        [ $SECONDS -ge $end ] && return 2
        sleep 0.5
    done
}

# 1. A dockerd is already running (maybe slow: starting, restoring, or under load): wait for it.
existing=""
if clean_pidfile "$PIDFILE" dockerd; then
    existing=$(tr -dc '0-9' <"$PIDFILE")
else
    # A dockerd of ours whose pid file was deleted (not an engineer's private dockerd
    # listening elsewhere, and never a container's inner dockerd: live_pids checks that).
    for pid in $(live_pids dockerd); do
        if serves_default_socket "$pid"; then
            existing=$pid
            break
        fi
    done
fi
if [ -n "$existing" ]; then
    log "dockerd is running (pid $existing) but $SOCK does not answer yet; waiting up to ${WAIT}s"
    start=$SECONDS
    if wait_dockerd "$existing" "$WAIT"; then
        log "dockerd is up (waited $((SECONDS - start))s)"
        exit 0
    fi
    if pid_matches "$existing" dockerd; then
        die "dockerd pid $existing is running but $SOCK did not answer within ${WAIT}s; see $LOGFILE (stop it with: kill $existing)"
    fi
fi

# 2. No dockerd: clear what a killed one left behind.
clean_pidfile "$PIDFILE" dockerd || true
if [ -d "$CTRD_DIR" ]; then
    for f in "$CTRD_DIR"/*.pid; do
        [ -e "$f" ] || continue
        if clean_pidfile "$f" containerd; then
            # An orphaned containerd from a dead dockerd: dockerd would try to adopt it;
            # a fresh one is more reliable.
            pid=$(tr -dc '0-9' <"$f")
            log "stopping orphaned containerd (pid $pid) left by a dead dockerd"
            stop_pid "$pid" 15
            rm -f "$f"
        fi
    done
fi
# Orphaned dockerd-managed containerd without pid file.
for pid in $(live_pids containerd); do
    ppid=$(awk '{print $4}' "/proc/$pid/stat" 2>/dev/null || echo 0)
    pid_matches "$ppid" dockerd && continue
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "$CTRD_DIR/containerd.toml"; then
        log "stopping orphaned containerd (pid $pid)"
        stop_pid "$pid" 15
    fi
done
rm -f "$SOCK"

# 3. Start dockerd detached from this script (own session, no inherited lock fd).
log "starting dockerd (log: $LOGFILE)"
mkdir -p "$(dirname "$LOGFILE")"
echo "=== $(date -u +%FT%TZ) tools/ensure-docker.sh starting dockerd" >>"$LOGFILE"
start=$SECONDS
setsid nohup dockerd -H "unix://$SOCK" --live-restore=false \
    >>"$LOGFILE" 2>&1 </dev/null 9>&- &
pid=$!
if wait_dockerd "$pid" "$WAIT"; then
    log "dockerd is up (pid $pid, $((SECONDS - start))s)"
else
    die "dockerd did not answer on $SOCK within ${WAIT}s; see $LOGFILE"
fi
