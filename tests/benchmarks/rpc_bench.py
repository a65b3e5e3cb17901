"""compute.rpc.ratio: agent round trip (ping) / bare oslo.messaging echo, same broker.

Both servers run as their own processes on the same RabbitMQ vhost: a real
nova-docker-compute agent (docker driver, temporary state and catalog) and a minimal
oslo.messaging RPC server with one ``echo`` method and no serializer. Samples are
interleaved so that load on the machine hits both alike. Goal: at most 1.3.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import uuid

from nova_docker.common import service

service.init_threading_backend()

import oslo_messaging as messaging  # noqa: E402

from nova_docker.common import context  # noqa: E402
from nova_docker.compute import reports, rpcapi  # noqa: E402
from tests.benchmarks import timing  # noqa: E402
from tests.functional import rabbit  # noqa: E402
from tests.functional.compute import agents  # noqa: E402

SAMPLES = 300
WARMUP = 30
ECHO_TOPIC = "stackdock-bench-echo"


class _Echo:
    target = messaging.Target(version="1.0")

    def echo(self, ctxt, **kwargs):
        return kwargs


def echo_server(url: str, server: str) -> None:
    """Child process: serve ``echo`` until stdin closes."""
    conf = agents.client_conf()
    transport = messaging.get_rpc_transport(conf, url=url)
    srv = messaging.get_rpc_server(
        transport,
        messaging.Target(topic=ECHO_TOPIC, server=server),
        [_Echo()],
        access_policy=messaging.DefaultRPCAccessPolicy,
    )
    srv.start()
    print("ready", flush=True)
    sys.stdin.read()
    srv.stop()
    srv.wait()
    transport.cleanup()


def main() -> None:
    url = rabbit.transport_url()
    workdir = tempfile.mkdtemp(prefix="rpc-bench-")
    host = f"bench-{uuid.uuid4().hex[:8]}"
    echo_name = f"echo-{uuid.uuid4().hex[:8]}"
    conf = agents.client_conf(rpc_timeout=60, report_interval=10)
    transport = agents.transport(conf, url)
    agent = agents.Agent(
        workdir,
        url,
        host,
        "docker",
        {
            "compute": {"report_interval": 10},
            "image": {"catalog_dir": os.path.join(workdir, "images")},
            "docker": {"labels": f"stackdock.bench:{host}"},
        },
    )
    echo = subprocess.Popen(
        [sys.executable, "-m", "tests.benchmarks.rpc_bench", "--echo-server", url, echo_name],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        # -m needs the repository root on the path, wherever make bench was started from.
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    )
    listener = reports.ReportListener(transport, conf=conf)
    try:
        listener.start()
        agent.start()
        if echo.stdout.readline().strip() != "ready":
            raise RuntimeError("the echo server did not start")
        agents.wait_for(lambda: listener.is_alive(host), 120, f"agent {host}", agent)
        api = rpcapi.ComputeAPI(transport, conf=conf)
        ctxt = context.get_admin_context()
        bare = messaging.get_rpc_client(
            transport, messaging.Target(topic=ECHO_TOPIC, server=echo_name, version="1.0")
        ).prepare(timeout=60)

        def agent_call() -> object:
            return api.ping(ctxt, host)

        def echo_call() -> object:
            return bare.call({}, "echo")

        for _ in range(WARMUP):
            agent_call()
            echo_call()
        measured, baseline = [], []
        for i in range(SAMPLES):
            # Alternate which goes first so neither always follows the other.
            if i % 2:
                measured.append(timing.timed(agent_call))
                baseline.append(timing.timed(echo_call))
            else:
                baseline.append(timing.timed(echo_call))
                measured.append(timing.timed(agent_call))
        print(timing.ratio_line("compute.rpc.ratio", measured, baseline), flush=True)
    finally:
        listener.stop()
        agent.stop()
        if echo.poll() is None:
            echo.stdin.close()
            try:
                echo.wait(timeout=30)
            except subprocess.TimeoutExpired:
                echo.kill()
                echo.wait(timeout=30)
        transport.cleanup()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--echo-server":
        echo_server(sys.argv[2], sys.argv[3])
    else:
        main()
