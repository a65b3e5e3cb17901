#!/usr/bin/env bash
# Everything the functional tests need running: Docker, libvirt, RabbitMQ, MariaDB/PostgreSQL.
# Idempotent; holds /run/stackdock-ensure.lock so several engineers / CI jobs can run it at once.
# Prints one status line per service; exits non-zero if any is missing.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")"

is_root && ensure_lock
rc=0
for svc in docker libvirt rabbitmq databases; do
    t=$SECONDS
    if out=$(./ensure-$svc.sh 2>&1); then
        printf '%-10s OK   (%ss)\n' "$svc" $((SECONDS - t))
    else
        printf '%-10s FAIL (%ss)\n' "$svc" $((SECONDS - t))
        printf '%s\n' "$out" | sed 's/^/    /' >&2
        rc=1
    fi
done
exit $rc
