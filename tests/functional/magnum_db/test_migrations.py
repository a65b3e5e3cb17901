"""Alembic: upgrade from empty on every backend, no drift from the models, and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import pytest

from magnum_lite.db.sqlalchemy import migration
from tests.functional.magnum_db.conftest import BACKENDS


@pytest.mark.parametrize("scratch_db", BACKENDS, indirect=True)
def test_upgrade_then_no_drift(scratch_db):
    assert migration.version(scratch_db) is None
    migration.upgrade(scratch_db)
    assert migration.head() is not None
    assert migration.version(scratch_db) == migration.head()
    assert migration.compare(scratch_db) == []
    migration.upgrade(scratch_db)  # idempotent
    assert migration.version(scratch_db) == migration.head()


@pytest.mark.parametrize("scratch_db", ["sqlite", "postgresql"], indirect=True)
def test_db_manage_cli(scratch_db):
    bindir = os.path.dirname(sys.executable)
    with tempfile.TemporaryDirectory(prefix="ml-dbm-") as tmp:
        conf = os.path.join(tmp, "stackdock.conf")
        with open(conf, "w") as f:
            f.write(f"[database]\nconnection = {scratch_db}\n")
        cmd = [os.path.join(bindir, "magnum-lite-db-manage"), "--config-file", conf]

        def run(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run(
                [*cmd, *args], capture_output=True, text=True, timeout=180, check=False
            )

        assert run("version").stdout.strip().splitlines()[-1] == "None"
        up = run("upgrade")
        assert up.returncode == 0, up.stderr
        assert run("version").stdout.strip().splitlines()[-1] == migration.head()
        check = run("check")
        assert check.returncode == 0, check.stdout + check.stderr
        bad = run("downgrade")
        assert bad.returncode != 0
