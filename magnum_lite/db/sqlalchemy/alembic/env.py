"""Alembic environment of magnum_lite: runs on the connection migration.py hands over."""

from __future__ import annotations

from alembic import context

from magnum_lite.db.sqlalchemy import models

config = context.config
target_metadata = models.Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("magnum-lite-db-manage runs migrations online only")
run_migrations_online()
