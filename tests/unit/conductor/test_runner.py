"""The operation runner: one operation per cluster, merging, follow-ups, stop."""

from __future__ import annotations

import threading
import time

import pytest

from magnum_lite.conductor.handlers.common import Outcome
from magnum_lite.conductor.runner import Runner, ShuttingDown, Task


def wait(cond, timeout=10.0):
    end = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < end, "condition not met"
        time.sleep(0.01)


class Locks:
    def __init__(self, free=True):
        self.free = free
        self.held = set()
        self.released = []

    def acquire(self, uuid):
        if self.free:
            self.held.add(uuid)
        return self.free

    def release(self, uuid):
        self.held.discard(uuid)
        self.released.append(uuid)


def test_one_operation_per_cluster_and_parallel_clusters():
    runner = Runner(4, Locks())
    running: dict[str, int] = {"a": 0, "b": 0}
    overlap = []
    both = threading.Barrier(2, timeout=5)
    lock = threading.Lock()

    def op(cluster, sync=False):
        def fn():
            with lock:
                running[cluster] += 1
                overlap.append(running[cluster])
            if sync:
                both.wait()  # a and b run at the same time
            time.sleep(0.05)
            with lock:
                running[cluster] -= 1

        return fn

    runner.submit("a", Task("create", op("a", sync=True)))
    runner.submit("a", Task("update", op("a")))
    runner.submit("b", Task("create", op("b", sync=True)))
    assert runner.wait_idle(10)
    assert max(overlap) == 1  # never two at once on one cluster
    assert len(overlap) == 3
    runner.stop(1)


def test_identical_waiting_order_is_merged():
    runner = Runner(1, Locks())
    gate = threading.Event()
    done = []
    runner.submit("a", Task("create", gate.wait))
    wait(lambda: runner.is_busy("a"))
    assert runner.submit("a", Task("delete", lambda: done.append(1)))
    assert not runner.submit("a", Task("delete", lambda: done.append(2)))
    gate.set()
    assert runner.wait_idle(10)
    assert done == [1]
    runner.stop(1)


def test_superseded_operation_queues_follow_up():
    follow = []

    def follow_up(uuid):
        if follow:
            return None
        return Task("delete", lambda: follow.append(uuid))

    locks = Locks()
    runner = Runner(2, locks, follow_up=follow_up)
    runner.submit("a", Task("create", lambda: Outcome(None, superseded=True)))
    assert runner.wait_idle(10)
    assert follow == ["a"]
    assert locks.released == ["a"] and not locks.held
    runner.stop(1)


def test_cluster_held_elsewhere_is_not_run():
    ran = []
    runner = Runner(1, Locks(free=False), lock_wait=0.2)
    runner.submit("a", Task("create", lambda: ran.append(1)))
    assert runner.wait_idle(10)
    assert ran == []
    runner.stop(1)


def test_failing_operation_does_not_kill_worker():
    ran = []
    runner = Runner(1, Locks())

    def boom():
        raise RuntimeError("x")

    runner.submit("a", Task("create", boom))
    runner.submit("b", Task("create", lambda: ran.append("b")))
    assert runner.wait_idle(10)
    assert ran == ["b"]
    runner.stop(1)


def test_stop_refuses_new_orders_and_drops_queued():
    runner = Runner(1, Locks())
    gate = threading.Event()
    ran = []
    runner.submit("a", Task("create", gate.wait))
    wait(lambda: runner.is_busy("a"))
    runner.submit("a", Task("update", lambda: ran.append(1)))
    stopper = threading.Thread(target=runner.stop, args=(10,))
    stopper.start()
    wait(lambda: runner._stopping.is_set())
    with pytest.raises(ShuttingDown):
        runner.submit("b", Task("create", lambda: None))
    gate.set()
    stopper.join(10)
    assert ran == []
