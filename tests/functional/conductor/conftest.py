"""Real magnum-lite-conductor processes on the real RabbitMQ and a SQLite file database.

Each test module gets its own RPC topic, so conductors of other tests on the same broker
vhost never answer for ours. Conductors run as subprocesses (``python -m
magnum_lite.cmd.conductor``) so tests can SIGKILL and restart them; every process started
here is killed in teardown, even when the test fails.
"""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet

from magnum_lite.db.sqlalchemy import api as db_sqla
from magnum_lite.db.sqlalchemy import migration
from tests.functional import procs, rabbit

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))

#: Small intervals so that timeouts and take-overs happen within seconds.
SYNC_INTERVAL = 1
REPORT_INTERVAL = 1
SERVICE_DOWN_TIME = 10


def wait_for(what: str, fn: Callable[[], Any], timeout: float = 60.0, interval: float = 0.2):
    return procs.wait_for(what, fn, timeout, interval)


class ConductorProcess:
    def __init__(self, config_file: str, log_file: str, host: str) -> None:
        self.config_file = config_file
        self.log_file = log_file
        self.host = host
        self.proc: subprocess.Popen | None = None

    def start(self) -> ConductorProcess:
        env = dict(os.environ, PYTHONPATH=REPO, PYTHONWARNINGS="ignore")
        with open(self.log_file, "ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "magnum_lite.cmd.conductor",
                    "--config-file",
                    self.config_file,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=REPO,
            )
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def terminate(self, timeout: float = 60.0) -> int | None:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise
        return self.proc.returncode if self.proc else None

    def full_log(self) -> str:
        try:
            with open(self.log_file, errors="replace") as handle:
                return handle.read()
        except OSError:
            return ""

    def log(self) -> str:
        return self.full_log()[-6000:]


class Env:
    """One module's database, key, topic and conductor processes."""

    def __init__(self, tmp: str, transport_url: str, run_id: str) -> None:
        self.tmp = tmp
        self.transport_url = transport_url
        self.run_id = run_id
        self.topic = f"magnum-lite-conductor-test-{uuid.uuid4().hex[:8]}"
        self.db_url = f"sqlite:///{tmp}/magnum_lite.sqlite"
        self.key = Fernet.generate_key().decode()
        migration.upgrade(self.db_url)
        self.db = db_sqla.Connection(self.db_url)
        self.procs: list[ConductorProcess] = []

    def write_config(self, host: str, extra: str = "") -> str:
        path = os.path.join(self.tmp, f"{host}.conf")
        with open(path, "w") as handle:
            handle.write(
                f"""[DEFAULT]
transport_url = {self.transport_url}
debug = true

[database]
connection = {self.db_url}

[conductor]
host = {host}
topic = {self.topic}
sync_interval = {SYNC_INTERVAL}
report_interval = {REPORT_INTERVAL}
service_down_time = {SERVICE_DOWN_TIME}
graceful_shutdown_timeout = 10

[compute]
report_interval = 1

[x509]
encryption_key = {self.key}
{extra}
"""
            )
        return path

    def conductor(self, host: str | None = None, extra: str = "") -> ConductorProcess:
        host = host or f"cond-{self.run_id}-{uuid.uuid4().hex[:6]}"
        proc = ConductorProcess(
            self.write_config(host, extra), os.path.join(self.tmp, f"{host}.log"), host
        )
        self.procs.append(proc)
        return proc

    def heartbeats(self, host: str) -> int:
        for svc in self.db.list_services(binary="magnum-conductor"):
            if svc.host == host:
                return svc.report_count
        return 0

    def wait_up(self, proc: ConductorProcess, beats: int = 1, timeout: float = 90.0) -> None:
        start = self.heartbeats(proc.host)

        def up() -> bool:
            if not proc.alive():
                raise AssertionError(f"conductor {proc.host} exited:\n{proc.log()}")
            return self.heartbeats(proc.host) >= start + beats

        wait_for(f"heartbeats of {proc.host}", up, timeout)

    def seed_cluster(
        self,
        status: str,
        deadline: datetime.datetime | None = None,
        name: str | None = None,
        template_values: dict[str, Any] | None = None,
        **values: Any,
    ) -> Any:
        template = self.db.create_cluster_template(
            {
                "name": f"tpl-{uuid.uuid4().hex[:6]}",
                "coe": "swarm-mode",
                "server_type": "container",
                "cluster_distro": "debian",
                "image_id": "stackdock/swarm-node:latest",
                "project_id": "test",
                **(template_values or {}),
            }
        )
        cluster_uuid = str(uuid.uuid4())
        cluster = self.db.create_cluster(
            {
                "uuid": cluster_uuid,
                "name": name or f"c-{uuid.uuid4().hex[:6]}",
                "project_id": "test",
                "cluster_template_id": template.uuid,
                "status": status,
                "master_count": 1,
                "node_count": 0,
                "create_timeout": 60,
                "deadline": deadline,
                **values,
            },
            nodegroups=[
                {"name": "default-master", "role": "master", "is_default": True, "node_count": 1},
                {"name": "default-worker", "role": "worker", "is_default": True, "node_count": 0},
            ],
        )
        return cluster

    def cleanup(self) -> None:
        for proc in self.procs:
            proc.kill()
        self.db.dispose()


@pytest.fixture(scope="module")
def module_transport_url() -> Iterator[str]:
    """A broker vhost of this module only: compute agents of other tests (which a
    conductor's delete would address) never report into it."""
    vhost = rabbit.create_vhost()
    try:
        yield rabbit.transport_url(vhost)
    finally:
        rabbit.delete_vhost(vhost)


@pytest.fixture(scope="module")
def module_transport(module_transport_url: str) -> Iterator[Any]:
    """An RPC transport of the test process on the module's vhost, closed before the vhost
    goes (not the process-wide cached one, which other tests share)."""
    import oslo_messaging as messaging
    from oslo_config import cfg

    from nova_docker.common import rpc

    transport = messaging.get_rpc_transport(
        cfg.CONF, url=module_transport_url, allowed_remote_exmods=rpc.ALLOWED_EXMODS
    )
    try:
        yield transport
    finally:
        transport.cleanup()


@pytest.fixture(scope="module")
def env(tmp_path_factory, module_transport_url: str, run_id: str) -> Iterator[Env]:
    tmp = str(tmp_path_factory.mktemp("conductor"))
    environment = Env(tmp, module_transport_url, run_id)
    try:
        yield environment
    finally:
        environment.cleanup()


def past(minutes: float = 1.0) -> datetime.datetime:
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)
    return now - datetime.timedelta(minutes=minutes)
