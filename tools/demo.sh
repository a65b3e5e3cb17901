#!/usr/bin/env bash
# make demo: a 3-node swarm-mode bay built with the real `openstack coe` CLI, end to end.
#
# Starts stackdock-aio (API + conductor + Docker compute agent; SQLite; RabbitMQ when it
# answers on 127.0.0.1:5672, else the in-process transport) with a temporary configuration,
# registers the swarm node image in a temporary image catalog, creates a cluster template and
# a cluster of 1 master + 2 workers, fetches its TLS config with `coe cluster config`, runs a
# 3-replica busybox httpd service through the bay's TLS endpoint (docker SDK), shows every
# replica answering on 127.0.0.1, then deletes everything and stops the aio process.
# Whatever fails, the trap deletes the cluster, stops the aio (by its pid) and removes any
# container or network carrying this run's label.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PY="$VENV/bin/python"
OS="$VENV/bin/openstack"
NODE_IMAGE=${STACKDOCK_NODE_IMAGE:-stackdock/swarm-node:latest}
BUSYBOX=stackdock/busybox:latest
RUN=$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')
WORK=$(mktemp -d /tmp/stackdock-demo.XXXXXX)
chmod 0755 "$WORK"
LABEL="stackdock.demo=$RUN"
AIO_PID=""
VHOST=""
CLUSTER="demo-$RUN"
TEMPLATE="demo-swarm-$RUN"
T0=$SECONDS

say() { printf '[demo %3ss] %s\n' "$((SECONDS - T0))" "$*"; }
die() { say "FAILED: $*" >&2; exit 1; }

export SHELL=${SHELL:-/bin/sh}   # `coe cluster config` reads it
export PYTHONWARNINGS=ignore

coe() { "$OS" --os-auth-type none --os-endpoint "http://127.0.0.1:$PORT/v1" coe "$@" 2> >(grep -v "Could not load" >&2); }

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$AIO_PID" ] && kill -0 "$AIO_PID" 2>/dev/null; then
        if [ $rc -ne 0 ]; then
            say "cleaning up after a failure (logs: $WORK/aio.log)"
            tail -n 40 "$WORK/aio.log" >&2 || true
            coe cluster delete "$CLUSTER" >/dev/null 2>&1 || true
            for _ in $(seq 1 120); do
                coe cluster show "$CLUSTER" >/dev/null 2>&1 || break
                sleep 1
            done
            coe cluster template delete "$TEMPLATE" >/dev/null 2>&1 || true
        fi
        say "stopping stackdock-aio (pid $AIO_PID)"
        kill -TERM "$AIO_PID" 2>/dev/null || true
        for _ in $(seq 1 120); do kill -0 "$AIO_PID" 2>/dev/null || break; sleep 0.5; done
        kill -KILL "$AIO_PID" 2>/dev/null || true
    fi
    # Anything still carrying this run's label goes (there should be nothing).
    "$PY" - "$LABEL" <<'PY' || true
import sys
import docker
cli = docker.from_env()
flt = {"label": sys.argv[1]}
for c in cli.containers.list(all=True, filters=flt):
    print(f"[demo] removing leftover container {c.name}")
    c.remove(force=True, v=True)
for n in cli.networks.list(filters=flt):
    print(f"[demo] removing leftover network {n.name}")
    n.remove()
PY
    if [ -n "$VHOST" ]; then "$CTL" -q delete_vhost "$VHOST" >/dev/null 2>&1 || true; fi
    if [ $rc -eq 0 ]; then rm -rf "$WORK"; else say "kept $WORK for inspection"; fi
    exit $rc
}
trap cleanup EXIT INT TERM

say "checking images"
docker image inspect "$NODE_IMAGE" >/dev/null 2>&1 || die "$NODE_IMAGE is missing (run: make images)"
docker image inspect "$BUSYBOX" >/dev/null 2>&1 || die "$BUSYBOX is missing (run: make images)"

PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
TRANSPORT=""
if "$PY" -c 'import socket; socket.create_connection(("127.0.0.1", 5672), 2)' 2>/dev/null; then
    # A vhost of its own when rabbitmqctl works here, so no other agent on the broker is used.
    CTL=$(command -v rabbitmqctl || echo /usr/sbin/rabbitmqctl)
    if "$CTL" -q add_vhost "stackdock-demo-$RUN" >/dev/null 2>&1 \
        && "$CTL" -q set_permissions -p "stackdock-demo-$RUN" guest '.*' '.*' '.*' >/dev/null 2>&1; then
        VHOST="stackdock-demo-$RUN"
    fi
    TRANSPORT="transport_url = rabbit://guest:guest@127.0.0.1:5672/$VHOST"
    say "RabbitMQ answers on 127.0.0.1:5672: using it (vhost ${VHOST:-/})"
else
    say "no RabbitMQ on 127.0.0.1:5672: using the in-process transport"
fi
cat >"$WORK/stackdock.conf" <<CONF
[DEFAULT]
$TRANSPORT

[database]
connection = sqlite:///$WORK/magnum_lite.sqlite

[api]
host = 127.0.0.1
port = $PORT
workers = 1

[conductor]
host = demo-conductor-$RUN
topic = magnum-lite-conductor-demo-$RUN
report_interval = 1
sync_interval = 2

[compute]
host = demo-compute-$RUN
compute_driver = docker
state_path = $WORK/compute-state
report_interval = 1

[docker]
labels = stackdock.demo:$RUN

[image]
catalog_dir = $WORK/images

[x509]
key_file = $WORK/fernet.key
key_type = ec
CONF

say "registering $NODE_IMAGE in the image catalog"
IMAGE_ID=$("$VENV/bin/stackdock-image" --catalog-dir "$WORK/images" register-docker "$NODE_IMAGE" \
    --name swarm-node --property stackdock_nested_docker=true \
    --property stackdock_publish_ports=2376/tcp,8080/tcp | "$PY" -c '
import json, re, sys
text = sys.stdin.read()
try:
    print(json.loads(text)["id"])
except ValueError:
    print(re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", text).group(0))
')
say "node image registered: $IMAGE_ID"

say "starting stackdock-aio on 127.0.0.1:$PORT (log: $WORK/aio.log)"
"$VENV/bin/stackdock-aio" --config-file "$WORK/stackdock.conf" >"$WORK/aio.log" 2>&1 &
AIO_PID=$!
for _ in $(seq 1 240); do
    kill -0 "$AIO_PID" 2>/dev/null || die "stackdock-aio exited: $(tail -n 20 "$WORK/aio.log")"
    if coe service list -f value -c state 2>/dev/null | grep -q '^up$'; then break; fi
    sleep 0.5
done
coe service list -f value -c state 2>/dev/null | grep -q '^up$' || die "the conductor did not come up"
# (The conductor's first capacity report may still be on its way: the driver's placement
# waits for it, so the create below needs no pause.)
say "API and conductor are up"

say "creating cluster template $TEMPLATE (coe swarm-mode, server type container)"
coe cluster template create "$TEMPLATE" --coe swarm-mode --server-type container \
    --image "$IMAGE_ID" --external-network public --labels "preload_images=$BUSYBOX" \
    -f value -c uuid >/dev/null

say "creating cluster $CLUSTER: 1 master + 2 workers"
START=$SECONDS
coe cluster create "$CLUSTER" --cluster-template "$TEMPLATE" --master-count 1 --node-count 2
LAST=""
while :; do
    STATUS=$(coe cluster show "$CLUSTER" -f value -c status)
    [ "$STATUS" != "$LAST" ] && say "cluster status: $STATUS" && LAST=$STATUS
    case "$STATUS" in
        CREATE_COMPLETE) break ;;
        *FAILED) die "$(coe cluster show "$CLUSTER" -f value -c status_reason)" ;;
    esac
    [ $((SECONDS - START)) -lt 900 ] || die "cluster not complete after 900 s"
    sleep 1
done
say "cluster complete in $((SECONDS - START)) s"
coe cluster show "$CLUSTER" -f yaml -c api_address -c master_addresses -c node_addresses -c coe_version

say "coe cluster config (TLS certificates into $WORK/config)"
mkdir -p "$WORK/config"
coe cluster config "$CLUSTER" --dir "$WORK/config" --force --output-certs >"$WORK/config/env"
cat "$WORK/config/env"

say "running a 3-replica busybox httpd service through the bay's TLS endpoint"
"$PY" - "$WORK/config/env" "$BUSYBOX" "$LABEL" <<'PY'
import os
import sys
import time
import urllib.request

import docker
import docker.tls
from docker.types import EndpointSpec, ServiceMode

env = {}
for line in open(sys.argv[1]):
    if line.startswith("export "):
        key, _, value = line[len("export "):].strip().partition("=")
        env[key] = value
cert_dir = env["DOCKER_CERT_PATH"]
tls = docker.tls.TLSConfig(
    client_cert=(os.path.join(cert_dir, "cert.pem"), os.path.join(cert_dir, "key.pem")),
    ca_cert=os.path.join(cert_dir, "ca.pem"),
    verify=True,
)
bay = docker.DockerClient(base_url=env["DOCKER_HOST"].replace("tcp://", "https://"), tls=tls,
                          version="1.41")
bay.api.trust_env = False  # trust the bay CA, not REQUESTS_CA_BUNDLE
for node in bay.nodes.list():
    attrs = node.attrs
    print(f"  swarm node {attrs['Description']['Hostname']}: {attrs['Spec']['Role']}, "
          f"{attrs['Status']['State']}")
svc = bay.services.create(
    sys.argv[2], command=["httpd", "-f", "-p", "8080", "-h", "/etc"], name="demo-web",
    mode=ServiceMode("replicated", 3),
    endpoint_spec=EndpointSpec(ports={8080: (8080, "tcp", "host")}),
)
end = time.monotonic() + 600
while time.monotonic() < end:
    tasks = [t for t in svc.tasks(filters={"desired-state": "running"})
             if t["Status"]["State"] == "running"]
    if len(tasks) == 3:
        break
    time.sleep(0.5)
else:
    sys.exit("the service did not reach 3 running tasks")
print("  service demo-web: 3/3 tasks running")

# Each node publishes its port 8080 on the host's loopback (see the image's properties).
host = docker.from_env()
ports = []
for c in host.containers.list(filters={"label": sys.argv[3]}):
    binding = (c.attrs["NetworkSettings"]["Ports"] or {}).get("8080/tcp")
    if binding:
        ports.append(binding[0]["HostPort"])
for port in sorted(ports):
    url = f"http://127.0.0.1:{port}/hostname"
    for _ in range(120):
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                print(f"  {url} -> {r.read().decode().strip()} (task container on that node)")
            break
        except OSError:
            time.sleep(0.5)
    else:
        sys.exit(f"{url} did not answer")
svc.remove()
bay.close()
PY

say "deleting cluster $CLUSTER"
coe cluster delete "$CLUSTER"
START=$SECONDS
while coe cluster show "$CLUSTER" -f value -c status >/dev/null 2>&1; do
    [ $((SECONDS - START)) -lt 600 ] || die "cluster not deleted after 600 s"
    sleep 1
done
say "cluster deleted in $((SECONDS - START)) s"
coe cluster template delete "$TEMPLATE"
LEFT=$("$PY" -c "
import docker; c = docker.from_env(); f = {'label': '$LABEL'}
print(len(c.containers.list(all=True, filters=f)) + len(c.networks.list(filters=f)))")
[ "$LEFT" = 0 ] || die "$LEFT containers/networks of the bay are still there"
say "no container or network of the bay is left; demo done in $((SECONDS - T0)) s"
