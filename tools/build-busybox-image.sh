#!/usr/bin/env bash
# Build the Docker image stackdock/busybox:latest (about 2 MB) by `docker import` of a root
# file system made from busybox-static: no registry is needed. Skipped when the image exists
# with the label stackdock.build=<hash of this script and busybox_tree>.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

IMAGE=${STACKDOCK_BUSYBOX_IMAGE:-stackdock/busybox:latest}
SHA=$(script_sha "$0" <(declare -f busybox_tree))

"$(dirname "$0")/ensure-docker.sh"
if [ "$(image_label "$IMAGE" stackdock.build)" = "$SHA" ]; then
    log "$IMAGE is up to date (stackdock.build=$SHA)"
    exit 0
fi
is_root || command -v busybox >/dev/null || die "needs busybox-static: as root run tools/build-busybox-image.sh"
ensure_lock /run/stackdock-build-busybox.lock
[ "$(image_label "$IMAGE" stackdock.build)" = "$SHA" ] && { log "$IMAGE is up to date"; exit 0; }
need_debs busybox-static file

t=$SECONDS
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
busybox_tree "$work/root"
old_id=$(docker image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)
tar -C "$work/root" --numeric-owner --owner=0 --group=0 -c . \
    | docker import \
        --change 'CMD ["/bin/sh"]' \
        --change "LABEL stackdock.build=$SHA" \
        --message "stackdock busybox image (tools/build-busybox-image.sh)" \
        - "$IMAGE" >/dev/null
# The previous build, unless a container still uses it (no -f).
[ -n "$old_id" ] && docker rmi "$old_id" >/dev/null 2>&1 || true
docker run --rm --network none "$IMAGE" sh -c 'echo hello from $(busybox | head -n1 | cut -d" " -f1-2)' >&2 \
    || die "$IMAGE was imported but does not run"
log "built $IMAGE (stackdock.build=$SHA) in $((SECONDS - t))s"
