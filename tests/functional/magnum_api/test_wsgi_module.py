"""magnum_lite.wsgi.api:application served by a plain gunicorn command (as uwsgi would)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

import requests

from magnum_lite.db.sqlalchemy import migration
from tests.functional import net, procs


def test_wsgi_application_module():
    tmpdir = tempfile.mkdtemp(prefix="ml-wsgi-")
    proc = None
    try:
        db_url = f"sqlite:///{os.path.join(tmpdir, 'db.sqlite')}"
        conf = os.path.join(tmpdir, "stackdock.conf")
        with open(conf, "w") as f:
            f.write(f"[DEFAULT]\ntransport_url = fake:/\n[database]\nconnection = {db_url}\n")
        migration.upgrade(db_url)
        port = net.free_port()
        env = {**os.environ, "STACKDOCK_CONFIG_FILES": conf}
        gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
        proc = subprocess.Popen(
            [gunicorn, "-b", f"127.0.0.1:{port}", "-w", "1", "magnum_lite.wsgi.api:application"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        net.wait_for_port(port, timeout=120)
        resp = requests.get(
            f"http://127.0.0.1:{port}/v1/clustertemplates",
            headers={"OpenStack-API-Version": "container-infra 1.9"},
            timeout=60,
        )
        assert resp.status_code == 200 and resp.json() == {"clustertemplates": []}
        assert resp.headers["OpenStack-API-Version"].endswith(" 1.9")
    finally:
        procs.stop_process(proc)
        shutil.rmtree(tmpdir, ignore_errors=True)
