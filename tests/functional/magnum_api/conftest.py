"""A real magnum-lite-api (gunicorn, 2 workers) on a free port, SQLite in a temp dir.

RPC goes to the session's RabbitMQ vhost on a topic unique to this run, so casts wait in
their queue (no conductor needed) and vanish with the vhost.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid

import pytest
import requests

from magnum_lite.db.sqlalchemy import migration
from tests.functional import net

BINDIR = os.path.dirname(sys.executable)
LATEST = {"OpenStack-API-Version": "container-infra latest"}


class Api:
    def __init__(self, url: str, tmpdir: str, conf_file: str, db_url: str) -> None:
        self.url = url
        self.tmpdir = tmpdir
        self.conf_file = conf_file
        self.db_url = db_url
        self.session = requests.Session()

    def request(self, method: str, path: str, version: str | None = "latest", **kw):
        headers = dict(kw.pop("headers", {}) or {})
        if version is not None:
            headers.setdefault("OpenStack-API-Version", f"container-infra {version}")
        return self.session.request(method, self.url + path, headers=headers, timeout=60, **kw)

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [
            os.path.join(BINDIR, "openstack"),
            "--os-auth-type",
            "none",
            "--os-endpoint",
            f"{self.url}/v1",
            "coe",
            *args,
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)
        if check and proc.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed: {proc.stdout}\n{proc.stderr}")
        return proc


def start_api(transport_url: str, extra_conf: str = "") -> tuple[subprocess.Popen, Api]:
    tmpdir = tempfile.mkdtemp(prefix="ml-api-")
    db_url = f"sqlite:///{os.path.join(tmpdir, 'magnum_lite.sqlite')}"
    port = net.free_port()
    conf_file = os.path.join(tmpdir, "stackdock.conf")
    with open(conf_file, "w") as f:
        f.write(
            f"[DEFAULT]\ntransport_url = {transport_url}\n"
            f"[database]\nconnection = {db_url}\n"
            f"[api]\nhost = 127.0.0.1\nport = {port}\nworkers = 2\nthreads = 4\n"
            f"[conductor]\ntopic = magnum-lite-apitest-{uuid.uuid4().hex[:8]}\n"
            f"{extra_conf}"
        )
    migration.upgrade(db_url)
    log = open(os.path.join(tmpdir, "api.log"), "w")
    proc = subprocess.Popen(
        [os.path.join(BINDIR, "magnum-lite-api"), "--config-file", conf_file],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    try:
        net.wait_for_port(port, timeout=120)
    except TimeoutError:
        stop_api(proc, tmpdir)
        raise
    return proc, Api(f"http://127.0.0.1:{port}", tmpdir, conf_file, db_url)


def stop_api(proc: subprocess.Popen, tmpdir: str) -> None:
    try:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)  # gunicorn's master stops its workers
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)


@pytest.fixture(scope="package")
def api(transport_url):
    proc, handle = start_api(transport_url)
    try:
        yield handle
    finally:
        handle.session.close()
        stop_api(proc, handle.tmpdir)


@pytest.fixture(scope="package")
def magnum(api):
    """python-magnumclient against the API, without Keystone (token ignored in noauth)."""
    from magnumclient.v1 import client

    return client.Client(
        endpoint_override=f"{api.url}/v1", auth_token="noauth", api_version="latest"
    )


@pytest.fixture
def uniq() -> str:
    return uuid.uuid4().hex[:8]
