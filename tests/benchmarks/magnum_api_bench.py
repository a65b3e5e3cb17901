"""GET /v1/clusters/detail with 1000 templates and 1000 clusters, under gunicorn.

Real Magnum 23 answered this request in 3837 ms p50 on this kind of machine (one
nodegroup query per cluster). The baseline is the same request in the same run for a
project with no clusters, so the ratio shows what 1000 rows cost on top of a request.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid

import requests

from magnum_lite.db.api import Connection
from magnum_lite.db.sqlalchemy import migration, models
from tests.benchmarks import timing
from tests.functional import net, procs

COUNT = 1000
SAMPLES = 30
HEADERS = {"OpenStack-API-Version": "container-infra latest"}


def _populate(db_url: str) -> None:
    conn = Connection(db_url)
    try:
        with conn.db.writer() as s:
            templates = [
                models.ClusterTemplate(
                    uuid=str(uuid.uuid4()),
                    name=f"bench-tpl-{i}",
                    coe="swarm-mode",
                    image_id="stackdock/swarm-node:latest",
                    project_id="bench",
                    labels={"preload_images": "stackdock/busybox:latest"},
                    server_type="container",
                )
                for i in range(COUNT)
            ]
            s.add_all(templates)
            s.flush()
            for i in range(COUNT):
                cid = str(uuid.uuid4())
                s.add(
                    models.Cluster(
                        uuid=cid,
                        name=f"bench-c-{i}",
                        project_id="bench",
                        user_id="u",
                        cluster_template_id=templates[i].uuid,
                        status="CREATE_COMPLETE",
                        node_count=3,
                        master_count=1,
                        create_timeout=60,
                        labels={"a": "b"},
                        api_address="tcp://127.0.0.1:2376",
                        node_addresses=["10.0.0.2"] * 3,
                        master_addresses=["10.0.0.1"],
                        health_status="HEALTHY",
                    )
                )
                for role, count in (("master", 1), ("worker", 3)):
                    s.add(
                        models.NodeGroup(
                            uuid=str(uuid.uuid4()),
                            name=f"default-{role}",
                            cluster_id=cid,
                            project_id="bench",
                            role=role,
                            is_default=True,
                            node_count=count,
                        )
                    )
    finally:
        conn.dispose()


def _percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def main() -> None:
    tmpdir = tempfile.mkdtemp(prefix="ml-bench-")
    proc = None
    try:
        db_url = f"sqlite:///{os.path.join(tmpdir, 'bench.sqlite')}"
        migration.upgrade(db_url)
        _populate(db_url)
        port = net.free_port()
        conf = os.path.join(tmpdir, "stackdock.conf")
        with open(conf, "w") as f:
            f.write(
                "[DEFAULT]\ntransport_url = fake:/\n"
                f"[database]\nconnection = {db_url}\n"
                f"[api]\nport = {port}\nworkers = 2\n"
            )
        log = open(os.path.join(tmpdir, "api.log"), "w")
        bindir = os.path.dirname(sys.executable)
        proc = subprocess.Popen(
            [os.path.join(bindir, "magnum-lite-api"), "--config-file", conf],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        net.wait_for_port(port, timeout=120)
        url = f"http://127.0.0.1:{port}/v1/clusters/detail"
        session = requests.Session()

        def get(headers: dict) -> None:
            resp = session.get(url, headers=headers, timeout=120)
            resp.raise_for_status()

        empty = {**HEADERS, "X-Project-Id": "nobody", "X-Roles": "member"}
        full = {**HEADERS, "X-Project-Id": "bench", "X-Roles": "member"}
        body = session.get(url, headers=full, timeout=120).json()
        assert len(body["clusters"]) == COUNT, len(body["clusters"])
        for _ in range(3):  # warm both workers
            get(full)
            get(empty)
        base = [timing.timed(lambda: get(empty)) for _ in range(SAMPLES)]
        measured = [timing.timed(lambda: get(full)) for _ in range(SAMPLES)]
        print(f"api.clusters_detail_1000.p50_ms {timing.median(measured) * 1000:.1f}")
        print(f"api.clusters_detail_1000.p95_ms {_percentile(measured, 95) * 1000:.1f}")
        print(f"api.clusters_detail_empty.p50_ms {timing.median(base) * 1000:.1f}")
        print(timing.ratio_line("api.clusters_detail_1000.ratio_vs_empty", measured, base))
        session.close()
    finally:
        procs.stop_process(proc)
        shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == "__main__":
    main()
