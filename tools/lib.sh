# Shared helpers for the tools/ scripts. Source it; do not run it.

log() { printf '[stackdock] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
is_root() { [ "$(id -u)" -eq 0 ]; }

# need_debs PKG...: install missing Debian packages as root; as a user, say what to install.
need_debs() {
    local missing=()
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if ! is_root; then
        die "missing Debian packages: ${missing[*]} -- run as root: apt-get install -y --no-install-recommends ${missing[*]}"
    fi
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # 9>&-: a daemon that a package's postinst starts must not inherit the ensure lock (fd 9)
    # and hold it forever. The dpkg lock timeout covers engineers installing at the same time.
    local apt=(apt-get -y -q -o DPkg::Lock::Timeout=300 --no-install-recommends)
    "${apt[@]}" install "${missing[@]}" >/dev/null 2>&1 9>&- \
        || { apt-get -q -o DPkg::Lock::Timeout=300 update >/dev/null 2>&1 9>&- \
            && "${apt[@]}" install "${missing[@]}" >/dev/null 9>&-; } \
        || die "apt-get install ${missing[*]} failed"
}

# wait_for DESCRIPTION SECONDS CMD...: poll CMD until it succeeds or the time is up.
wait_for() {
    local what=$1 secs=$2
    shift 2
    local end=$((SECONDS + secs))
    until "$@" >/dev/null 2>&1; do
        [ $SECONDS -ge $end ] && return 1
        sleep 0.5
    done
    log "$what is up"
}

repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }

# ensure_lock [FILE]: serialise the ensure-*/build-* scripts between engineers and CI jobs.
# The lock is held on fd 9 until the script exits; nested scripts (ensure-services.sh ->
# ensure-docker.sh) see STACKDOCK_LOCK_HELD and do not lock again (that would deadlock).
# Daemons started while holding it must get `9>&-` so they do not keep the lock forever.
ensure_lock() {
    local f=${1:-/run/stackdock-ensure.lock}
    local var="STACKDOCK_LOCK_HELD_$(printf '%s' "$f" | tr -c 'A-Za-z0-9' '_')"
    [ -n "${!var:-}" ] && return 0
    is_root || f="${TMPDIR:-/tmp}/$(basename "$f").$(id -u)"
    exec 9>>"$f" || die "cannot open lock file $f"
    if ! flock -n 9; then
        log "waiting for lock $f (another stackdock script is running)"
        flock -w 1800 9 || die "timed out waiting for lock $f"
    fi
    export "$var=1"
}

# pid_alive PID: the process exists and is not a zombie.
pid_alive() {
    [[ "$1" =~ ^[0-9]+$ ]] && [ -e "/proc/$1" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# same_mntns PID: PID runs in our mount namespace. Daemons inside containers (the inner
# dockerd/containerd of docker-in-docker swarm nodes) are visible from the host with the same
# names and even the same /var/run/docker/... paths: never mistake them for the host's.
same_mntns() {
    [ "$(readlink "/proc/$1/ns/mnt" 2>/dev/null)" = "$(readlink /proc/self/ns/mnt)" ]
}

# live_pids NAME: pids of live (non-zombie) host processes whose command name is exactly NAME.
live_pids() {
    local pid
    for pid in $(pgrep -x "$1" || true); do
        pid_alive "$pid" && same_mntns "$pid" && echo "$pid"
    done
    return 0
}

# pid_matches PID NAME: the process PID is alive, its command name is NAME, and it runs in
# our mount namespace (a reused pid may belong to a container's daemon of the same name).
pid_matches() {
    local pid=$1 name=$2 comm
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    [ -r "/proc/$pid/comm" ] || return 1
    comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
    [ "$comm" = "$name" ] && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ] && same_mntns "$pid"
}

# clean_pidfile FILE NAME: remove FILE if the pid in it is dead or is not a NAME process
# (pid reuse after a killed daemon). Returns 0 if FILE names a live NAME process.
clean_pidfile() {
    local f=$1 name=$2 pid
    [ -e "$f" ] || return 1
    pid=$(tr -dc '0-9' <"$f" 2>/dev/null || true)
    if pid_matches "$pid" "$name"; then
        return 0
    fi
    log "removing stale pid file $f (pid '${pid}' is not a live $name)"
    rm -f "$f"
    return 1
}

# stop_pid PID [SECS]: TERM, wait, then KILL.
stop_pid() {
    local pid=$1 secs=${2:-15} end
    kill -TERM "$pid" 2>/dev/null || return 0
    end=$((SECONDS + secs))
    while [ -e "/proc/$pid" ] && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]; do
        if [ $SECONDS -ge $end ]; then
            log "pid $pid did not stop after ${secs}s, killing it"
            kill -KILL "$pid" 2>/dev/null || true
            sleep 1
            break
        fi
        sleep 0.3
    done
}

# tcp_open HOST PORT: something accepts TCP connections there.
tcp_open() { timeout 3 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

# docker_ping [SOCKET]: the Docker engine on SOCKET answers /_ping with OK.
docker_ping() {
    local sock=${1:-/var/run/docker.sock}
    [ -S "$sock" ] || return 1
    if command -v curl >/dev/null 2>&1; then
        [ "$(curl -s -m 5 --unix-socket "$sock" http://x/_ping 2>/dev/null)" = OK ]
    else
        python3 - "$sock" <<'PY' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1])
s.sendall(b"GET /_ping HTTP/1.0\r\nHost: x\r\n\r\n")
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
sys.exit(0 if data.endswith(b"OK") else 1)
PY
    fi
}

# script_sha FILE...: short content hash used as the `stackdock.build` image label.
script_sha() { cat "$@" | sha256sum | cut -c1-16; }

# image_label IMAGE LABEL: print the label value ("" when the image or label is missing).
image_label() {
    docker image inspect -f "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null | sed 's/<no value>//' || true
}

# busybox_tree DIR: a minimal root in DIR from the static busybox (busybox-static):
# /bin/busybox, a symlink per applet, /bin/sh, /etc/passwd and /etc/group (root, nobody), /tmp.
busybox_tree() {
    local d=$1 bb app
    bb=$(command -v busybox || true)
    [ -n "$bb" ] && file -L "$bb" 2>/dev/null | grep -q 'statically linked' || bb=/bin/busybox
    ldd "$bb" >/dev/null 2>&1 && die "$bb is not statically linked (install busybox-static)"
    mkdir -p "$d"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,proc,sys,dev,root,var/tmp,run}
    install -m 0755 "$bb" "$d/bin/busybox"
    for app in $("$d/bin/busybox" --list-full); do
        [ -e "$d/$app" ] || [ -L "$d/$app" ] || ln -s /bin/busybox "$d/$app"
    done
    [ -e "$d/bin/sh" ] || ln -s /bin/busybox "$d/bin/sh"
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$d/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$d/etc/group"
    chmod 1777 "$d/tmp" "$d/var/tmp"
}
