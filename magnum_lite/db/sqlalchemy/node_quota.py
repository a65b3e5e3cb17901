"""The per-project node quota (resource "Node", a stackdock extension to Magnum's quotas).

A project's node total is the sum of node_count over the nodegroups (masters and workers)
of its clusters that are not being deleted. Callers check it inside the write transaction
that changes node counts, after ``lock_project``, so two concurrent requests of one project
cannot both pass the check and overshoot the limit together.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy import orm

from magnum_lite.common import exception
from magnum_lite.db.sqlalchemy import models

T = TypeVar("T")
RESOURCE = "Node"
#: MySQL/MariaDB's ER_LOCK_DEADLOCK and PostgreSQL's deadlock_detected.
_DEADLOCK_CODES = (1213, "40P01")
DEADLOCK_ATTEMPTS = 10
#: Clusters and nodegroups in these states no longer count: their nodes are going away.
GOING_AWAY = ("DELETE_IN_PROGRESS", "DELETE_COMPLETE")


def lock_project(s: orm.Session, project_id: str | None) -> None:
    """Serialises quota-checked writes of one project until the transaction ends.

    Call it as the transaction's first statement: on MySQL/MariaDB the REPEATABLE READ
    snapshot is taken at the first plain read, which must come after the lock so the count
    sees every earlier writer's commit. SQLite writers already run one at a time (BEGIN
    IMMEDIATE). PostgreSQL gets a transaction-scoped advisory lock; MySQL/MariaDB lock the
    project's cluster rows and the index gap where new ones would go (next-key locks). Two
    such gap locks can deadlock when both transactions insert: run the transaction with
    ``retry_on_deadlock`` (InnoDB rolls the victim back whole, so a retry is safe).
    """
    dialect = s.get_bind().dialect.name
    key = project_id or ""
    if dialect == "postgresql":
        s.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(f"quota:{key}"))))
    elif dialect in ("mysql", "mariadb"):
        c = models.Cluster
        s.execute(sa.select(c.id).where(c.project_id == project_id).with_for_update()).all()


def is_deadlock(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", None)
    if orig is None:
        return False
    codes = {getattr(orig, "sqlstate", None), getattr(orig, "pgcode", None)}
    args = getattr(orig, "args", ())
    if args:
        codes.add(args[0])
    return any(code in codes for code in _DEADLOCK_CODES)


def retry_on_deadlock(fn: Callable[[], T], attempts: int = DEADLOCK_ATTEMPTS) -> T:
    """Runs ``fn`` (one whole transaction) again when the database picked it as a
    deadlock victim, with a short random back-off so the contenders spread out."""
    for attempt in range(attempts):
        try:
            return fn()
        except sa_exc.DBAPIError as exc:
            if attempt == attempts - 1 or not is_deadlock(exc):
                raise
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
    raise AssertionError("unreachable")


def node_counts(s: orm.Session, project_id: str | None) -> dict[str, int]:
    """{nodegroup uuid: node_count} of the nodegroups that count towards the quota."""
    c, n = models.Cluster, models.NodeGroup
    stmt = (
        sa.select(n.uuid, n.node_count)
        .join(c, c.uuid == n.cluster_id)
        .where(c.project_id == project_id)
        .where(sa.or_(c.status.is_(None), c.status.not_in(GOING_AWAY)))
        .where(sa.or_(n.status.is_(None), n.status.not_in(GOING_AWAY)))
    )
    return {uuid: int(count or 0) for uuid, count in s.execute(stmt)}


def total_after(
    counts: Mapping[str, int],
    changed: Mapping[str, int] | None = None,
    added: int = 0,
) -> int:
    """The project's node total once ``changed`` ({nodegroup uuid: new node_count}) and
    ``added`` new nodes apply. A changed nodegroup that does not count (being deleted, or
    not found) adds nothing: its count is not the caller's to revive."""
    changed = changed or {}
    total = sum(changed.get(uuid, count) for uuid, count in counts.items())
    return total + added


def check(project_id: str | None, limit: int, current: int, requested: int) -> None:
    """Raises ResourceLimitExceeded (403) when ``requested`` goes above ``limit``.

    Requests that do not raise the total (scaling down while a lowered quota is already
    exceeded) pass, so a project can always get back under its quota.
    """
    if requested > limit and requested > current:
        raise exception.ResourceLimitExceeded(msg=message(project_id, limit, requested, current))


def message(project_id: str | None, limit: int, requested: int, current: int) -> str:
    return (
        f"Project {project_id} may have at most {limit} nodes (quota resource {RESOURCE}); "
        f"this request would bring it to {requested} nodes (it has {current} now). "
        "Scale a cluster down or delete one, or ask an admin to raise the quota."
    )


def enforce(
    s: orm.Session,
    project_id: str | None,
    limit: int | None,
    changed: Mapping[str, int] | None = None,
    added: int = 0,
) -> None:
    """count + check inside the caller's write transaction (after lock_project)."""
    if limit is None:
        return
    counts = node_counts(s, project_id)
    current = sum(counts.values())
    check(project_id, limit, current, total_after(counts, changed, added))
