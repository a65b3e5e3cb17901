"""Schema migrations with Alembic (used by magnum-lite-db-manage and the tests)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic import config as alembic_config
from alembic import migration as alembic_migration
from alembic import script as alembic_script

from magnum_lite.db.sqlalchemy import engine as engine_mod

_INI = os.path.join(os.path.dirname(__file__), "alembic.ini")


def _config() -> alembic_config.Config:
    return alembic_config.Config(_INI)


@contextmanager
def _connection(url: str) -> Iterator[sa.engine.Connection]:
    engine = engine_mod.create_engine(url)
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


def _run(url: str, fn: Any, *args: Any) -> None:
    cfg = _config()
    with _connection(url) as conn:
        cfg.attributes["connection"] = conn
        fn(cfg, *args)


def upgrade(url: str, revision: str = "head") -> None:
    _run(url, command.upgrade, revision)


def stamp(url: str, revision: str = "head") -> None:
    _run(url, command.stamp, revision)


def revision(url: str, message: str, autogenerate: bool = True) -> None:
    """Writes a new migration script (developers only)."""
    _run(url, command.revision, message, autogenerate)


def version(url: str) -> str | None:
    """The revision the database is at, or None before the first upgrade."""
    with _connection(url) as conn:
        return alembic_migration.MigrationContext.configure(conn).get_current_revision()


def head() -> str | None:
    return alembic_script.ScriptDirectory.from_config(_config()).get_current_head()


def compare(url: str) -> list[Any]:
    """Differences between the models and the database (empty when they match)."""
    from alembic.autogenerate import compare_metadata

    from magnum_lite.db.sqlalchemy import models

    with _connection(url) as conn:
        ctx = alembic_migration.MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, models.Base.metadata)
