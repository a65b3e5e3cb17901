"""stackdock-aio as a process: both transports, the API answering, a clean SIGTERM; and the
conductor's scheduler on the real capacity reports of the aio's compute agent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid

import pytest
import requests

from magnum_lite.conductor import scheduler as sched
from nova_docker.compute import reports as reports_mod
from tests.functional.conductor.conftest import REPO, wait_for
from tests.functional.net import free_port

HEADERS = {"OpenStack-API-Version": "container-infra latest"}


class Aio:
    def __init__(self, tmp: str, run_id: str, transport_url: str | None) -> None:
        self.port = free_port()
        self.compute_host = f"aio-{run_id}-{uuid.uuid4().hex[:6]}"
        self.conductor_host = f"{self.compute_host}-c"
        self.log_file = os.path.join(tmp, f"{self.compute_host}.log")
        self.config = os.path.join(tmp, f"{self.compute_host}.conf")
        transport = f"transport_url = {transport_url}" if transport_url else ""
        with open(self.config, "w") as handle:
            handle.write(
                f"""[DEFAULT]
{transport}

[database]
connection = sqlite:///{tmp}/{self.compute_host}.sqlite

[api]
port = {self.port}
workers = 1

[conductor]
host = {self.conductor_host}
topic = magnum-lite-conductor-{self.compute_host}
report_interval = 1
sync_interval = 2

[compute]
host = {self.compute_host}
report_interval = 1
state_path = {tmp}/{self.compute_host}-state

[x509]
key_file = {tmp}/{self.compute_host}.key
"""
            )
        self.proc: subprocess.Popen | None = None

    def start(self) -> Aio:
        with open(self.log_file, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "magnum_lite.cmd.aio", "--config-file", self.config],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=REPO,
                env=dict(os.environ, PYTHONPATH=REPO, PYTHONWARNINGS="ignore"),
            )
        return self

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def log(self) -> str:
        with open(self.log_file, errors="replace") as handle:
            return handle.read()[-5000:]

    def conductor_up(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"stackdock-aio exited {self.proc.returncode}:\n{self.log()}")
        try:
            answer = requests.get(self.url("/v1/mservices"), headers=HEADERS, timeout=5)
        except requests.ConnectionError:
            return False
        services = answer.json().get("mservices", []) if answer.status_code == 200 else []
        return any(s["host"] == self.conductor_host and s["state"] == "up" for s in services)

    def stop(self) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=30)
            raise


@pytest.fixture
def aio_factory(tmp_path, run_id):
    started: list[Aio] = []

    def make(transport_url: str | None) -> Aio:
        aio = Aio(str(tmp_path), run_id, transport_url)
        started.append(aio.start())
        return aio

    yield make
    for aio in started:
        if aio.proc is not None and aio.proc.poll() is None:
            aio.proc.kill()
            aio.proc.wait(timeout=30)


@pytest.mark.parametrize("transport", ["in-process", "rabbit"])
def test_aio_serves_api_with_conductor_and_stops_cleanly(
    aio_factory, transport, module_transport_url
):
    aio = aio_factory(module_transport_url if transport == "rabbit" else None)
    wait_for("the aio conductor in mservices", aio.conductor_up, timeout=120, interval=0.5)
    root = requests.get(aio.url("/"), timeout=10).json()
    assert root["versions"][0]["id"] == "v1"
    log = aio.log()
    if transport == "rabbit":
        assert "magnum-lite-api listening" in log  # gunicorn child
    else:
        assert "share fake://" in log
    assert aio.stop() == 0
    assert "stopped" in aio.log()


def test_scheduler_places_on_the_agent_that_reports(
    aio_factory, module_transport_url, module_transport
):
    aio = aio_factory(module_transport_url)
    wait_for("the aio conductor in mservices", aio.conductor_up, timeout=120, interval=0.5)
    listener = reports_mod.ReportListener(module_transport)
    listener.start()
    try:
        report = wait_for(
            "a report of the aio agent",
            lambda: next((r for r in listener.hosts() if r["host"] == aio.compute_host), None),
            timeout=60,
        )
        assert "docker" in report["hypervisor_types"]
        assert report["memory_mb"] > 0 and report["vcpus"] > 0

        # Other agents of this test session may report on the same broker: restrict the
        # choice to this one by spreading away from every other docker host.
        others = [r["host"] for r in listener.hosts() if r["host"] != aio.compute_host]
        scheduler = sched.Scheduler(listener)
        hosts = scheduler.select_hosts(
            1, vcpus=1, memory_mb=64, existing=others * 1000, what="a test node"
        )
        assert hosts == [aio.compute_host]

        with pytest.raises(sched.NoValidHost) as info:
            scheduler.select_host(memory_mb=report["memory_mb"] * 100, what="a huge node")
        assert f"{aio.compute_host}: " in str(info.value)
        assert "free memory" in str(info.value)
        with pytest.raises(sched.NoValidHost, match="lack 'qemu-only'"):
            scheduler.select_host(hypervisor_type="qemu-only")
    finally:
        listener.stop()
    assert aio.stop() == 0


def test_killed_aio_takes_its_api_child_down(aio_factory, module_transport_url):
    aio = aio_factory(module_transport_url)
    wait_for("the aio conductor in mservices", aio.conductor_up, timeout=120, interval=0.5)
    aio.proc.send_signal(signal.SIGKILL)
    aio.proc.wait(timeout=30)

    def api_gone() -> bool:
        try:
            requests.get(aio.url("/"), timeout=2)
        except requests.ConnectionError:
            return True
        return False

    wait_for("the gunicorn child to stop listening", api_gone, timeout=120, interval=0.5)
