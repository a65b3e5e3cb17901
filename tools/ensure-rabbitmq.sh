#!/usr/bin/env bash
# Make sure RabbitMQ answers on 127.0.0.1:5672 (guest/guest). Starts it if it is installed but
# stopped (as root, installs rabbitmq-server if missing). Idempotent, safe to run concurrently.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

WAIT=${STACKDOCK_RABBITMQ_WAIT:-90}

rabbit_ok() { tcp_open 127.0.0.1 5672 && timeout 20 rabbitmqctl -q status >/dev/null 2>&1; }

if tcp_open 127.0.0.1 5672; then
    log "rabbitmq answers on 127.0.0.1:5672"
    exit 0
fi
is_root || die "RabbitMQ does not answer on 127.0.0.1:5672. As root run: tools/ensure-rabbitmq.sh (or: apt-get install rabbitmq-server && rabbitmq-server -detached)"

ensure_lock
tcp_open 127.0.0.1 5672 && { log "rabbitmq answers on 127.0.0.1:5672"; exit 0; }
need_debs rabbitmq-server

start=$SECONDS
if [ -z "$(live_pids beam.smp)" ]; then
    log "starting rabbitmq-server"
    rabbitmq-server -detached </dev/null >>/var/log/stackdock-rabbitmq-start.log 2>&1 9>&- || true
else
    log "a beam.smp is running; waiting for RabbitMQ to answer"
fi
wait_for "rabbitmq" "$WAIT" rabbit_ok \
    || die "RabbitMQ did not answer within ${WAIT}s (see /var/log/rabbitmq/)"
log "rabbitmq ready after $((SECONDS - start))s"
