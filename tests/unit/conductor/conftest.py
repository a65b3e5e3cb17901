"""Fixtures of the conductor unit tests."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from magnum_lite.db.sqlalchemy import api as db_sqla
from magnum_lite.db.sqlalchemy import migration


@pytest.fixture
def db(tmp_path, conf):
    """A migrated SQLite database in a temporary directory, and a Fernet key."""
    conf.config(group="x509", encryption_key=Fernet.generate_key().decode())
    url = f"sqlite:///{tmp_path}/db.sqlite"
    migration.upgrade(url)
    conn = db_sqla.Connection(url)
    yield conn
    conn.dispose()
