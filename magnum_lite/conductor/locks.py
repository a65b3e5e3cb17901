"""Which conductor works a cluster: a row per cluster in ``conductor_locks``.

A conductor takes a cluster with a compare-and-set inside one write transaction: it may
take the row when there is none, when the row is its own, when the holder is an earlier
run of the same conductor host (that process is gone: host names are unique per
conductor), or when the holder's ``magnum-conductor`` heartbeat in the services table is
older than ``[conductor] service_down_time``. So two conductors never work one cluster at
once, and the clusters of a dead conductor are taken over by a live one.

The table comes from Alembic migration 0002 (magnum_lite/db/sqlalchemy/alembic/versions).
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import sqlalchemy as sa
from oslo_config import cfg
from oslo_log import log as logging
from sqlalchemy import exc as sa_exc

import magnum_lite.conf  # noqa: F401  (registers [conductor])
from magnum_lite.db.sqlalchemy import models

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

BINARY = "magnum-conductor"

locks_table = models.ConductorLock.__table__


class ClusterLocks:
    """Cluster ownership for one conductor process (``host`` + a per-process incarnation)."""

    def __init__(self, dbapi: Any, host: str, conf: cfg.ConfigOpts = CONF) -> None:
        self.dbapi = dbapi
        self.host = host
        self.conf = conf
        self.incarnation = str(uuid.uuid4())

    @property
    def _db(self) -> Any:
        return self.dbapi.db

    def _owner_alive(self, session: Any, owner: str) -> bool:
        sv = models.Service
        row = session.execute(
            sa.select(sv.last_seen_up, sv.updated_at).where(sv.host == owner, sv.binary == BINARY)
        ).first()
        if row is None:
            return False
        seen = row[0] or row[1]
        if seen is None:
            return False
        limit = datetime.timedelta(seconds=self.conf.conductor.service_down_time)
        return models.utcnow() - seen <= limit

    def acquire(self, cluster_uuid: str) -> bool:
        """Take the cluster for this process; False if a live conductor holds it."""
        t = locks_table
        values = {
            "owner": self.host,
            "incarnation": self.incarnation,
            "acquired_at": models.utcnow(),
        }
        for _ in range(3):
            try:
                with self._db.writer() as s:
                    row = s.execute(
                        sa.select(t.c.owner, t.c.incarnation)
                        .where(t.c.cluster_uuid == cluster_uuid)
                        .with_for_update()
                    ).first()
                    if row is None:
                        s.execute(sa.insert(t).values(cluster_uuid=cluster_uuid, **values))
                        return True
                    owner, incarnation = row
                    if incarnation == self.incarnation:
                        return True
                    if owner != self.host and self._owner_alive(s, owner):
                        return False
                    LOG.info(
                        "Taking over cluster %s from %s (%s)",
                        cluster_uuid,
                        owner,
                        "an earlier run of this conductor" if owner == self.host else "dead",
                    )
                    s.execute(
                        sa.update(t)
                        .where(t.c.cluster_uuid == cluster_uuid, t.c.incarnation == incarnation)
                        .values(**values)
                    )
                    return True
            except sa_exc.IntegrityError:
                continue  # another conductor inserted the row first: look again
        return False

    def holder(self, cluster_uuid: str) -> tuple[str, bool] | None:
        """(owner host, alive) of the cluster's lock, or None when nobody holds it."""
        t = locks_table
        with self._db.reader() as s:
            row = s.execute(
                sa.select(t.c.owner, t.c.incarnation).where(t.c.cluster_uuid == cluster_uuid)
            ).first()
            if row is None:
                return None
            if row[1] == self.incarnation:
                return row[0], True
            if row[0] == self.host:
                return row[0], False
            return row[0], self._owner_alive(s, row[0])

    def release(self, cluster_uuid: str) -> None:
        t = locks_table
        with self._db.writer() as s:
            s.execute(
                sa.delete(t).where(
                    t.c.cluster_uuid == cluster_uuid, t.c.incarnation == self.incarnation
                )
            )

    def release_all(self) -> None:
        t = locks_table
        with self._db.writer() as s:
            s.execute(sa.delete(t).where(t.c.incarnation == self.incarnation))

    def forget(self, cluster_uuid: str) -> None:
        """Drop the lock of a deleted cluster whoever held it."""
        t = locks_table
        with self._db.writer() as s:
            s.execute(sa.delete(t).where(t.c.cluster_uuid == cluster_uuid))
