"""Status transitions and deadline arithmetic of the conductor."""

from __future__ import annotations

import datetime

import pytest

from magnum_lite.conductor import states


@pytest.mark.parametrize(
    "op, rollback, expected",
    [
        (states.CREATE, False, ("CREATE_IN_PROGRESS", "CREATE_COMPLETE", "CREATE_FAILED")),
        (states.UPDATE, False, ("UPDATE_IN_PROGRESS", "UPDATE_COMPLETE", "UPDATE_FAILED")),
        (states.UPDATE, True, ("ROLLBACK_IN_PROGRESS", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED")),
        (states.RESIZE, False, ("UPDATE_IN_PROGRESS", "UPDATE_COMPLETE", "UPDATE_FAILED")),
        (
            states.NODEGROUP_DELETE,
            False,
            ("UPDATE_IN_PROGRESS", "UPDATE_COMPLETE", "UPDATE_FAILED"),
        ),
        (states.ROTATE_CA, False, ("UPDATE_IN_PROGRESS", "UPDATE_COMPLETE", "UPDATE_FAILED")),
        (states.DELETE, False, ("DELETE_IN_PROGRESS", "DELETE_COMPLETE", "DELETE_FAILED")),
        (states.DELETE, True, ("DELETE_IN_PROGRESS", "DELETE_COMPLETE", "DELETE_FAILED")),
    ],
)
def test_operation_statuses(op, rollback, expected):
    got = (
        states.in_progress(op, rollback),
        states.complete(op, rollback),
        states.failed(op, rollback),
    )
    assert got == expected


@pytest.mark.parametrize(
    "status, op, failed",
    [
        ("CREATE_IN_PROGRESS", states.CREATE, "CREATE_FAILED"),
        ("UPDATE_IN_PROGRESS", states.UPDATE, "UPDATE_FAILED"),
        ("ROLLBACK_IN_PROGRESS", states.UPDATE, "ROLLBACK_FAILED"),
        ("DELETE_IN_PROGRESS", states.DELETE, "DELETE_FAILED"),
    ],
)
def test_resume_op_and_failed_for(status, op, failed):
    assert states.resume_op(status) == op
    assert states.failed_for(status) == failed


@pytest.mark.parametrize("status", [None, "", "CREATE_COMPLETE", "UPDATE_FAILED", "bogus"])
def test_nothing_to_resume(status):
    assert states.resume_op(status) is None


def test_sets_are_disjoint():
    assert not set(states.IN_PROGRESS) & set(states.COMPLETE)
    assert not set(states.IN_PROGRESS) & set(states.FAILED)


def test_deadline_computation():
    start = datetime.datetime(2026, 1, 1, 12, 0, 0)
    deadline = states.compute_deadline(start, 60)
    assert deadline == datetime.datetime(2026, 1, 1, 13, 0, 0)
    assert states.compute_deadline(start, 0.5) == datetime.datetime(2026, 1, 1, 12, 0, 30)


def test_monotonic_deadline():
    now = datetime.datetime(2026, 1, 1, 12, 0, 0)
    deadline = now + datetime.timedelta(seconds=90)
    assert states.to_monotonic(deadline, now=now, mono_now=1000.0) == 1090.0
    # A deadline in the past maps to a monotonic value already passed.
    assert states.to_monotonic(now - datetime.timedelta(seconds=5), now, 1000.0) == 995.0


def test_deadline_passed_and_seconds_left():
    now = datetime.datetime(2026, 1, 1, 12, 0, 0)
    assert not states.deadline_passed(None, now)
    assert states.deadline_passed(now, now)
    assert not states.deadline_passed(now + datetime.timedelta(seconds=1), now)
    assert states.seconds_left(now + datetime.timedelta(seconds=30), now) == 30
    assert states.seconds_left(None, now) == float("inf")
