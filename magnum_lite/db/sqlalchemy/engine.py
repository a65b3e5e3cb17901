"""Engines and short sessions for magnum_lite's database.

SQLite is the default, and the API and the conductor write to it from several processes
at once, so SQLite connections get WAL mode (readers never block the writer), a busy
timeout, and write transactions that start with BEGIN IMMEDIATE: a writer takes the lock
up front and waits for it, instead of upgrading a read lock and failing with "database is
locked". Sessions are opened per database call and closed before it returns.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, orm

_IMMEDIATE = "stackdock_sqlite_immediate"


def _normalise_url(url: str) -> sa.engine.URL:
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "mysql" and "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    return parsed


def _setup_sqlite(engine: sa.engine.Engine, busy_timeout: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.engine.Connection) -> None:
        immediate = conn.get_execution_options().get(_IMMEDIATE)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_engine(
    url: str, busy_timeout: float = 60.0, debug: bool = False, recycle: int = 3600
) -> sa.engine.Engine:
    parsed = _normalise_url(url)
    kwargs: dict[str, Any] = {"echo": debug, "future": True}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(database)) or ".", exist_ok=True)
        kwargs["connect_args"] = {"timeout": busy_timeout, "check_same_thread": False}
    else:
        kwargs.update(pool_pre_ping=True, pool_recycle=recycle)
    engine = sa.create_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        _setup_sqlite(engine, busy_timeout)
    return engine


class Database:
    """One engine (per process) and the reader/writer session factories on it."""

    def __init__(self, url: str, busy_timeout: float = 60.0, debug: bool = False) -> None:
        self.url = url
        self._busy_timeout = busy_timeout
        self._debug = debug
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._engine: sa.engine.Engine | None = None

    @property
    def engine(self) -> sa.engine.Engine:
        # A forked child (gunicorn worker) must not reuse its parent's pooled connections.
        pid = os.getpid()
        if self._engine is None or self._pid != pid:
            with self._lock:
                if self._engine is None or self._pid != pid:
                    if self._engine is not None:
                        self._engine.dispose(close=False)
                    self._engine = create_engine(self.url, self._busy_timeout, self._debug)
                    self._pid = pid
        return self._engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def reader(self) -> Iterator[orm.Session]:
        """A short read-only session; its transaction ends (rollback) when the block ends."""
        with orm.Session(bind=self.engine, expire_on_commit=False) as session:
            yield session

    @contextlib.contextmanager
    def writer(self) -> Iterator[orm.Session]:
        """A write transaction, committed when the block ends without an exception."""
        bind = self.engine.execution_options(**{_IMMEDIATE: True})
        with orm.Session(bind=bind, expire_on_commit=False) as session:
            with session.begin():
                yield session

    def dispose(self) -> None:
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None
