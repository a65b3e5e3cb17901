"""The node quota's pure logic: totals after a change, and when a request is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import exc as sa_exc

from magnum_lite.common import exception
from magnum_lite.db.sqlalchemy import node_quota


def test_total_after_replaces_changed_nodegroups_and_adds_new_nodes():
    counts = {"m": 1, "w": 2, "x": 3}
    assert node_quota.total_after(counts) == 6
    assert node_quota.total_after(counts, {"w": 5}) == 9
    assert node_quota.total_after(counts, {"w": 0, "x": 1}) == 2
    assert node_quota.total_after(counts, added=4) == 10
    assert node_quota.total_after({}, added=3) == 3


def test_changed_nodegroup_that_does_not_count_adds_nothing():
    # A nodegroup being deleted is not in counts; a resize of it cannot revive its nodes.
    assert node_quota.total_after({"w": 2}, {"gone": 7}) == 2


@pytest.mark.parametrize(
    ("limit", "current", "requested"),
    [(5, 3, 5), (5, 3, 4), (0, 0, 0), (2, 5, 4), (2, 5, 5)],
)
def test_check_passes_at_or_under_limit_or_without_growth(limit, current, requested):
    node_quota.check("p", limit, current, requested)


@pytest.mark.parametrize(("limit", "current", "requested"), [(5, 3, 6), (0, 0, 1), (2, 5, 6)])
def test_check_refuses_growth_above_limit(limit, current, requested):
    with pytest.raises(exception.ResourceLimitExceeded) as info:
        node_quota.check("proj-1", limit, current, requested)
    assert info.value.code == 403
    text = str(info.value)
    assert text.startswith("Resource Limit Exceeded: Project proj-1 ")
    assert f"at most {limit} nodes" in text and f"bring it to {requested} nodes" in text


def test_enforce_without_limit_touches_nothing():
    # No session is needed when no limit applies (None is not a session).
    node_quota.enforce(None, "p", None, added=10**6)  # type: ignore[arg-type]


class _Orig(Exception):
    pass


def _dbapi_error(*args, sqlstate=None):
    orig = _Orig(*args)
    orig.sqlstate = sqlstate
    return sa_exc.OperationalError("stmt", {}, orig)


def test_is_deadlock_knows_mysql_and_postgresql_codes():
    assert node_quota.is_deadlock(_dbapi_error(1213, "Deadlock found"))
    assert node_quota.is_deadlock(_dbapi_error("deadlock", sqlstate="40P01"))
    assert not node_quota.is_deadlock(_dbapi_error(1062, "Duplicate entry"))
    assert not node_quota.is_deadlock(ValueError("x"))


def test_retry_on_deadlock_reruns_only_deadlock_victims():
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise _dbapi_error(1213, "Deadlock found")
        return "done"

    assert node_quota.retry_on_deadlock(flaky) == "done" and len(calls) == 3

    def other():
        calls.append(1)
        raise _dbapi_error(1062, "Duplicate entry")

    calls.clear()
    with pytest.raises(sa_exc.OperationalError):
        node_quota.retry_on_deadlock(other)
    assert len(calls) == 1

    def always():
        calls.append(1)
        raise _dbapi_error(1213, "Deadlock found")

    calls.clear()
    with pytest.raises(sa_exc.OperationalError):
        node_quota.retry_on_deadlock(always, attempts=2)
    assert len(calls) == 2
