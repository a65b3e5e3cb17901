"""One fresh database per backend (SQLite, MariaDB, PostgreSQL), migrated with Alembic.

MariaDB and PostgreSQL databases get unique names (stackdock_<run>_<backend>) and are
dropped when the module's tests end, even after failures.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid

import pytest
import sqlalchemy as sa

from magnum_lite.db.api import Connection
from magnum_lite.db.sqlalchemy import migration

SERVERS = {
    "mysql": "mysql+pymysql://root@127.0.0.1/",
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1/postgres",
}
BACKENDS = ("sqlite", "mysql", "postgresql")


class Scratch:
    """A uniquely named empty database on one backend."""

    def __init__(self, backend: str) -> None:
        self.backend = backend
        self.name = f"stackdock_{uuid.uuid4().hex[:12]}_{backend[:2]}"
        self.tmpdir: str | None = None
        self.url = ""

    def create(self) -> str:
        if self.backend == "sqlite":
            self.tmpdir = tempfile.mkdtemp(prefix="ml-db-")
            self.url = f"sqlite:///{os.path.join(self.tmpdir, 'magnum_lite.sqlite')}"
            return self.url
        server = sa.create_engine(SERVERS[self.backend], isolation_level="AUTOCOMMIT")
        try:
            with server.connect() as conn:
                conn.exec_driver_sql(f"CREATE DATABASE {self.name}")
        finally:
            server.dispose()
        base = SERVERS[self.backend].rsplit("/", 1)[0]
        self.url = f"{base}/{self.name}"
        return self.url

    def drop(self) -> None:
        if self.backend == "sqlite":
            if self.tmpdir:
                shutil.rmtree(self.tmpdir, ignore_errors=True)
            return
        server = sa.create_engine(SERVERS[self.backend], isolation_level="AUTOCOMMIT")
        try:
            with server.connect() as conn:
                if self.backend == "postgresql":
                    conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
                else:
                    conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {self.name}")
        finally:
            server.dispose()


@pytest.fixture
def scratch_db(request):
    """An empty database (not migrated) on the backend named by the test's parameter."""
    scratch = Scratch(request.param)
    try:
        yield scratch.create()
    finally:
        scratch.drop()


@pytest.fixture(scope="module", params=BACKENDS)
def dbapi(request):
    """A migrated database and its DB API Connection, per backend."""
    scratch = Scratch(request.param)
    conn = None
    try:
        url = scratch.create()
        migration.upgrade(url)
        conn = Connection(url, busy_timeout=60)
        yield conn
    finally:
        if conn is not None:
            conn.dispose()
        scratch.drop()
