"""Real heat-engine and heat-wsgi-api processes for tests, configured in a private directory.

The database is a MariaDB database made for the run (dropped at the end): Heat's engine
writes from many threads and the API reads at the same time, which SQLite cannot take.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pymysql

from heat_plugins.cmd import install
from tests.functional.net import free_port, wait_for_port

PASTE = """[composite:heat-api]
use = egg:Paste#urlmap
/: api

[composite:api]
paste.composite_factory = heat.api:pipeline_factory
noauth = request_id faultwrap noauth context versionnegotiation apiv1app

[app:apiv1app]
paste.app_factory = heat.common.wsgi:app_factory
heat.app_factory = heat.api.openstack.v1:API

[filter:versionnegotiation]
paste.filter_factory = heat.common.wsgi:filter_factory
heat.filter_factory = heat.api.openstack:version_negotiation_filter

[filter:faultwrap]
paste.filter_factory = heat.common.wsgi:filter_factory
heat.filter_factory = heat.api.openstack:faultwrap_filter

[filter:context]
paste.filter_factory = heat.common.context:ContextMiddleware_filter_factory

[filter:noauth]
paste.filter_factory = heat.common.noauth:filter_factory

[filter:request_id]
paste.filter_factory = oslo_middleware.request_id:RequestId.factory
"""

CONF_TEMPLATE = """[DEFAULT]
transport_url = {transport_url}
host = {host}
plugin_dirs = {plugin_dir}
deferred_auth_method = password
num_engine_workers = 1
action_retry_limit = 0
log_dir = {work}
debug = false
graceful_shutdown_timeout = 5

[database]
connection = mysql+pymysql://root@127.0.0.1/{database}?charset=utf8mb4

[paste_deploy]
flavor = noauth
api_paste_config = {work}/api-paste.ini

[oslo_policy]
enforce_new_defaults = false
enforce_scope = false

[heat_docker]
extra_labels = {labels}
default_host_ip = 127.0.0.1
default_pull_policy = never
"""


def _bin(name: str) -> str:
    """A console script of the venv running the tests (or on PATH)."""
    local = os.path.join(os.path.dirname(sys.executable), name)
    found = local if os.access(local, os.X_OK) else shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} is not installed (python-openstackclient / openstack-heat)")
    return found


class HeatServices:
    def __init__(self, transport_url: str, labels: dict[str, str], run_id: str):
        self.work = tempfile.mkdtemp(prefix="sd-heatsvc-")
        os.chmod(self.work, 0o755)
        self.plugin_dir = os.path.join(self.work, "plugins")
        install.install(self.plugin_dir)
        self.conf = os.path.join(self.work, "heat.conf")
        self.database = f"sdheat_{run_id}"
        with open(os.path.join(self.work, "api-paste.ini"), "w") as handle:
            handle.write(PASTE)
        with open(self.conf, "w") as handle:
            handle.write(
                CONF_TEMPLATE.format(
                    transport_url=transport_url,
                    host=f"sd-heat-{run_id}",
                    plugin_dir=self.plugin_dir,
                    work=self.work,
                    database=self.database,
                    labels=",".join(f"{k}:{v}" for k, v in labels.items()),
                )
            )
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}/v1/admin"
        self.procs: list[subprocess.Popen] = []

    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen:
        log = open(os.path.join(self.work, f"{name}.out"), "w")  # noqa: SIM115
        proc = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, cwd=self.work, start_new_session=True
        )
        log.close()
        self.procs.append(proc)
        return proc

    def _sql(self, statement: str, database: str | None = None) -> tuple:
        conn = pymysql.connect(host="127.0.0.1", user="root", database=database,
                               connect_timeout=10)  # fmt: skip
        try:
            with conn.cursor() as cur:
                cur.execute(statement)
                return cur.fetchall()
        finally:
            conn.close()

    def start(self, timeout: float = 180.0) -> None:
        py = sys.executable
        self._sql(f"DROP DATABASE IF EXISTS {self.database}")
        self._sql(f"CREATE DATABASE {self.database} CHARACTER SET utf8mb4")
        subprocess.run(
            [py, "-c", "import sys; from heat.cmd.manage import main; sys.exit(main())",
             "--config-file", self.conf, "db_sync"],
            check=True, capture_output=True, timeout=300, cwd=self.work,
        )  # fmt: skip
        self._spawn(
            "engine",
            [_bin("heat-engine"), "--config-file", self.conf],
        )  # fmt: skip
        self._spawn(
            "api",
            [_bin("heat-wsgi-api"), "--host", "127.0.0.1", "--port", str(self.port), "--",
             "--config-file", self.conf],
        )  # fmt: skip
        self._wait_engine(timeout)
        wait_for_port(self.port, timeout=timeout)

    def _wait_engine(self, timeout: float) -> None:
        """heat-engine writes its row in the service table once its RPC servers run."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for proc in self.procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"a Heat process exited early:\n{self.logs()}")
            try:
                if self._sql("SELECT count(*) FROM service", self.database)[0][0]:
                    return
            except pymysql.Error:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"heat-engine did not register within {timeout} s:\n{self.logs()}")

    def openstack(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        cmd = [_bin("openstack"), "--os-auth-type", "none", "--os-endpoint", self.endpoint,
               *args]  # fmt: skip
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              cwd=self.work)  # fmt: skip

    def logs(self, tail: int = 60) -> str:
        text = []
        for name in ("engine", "api"):
            path = os.path.join(self.work, f"{name}.out")
            if os.path.exists(path):
                with open(path, errors="replace") as handle:
                    lines = handle.read().splitlines()[-tail:]
                text.append(f"--- {name} ---\n" + "\n".join(lines))
        for path in sorted(os.listdir(self.work)):
            if path.endswith(".log"):
                with open(os.path.join(self.work, path), errors="replace") as handle:
                    lines = handle.read().splitlines()[-tail:]
                text.append(f"--- {path} ---\n" + "\n".join(lines))
        return "\n".join(text)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
        try:
            self._sql(f"DROP DATABASE IF EXISTS {self.database}")
        finally:
            shutil.rmtree(self.work, ignore_errors=True)
