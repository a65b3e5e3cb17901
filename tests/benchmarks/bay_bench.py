"""Bay creation time through the real stack, against swarm bootstrap by hand.

``bay.create3.seconds`` / ``bay.create10.seconds``: POST /v1/clusters (python-magnumclient)
until CREATE_COMPLETE (every node Ready in the swarm), with the API, conductor and a Docker
compute agent as separate processes on RabbitMQ. Goals: at most 20 and 60 seconds.

Baseline, same run: 3 bare node containers started directly with the docker SDK (same image,
nested recipe and injected TLS certificates), then swarm init and two joins by hand over the
same TLS API; ``bay.create3.ratio_vs_raw`` is the bay time over that.
"""

from __future__ import annotations

import concurrent.futures
import io
import logging
import tarfile
import time
import uuid

import docker

from magnum_lite.common import x509
from magnum_lite.drivers.swarm_mode import swarm
from nova_docker.virt.docker import nested
from tests.functional import rabbit
from tests.functional.bay.stack import NODE_IMAGE, BayStack

LABEL = "stackdock.bench"
TIMEOUT = 900.0


def _create(stack: BayStack, template: str, workers: int) -> float:
    mc = stack.magnum()
    start = time.perf_counter()
    cluster = mc.clusters.create(
        name=f"bench-{uuid.uuid4().hex[:6]}",
        cluster_template_id=template,
        master_count=1,
        node_count=workers,
    )
    end = time.monotonic() + TIMEOUT
    try:
        while True:
            status = mc.clusters.get(cluster.uuid).status
            if status == "CREATE_COMPLETE":
                elapsed = time.perf_counter() - start
                break
            if status.endswith("FAILED") or time.monotonic() > end:
                reason = mc.clusters.get(cluster.uuid).status_reason
                raise RuntimeError(f"bench cluster {status}: {reason}")
            time.sleep(0.1)
    finally:
        mc.clusters.delete(cluster.uuid)
        _wait_gone(mc, cluster.uuid)
    return elapsed


def _wait_gone(mc, cluster_uuid: str) -> None:
    end = time.monotonic() + TIMEOUT
    while time.monotonic() < end:
        try:
            mc.clusters.get(cluster_uuid)
        except Exception:  # noqa: BLE001  (404: gone)
            return
        time.sleep(0.5)


def _tar(files: list[tuple[str, str]]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for path, text in files:
            data = text.encode()
            info = tarfile.TarInfo(path.lstrip("/"))
            info.size, info.mode = len(data), 0o600
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def raw_swarm(count: int, run: str) -> float:
    """Seconds to start ``count`` node containers and form a swarm by hand."""
    host = docker.from_env()
    labels = {LABEL: run}
    net_name = f"bench-raw-{run}"
    start = time.perf_counter()
    ca, ca_key = x509.generate_ca("bench", validity_days=2)
    net = host.networks.create(net_name, labels=labels)
    try:
        hc = nested.host_config_args()

        def spawn(i: int) -> tuple[str, str]:
            cert, key = x509.issue_cert(ca, ca_key, f"n{i}", sans_ips=["127.0.0.1"], sans_dns=[])
            c = host.containers.create(
                NODE_IMAGE,
                name=f"bench-raw-{run}-{i}",
                labels=labels,
                cap_add=hc["cap_add"],
                cap_drop=hc["cap_drop"],
                security_opt=hc["security_opt"],
                device_cgroup_rules=hc["device_cgroup_rules"],
                volumes=hc["binds"],
                tmpfs=hc["tmpfs"],
                ports={"2376/tcp": ("127.0.0.1", None)},
                network=net_name,
            )
            certs = [("ca.pem", ca), ("server-cert.pem", cert), ("server-key.pem", key)]
            c.put_archive("/", _tar([(f"/etc/stackdock-node/{n}", t) for n, t in certs]))
            c.start()
            c.reload()
            port = c.attrs["NetworkSettings"]["Ports"]["2376/tcp"][0]["HostPort"]
            ip = c.attrs["NetworkSettings"]["Networks"][net_name]["IPAddress"]
            return f"127.0.0.1:{port}", ip

        with concurrent.futures.ThreadPoolExecutor(count) as pool:
            nodes = list(pool.map(spawn, range(count)))
        cert, key = x509.issue_cert(ca, ca_key, "admin", client=True)
        deadline = time.monotonic() + TIMEOUT
        with swarm.TLSFiles(ca, cert, key) as tls:
            clis = [swarm.client(api, tls) for api, _ in nodes]
            swarm.wait_engine(clis[0], deadline)
            ids = [swarm.init(clis[0], nodes[0][1])]
            token = swarm.join_tokens(clis[0])["worker"]

            def join(i: int) -> str:
                swarm.wait_engine(clis[i], deadline)
                return swarm.join(clis[i], nodes[0][1], token, nodes[i][1])

            with concurrent.futures.ThreadPoolExecutor(count) as pool:
                ids += list(pool.map(join, range(1, count)))
            swarm.wait_ready(clis[0], ids, deadline)
        return time.perf_counter() - start
    finally:
        for c in host.containers.list(all=True, filters={"label": f"{LABEL}={run}"}):
            c.remove(force=True, v=True)
        net.remove()
        host.close()


def main() -> None:
    # The client logs every 404 of the "is it gone yet" polls; they are expected.
    logging.getLogger("keystoneauth").setLevel(logging.CRITICAL)
    logging.getLogger("magnumclient").setLevel(logging.CRITICAL)
    # A vhost of its own: agents of other benchmarks must not be picked to host nodes.
    vhost = rabbit.create_vhost()
    run = uuid.uuid4().hex[:8]
    stack = BayStack(rabbit.transport_url(vhost), LABEL, run)
    try:
        stack.start()
        mc = stack.magnum()
        template = mc.cluster_templates.create(
            name=f"bench-{run}",
            coe="swarm-mode",
            server_type="container",
            image_id=stack.image_id,
            external_network_id="public",
        ).uuid
        raw = raw_swarm(3, run)
        print(f"bay.raw3.seconds {raw:.2f}", flush=True)
        create3 = _create(stack, template, 2)
        print(f"bay.create3.seconds {create3:.2f}", flush=True)
        print(f"bay.create3.ratio_vs_raw {create3 / raw:.2f}", flush=True)
        create10 = _create(stack, template, 9)
        print(f"bay.create10.seconds {create10:.2f}", flush=True)
        mc.cluster_templates.delete(template)
    finally:
        left = stack.close()
        if left:
            print(f"# bay bench removed leftovers: {left}", flush=True)
        rabbit.delete_vhost(vhost)


if __name__ == "__main__":
    from nova_docker.common import service

    service.init_threading_backend()
    main()
