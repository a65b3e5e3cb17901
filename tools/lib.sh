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
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; }
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
