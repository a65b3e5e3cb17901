"""A whole bay stack as real processes: magnum-lite-api (gunicorn), magnum-lite-conductor and
nova-docker-compute (docker driver) on one RabbitMQ vhost, SQLite in a temp dir.

Every container and network the agent makes carries ``[docker] labels`` (the test run's
label), so ``leftovers()``/``remove_leftovers()`` find whatever a failed test left behind.
Used by the functional bay tests and by the bay benchmark.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from typing import Any

import docker
from cryptography.fernet import Fernet

from magnum_lite.db.sqlalchemy import api as db_sqla
from magnum_lite.db.sqlalchemy import migration
from nova_docker.common import rpc
from nova_docker.compute import reports
from nova_docker.conf import CONF
from nova_docker.image import api as image_api
from tests.functional import net, procs

BINDIR = os.path.dirname(sys.executable)
NODE_IMAGE = "stackdock/swarm-node:latest"
BUSYBOX = "stackdock/busybox:latest"
#: Catalog properties: the node image runs as a nested engine; 2376 is its TLS API and 8080
#: lets tests reach a service published in host mode on every node through 127.0.0.1.
NODE_PROPERTIES = {
    "stackdock_nested_docker": "true",
    "stackdock_publish_ports": "2376/tcp,8080/tcp",
}


def wait_for(what: str, fn: Callable[[], Any], timeout: float = 600.0, interval: float = 0.5):
    return procs.wait_for(what, fn, timeout, interval)


class BayStack:
    def __init__(self, transport_url: str, label_key: str, label_value: str) -> None:
        self.label = (label_key, label_value)
        self.tmp = tempfile.mkdtemp(prefix="sd-bay-")
        os.chmod(self.tmp, 0o755)
        self.port = net.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        tag = uuid.uuid4().hex[:8]
        self.host = f"baytest-{tag}"
        self.db_url = f"sqlite:///{self.tmp}/magnum_lite.sqlite"
        self.catalog_dir = os.path.join(self.tmp, "images")
        self.conf_file = os.path.join(self.tmp, "stackdock.conf")
        with open(self.conf_file, "w") as f:
            f.write(
                f"""[DEFAULT]
transport_url = {transport_url}

[database]
connection = {self.db_url}

[api]
host = 127.0.0.1
port = {self.port}
workers = 1
threads = 4

[conductor]
host = {self.host}-conductor
topic = magnum-lite-conductor-{tag}
report_interval = 1
sync_interval = 2

[compute]
host = {self.host}
compute_driver = docker
state_path = {self.tmp}/compute-state
report_interval = 1

[docker]
labels = {label_key}:{label_value}

[image]
catalog_dir = {self.catalog_dir}

[swarm]
# Nested engines start slowly on a loaded 2-core CI machine.
node_ready_timeout = 600

[x509]
encryption_key = {Fernet.generate_key().decode()}
key_type = ec
"""
            )
        self.transport_url = transport_url
        self._reports: reports.ReportListener | None = None
        self.procs: dict[str, subprocess.Popen] = {}
        self.db: db_sqla.Connection | None = None
        self.image_id: str | None = None

    # -- processes -----------------------------------------------------------------------
    def _start(self, name: str, argv: list[str]) -> None:
        log = open(os.path.join(self.tmp, f"{name}.log"), "ab")
        self.procs[name] = subprocess.Popen(
            argv + ["--config-file", self.conf_file],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=dict(os.environ, PYTHONWARNINGS="ignore"),
        )
        log.close()

    def start(self) -> BayStack:
        migration.upgrade(self.db_url)
        self.db = db_sqla.Connection(self.db_url)
        catalog = image_api.LocalImageService(catalog_dir=self.catalog_dir)
        self.image_id = catalog.register_docker_image(
            NODE_IMAGE, name="swarm-node", properties=NODE_PROPERTIES
        )["id"]
        self._start("compute", [os.path.join(BINDIR, "nova-docker-compute")])
        self._start("conductor", [os.path.join(BINDIR, "magnum-lite-conductor")])
        self._start("api", [os.path.join(BINDIR, "magnum-lite-api")])
        net.wait_for_port(self.port, timeout=180)
        wait_for("the conductor and the compute agent to report", self._services_up, 180)
        return self

    def _services_up(self) -> bool:
        for name, proc in self.procs.items():
            if proc.poll() is not None:
                raise AssertionError(f"{name} exited with {proc.returncode}:\n{self.log(name)}")
        up = self.cli("service", "list", "-f", "json", check=False)
        if up.returncode != 0:
            return False
        services = json.loads(up.stdout or "[]")
        return any(s.get("state") == "up" for s in services) and self._agent_reported()

    def _agent_reported(self) -> bool:
        if self._reports is None:
            self._reports = reports.ReportListener(rpc.get_transport(CONF, url=self.transport_url))
            self._reports.start()
        return any(r["host"] == self.host for r in self._reports.hosts(max_age=10))

    def kill_conductor(self) -> None:
        """SIGKILL the conductor (only the pid started here)."""
        proc = self.procs["conductor"]
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)

    def start_conductor(self) -> None:
        self._start("conductor", [os.path.join(BINDIR, "magnum-lite-conductor")])

    def stop(self) -> None:
        if self._reports is not None:
            self._reports.stop()
            self._reports = None
        for name in ("api", "conductor", "compute"):
            procs.stop_process(self.procs.get(name))
        if self.db is not None:
            self.db.dispose()

    def log(self, name: str, tail: int = 6000) -> str:
        try:
            with open(os.path.join(self.tmp, f"{name}.log"), errors="replace") as f:
                return f.read()[-tail:]
        except OSError:
            return ""

    def logs(self) -> str:
        return "\n".join(f"--- {n} ---\n{self.log(n)}" for n in ("conductor", "compute", "api"))

    # -- clients -------------------------------------------------------------------------
    def cli(self, *args: str, check: bool = True, timeout: float = 300) -> Any:
        cmd = [
            os.path.join(BINDIR, "openstack"),
            "--os-auth-type",
            "none",
            "--os-endpoint",
            f"{self.url}/v1",
            "coe",
            *args,
        ]
        # The client's `cluster config` reads $SHELL to pick the syntax (a CI shell may not set it).
        env = dict(os.environ, SHELL=os.environ.get("SHELL") or "/bin/sh")
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, check=False, env=env
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"coe {' '.join(args)} failed: {proc.stdout}\n{proc.stderr}")
        return proc

    def magnum(self, version: str = "latest") -> Any:
        from magnumclient.v1 import client

        return client.Client(
            endpoint_override=f"{self.url}/v1", auth_token="noauth", api_version=version
        )

    # -- cleanup -------------------------------------------------------------------------
    def leftovers(self) -> list[str]:
        """Containers and networks carrying this stack's label."""
        cli = docker.from_env()
        try:
            flt = {"label": f"{self.label[0]}={self.label[1]}"}
            found = [f"container {c.name}" for c in cli.containers.list(all=True, filters=flt)]
            found += [f"network {n.name}" for n in cli.networks.list(filters=flt)]
            return found
        finally:
            cli.close()

    def remove_leftovers(self) -> list[str]:
        cli = docker.from_env()
        removed = []
        try:
            flt = {"label": f"{self.label[0]}={self.label[1]}"}
            for c in cli.containers.list(all=True, filters=flt):
                c.remove(force=True, v=True)
                removed.append(f"container {c.name}")
            for n in cli.networks.list(filters=flt):
                n.remove()
                removed.append(f"network {n.name}")
        finally:
            cli.close()
        return removed

    def close(self) -> list[str]:
        """Stop everything and remove what is left; returns what had to be removed."""
        try:
            self.stop()
        finally:
            removed = self.remove_leftovers()
            shutil.rmtree(self.tmp, ignore_errors=True)
        return removed
