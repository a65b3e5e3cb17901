"""A RabbitMQ virtual host per test session, so queues never leak into the broker's default.

The vhost is created with rabbitmqctl (the broker runs on this machine) and deleted, with
every queue and exchange in it, when the session ends.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid

BROKER = "127.0.0.1:5672"


def _rabbitmqctl(*args: str) -> None:
    ctl = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    subprocess.run([ctl, "-q", *args], check=True, capture_output=True, timeout=120)


def create_vhost() -> str:
    name = f"stackdock-test-{uuid.uuid4().hex[:8]}"
    _rabbitmqctl("add_vhost", name)
    _rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
    return name


def delete_vhost(name: str) -> None:
    _rabbitmqctl("delete_vhost", name)


def transport_url(vhost: str | None = None) -> str:
    vhost = vhost or os.environ["STACKDOCK_TEST_VHOST"]
    return f"rabbit://guest:guest@{BROKER}/{vhost}"
