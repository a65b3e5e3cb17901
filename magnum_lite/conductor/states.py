"""Cluster states, the conductor's transitions between them, and deadlines.

Pure functions (unit-tested without a database): which operation a status asks for,
what a finished operation turns it into, and when an operation must give up.
"""

from __future__ import annotations

import datetime
import time

CREATE_IN_PROGRESS = "CREATE_IN_PROGRESS"
CREATE_COMPLETE = "CREATE_COMPLETE"
CREATE_FAILED = "CREATE_FAILED"
UPDATE_IN_PROGRESS = "UPDATE_IN_PROGRESS"
UPDATE_COMPLETE = "UPDATE_COMPLETE"
UPDATE_FAILED = "UPDATE_FAILED"
DELETE_IN_PROGRESS = "DELETE_IN_PROGRESS"
DELETE_COMPLETE = "DELETE_COMPLETE"
DELETE_FAILED = "DELETE_FAILED"
ROLLBACK_IN_PROGRESS = "ROLLBACK_IN_PROGRESS"
ROLLBACK_COMPLETE = "ROLLBACK_COMPLETE"
ROLLBACK_FAILED = "ROLLBACK_FAILED"

IN_PROGRESS = (CREATE_IN_PROGRESS, UPDATE_IN_PROGRESS, DELETE_IN_PROGRESS, ROLLBACK_IN_PROGRESS)
COMPLETE = (CREATE_COMPLETE, UPDATE_COMPLETE, ROLLBACK_COMPLETE)
FAILED = (CREATE_FAILED, UPDATE_FAILED, DELETE_FAILED, ROLLBACK_FAILED)

HEALTHY = "HEALTHY"
UNHEALTHY = "UNHEALTHY"
UNKNOWN = "UNKNOWN"

#: Operation kinds the conductor runs; each belongs to one *_IN_PROGRESS status.
CREATE = "create"
UPDATE = "update"
DELETE = "delete"
RESIZE = "resize"
NODEGROUP_CREATE = "nodegroup_create"
NODEGROUP_UPDATE = "nodegroup_update"
NODEGROUP_DELETE = "nodegroup_delete"
ROTATE_CA = "rotate_ca"

_PREFIX = {
    CREATE: "CREATE",
    UPDATE: "UPDATE",
    RESIZE: "UPDATE",
    NODEGROUP_CREATE: "UPDATE",
    NODEGROUP_UPDATE: "UPDATE",
    NODEGROUP_DELETE: "UPDATE",
    ROTATE_CA: "UPDATE",
    DELETE: "DELETE",
}


#: What a nodegroup operation makes of the nodegroup itself (the cluster gets UPDATE_*).
NODEGROUP_CREATE_STATUS = "nodegroup_create_status"
NODEGROUP_DELETE_STATUS = "nodegroup_delete_status"
_PREFIX_NG = {NODEGROUP_CREATE_STATUS: "CREATE", NODEGROUP_DELETE_STATUS: "DELETE"}
_PREFIX.update(_PREFIX_NG)


def in_progress(op: str, rollback: bool = False) -> str:
    if rollback and _PREFIX[op] == "UPDATE":
        return ROLLBACK_IN_PROGRESS
    return f"{_PREFIX[op]}_IN_PROGRESS"


def complete(op: str, rollback: bool = False) -> str:
    if rollback and _PREFIX[op] == "UPDATE":
        return ROLLBACK_COMPLETE
    return f"{_PREFIX[op]}_COMPLETE"


def failed(op: str, rollback: bool = False) -> str:
    if rollback and _PREFIX[op] == "UPDATE":
        return ROLLBACK_FAILED
    return f"{_PREFIX[op]}_FAILED"


def resume_op(status: str | None) -> str | None:
    """The operation that drives a cluster left in ``status`` to a definite state.

    An interrupted resize or nodegroup change resumes as an update: the desired node
    counts are already in the database, and update converges every nodegroup to them.
    """
    return {
        CREATE_IN_PROGRESS: CREATE,
        UPDATE_IN_PROGRESS: UPDATE,
        ROLLBACK_IN_PROGRESS: UPDATE,
        DELETE_IN_PROGRESS: DELETE,
    }.get(status or "")


def failed_for(status: str | None) -> str:
    """The *_FAILED status for an *_IN_PROGRESS one whose operation cannot finish."""
    return {
        CREATE_IN_PROGRESS: CREATE_FAILED,
        UPDATE_IN_PROGRESS: UPDATE_FAILED,
        ROLLBACK_IN_PROGRESS: ROLLBACK_FAILED,
        DELETE_IN_PROGRESS: DELETE_FAILED,
    }.get(status or "", UPDATE_FAILED)


def utcnow() -> datetime.datetime:
    """Naive UTC, as the database stores datetimes."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def compute_deadline(started: datetime.datetime, timeout_minutes: int | float) -> datetime.datetime:
    """Wall-clock deadline (naive UTC) of an operation that started at ``started``."""
    return started + datetime.timedelta(minutes=float(timeout_minutes))


def to_monotonic(
    deadline: datetime.datetime,
    now: datetime.datetime | None = None,
    mono_now: float | None = None,
) -> float:
    """The ``time.monotonic()`` value at which the wall-clock ``deadline`` passes."""
    now = now or utcnow()
    mono_now = time.monotonic() if mono_now is None else mono_now
    return mono_now + (deadline - now).total_seconds()


def deadline_passed(
    deadline: datetime.datetime | None, now: datetime.datetime | None = None
) -> bool:
    return deadline is not None and (now or utcnow()) >= deadline


def seconds_left(deadline: datetime.datetime | None, now: datetime.datetime | None = None) -> float:
    if deadline is None:
        return float("inf")
    return (deadline - (now or utcnow())).total_seconds()
