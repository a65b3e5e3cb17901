"""Entry point of magnum_lite's database layer.

``get_instance()`` returns the process's Connection (see
magnum_lite.db.sqlalchemy.api.Connection for the methods), built from ``[database]
connection``. Results are detached ORM objects with attribute access; misses raise the
404 exceptions of magnum_lite.common.exception.
"""

from __future__ import annotations

import threading

from oslo_config import cfg

from magnum_lite import conf as ml_conf
from magnum_lite.db.sqlalchemy.api import Connection

__all__ = ["Connection", "get_instance", "reset"]

_lock = threading.Lock()
_instance: Connection | None = None


def get_instance(conf: cfg.ConfigOpts | None = None) -> Connection:
    """The Connection for ``[database] connection`` (created once per process)."""
    global _instance
    conf = conf or ml_conf.CONF
    with _lock:
        if _instance is None or _instance.db.url != conf.database.connection:
            if _instance is not None:
                _instance.dispose()
            _instance = Connection(
                conf.database.connection,
                busy_timeout=conf.database.sqlite_busy_timeout,
                debug=bool(conf.database.connection_debug >= 100),
            )
        return _instance


def reset() -> None:
    """Forget the cached Connection (tests and configuration reloads)."""
    global _instance
    with _lock:
        if _instance is not None:
            _instance.dispose()
        _instance = None
