"""Health sync and clusters shared out between live conductors (SQLite, scripted driver)."""

from __future__ import annotations

import time
import zlib

from magnum_lite.conductor import locks, periodic
from magnum_lite.conductor.handlers import common
from magnum_lite.conductor.runner import Runner
from tests.unit.conductor.helpers import seed


class HealthDriver:
    def __init__(self, answer):
        self.answer = answer
        self.asked = []

    def update_cluster_status(self, ctx, cluster):
        self.asked.append(cluster.uuid)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def make(db, driver, host="c1"):
    hctx = common.HandlerContext(db=db, driver_loader=lambda t, h: driver)
    runner = Runner(1)
    return periodic.PeriodicTasks(hctx, runner, locks.ClusterLocks(db, host), host), runner


def test_health_written_for_complete_clusters_only(db):
    done = seed(db, status="CREATE_COMPLETE")
    seed(db, status="CREATE_IN_PROGRESS")
    driver = HealthDriver(("UNHEALTHY", {"node-1": "swarm node state down"}))
    tasks, runner = make(db, driver)
    tasks.heartbeat()
    tasks.health()
    assert driver.asked == [done]
    row = db.get_cluster_by_uuid(done)
    assert row.health_status == "UNHEALTHY"
    assert row.health_status_reason == {"node-1": "swarm node state down"}
    assert row.status == "CREATE_COMPLETE"
    runner.stop(1)


def test_health_failure_is_contained(db):
    done = seed(db, status="UPDATE_COMPLETE")
    tasks, runner = make(db, HealthDriver(RuntimeError("no route")))
    tasks.heartbeat()
    tasks.health()  # logs, does not raise
    assert db.get_cluster_by_uuid(done).status == "UPDATE_COMPLETE"
    runner.stop(1)


def test_clusters_are_shared_between_live_conductors(db):
    uuids = [seed(db, status="CREATE_COMPLETE") for _ in range(6)]
    db.service_heartbeat("c1", "magnum-conductor")
    db.service_heartbeat("c2", "magnum-conductor")
    seen = {}
    for host in ("c1", "c2"):
        driver = HealthDriver(("HEALTHY", {}))
        tasks, runner = make(db, driver, host)
        assert tasks.live_conductors() == ["c1", "c2"]
        tasks.health()
        seen[host] = set(driver.asked)
        runner.stop(1)
    assert seen["c1"] | seen["c2"] == set(uuids)
    assert not seen["c1"] & seen["c2"]
    expected_c1 = {u for u in uuids if zlib.crc32(u.encode()) % 2 == 0}
    assert seen["c1"] == expected_c1


def _past(minutes=5):
    import datetime

    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    return now - datetime.timedelta(minutes=minutes)


def test_watchdog_fails_a_hanging_operation(db, monkeypatch):
    import datetime
    import threading

    from magnum_lite.conductor.runner import Task

    monkeypatch.setattr(periodic, "OVERRUN_GRACE", datetime.timedelta(0))
    cid = seed(db, status="UPDATE_IN_PROGRESS", deadline=_past())
    tasks, runner = make(db, HealthDriver(("HEALTHY", {})))
    gate = threading.Event()
    runner.submit(cid, Task("update", gate.wait))
    end = time.monotonic() + 10
    while runner.running_for(cid) is None:
        assert time.monotonic() < end
        time.sleep(0.01)
    tasks.watchdog(None)
    row = db.get_cluster_by_uuid(cid)
    assert row.status == "UPDATE_FAILED"
    assert row.status_reason.startswith("timed out: the operation passed its deadline")
    gate.set()
    assert runner.wait_idle(10)
    runner.stop(1)


def test_watchdog_ends_orphans_and_leaves_live_peers_alone(db):
    import sqlalchemy as sa

    from magnum_lite.conductor import resume
    from magnum_lite.db.sqlalchemy import models

    orphan = seed(db, status="CREATE_IN_PROGRESS", deadline=_past())
    peers = seed(db, status="CREATE_IN_PROGRESS", deadline=_past())
    db.service_heartbeat("peer", "magnum-conductor")
    with db.db.writer() as s:
        s.execute(
            sa.insert(locks.locks_table).values(
                cluster_uuid=peers, owner="peer", incarnation="x", acquired_at=models.utcnow()
            )
        )
    tasks, runner = make(db, HealthDriver(("HEALTHY", {})))
    tasks.heartbeat()
    tasks.watchdog(None)
    assert runner.wait_idle(10)
    row = db.get_cluster_by_uuid(orphan)
    assert (row.status, row.status_reason) == ("CREATE_FAILED", resume.ORPHAN_REASON)
    assert db.get_cluster_by_uuid(peers).status == "CREATE_IN_PROGRESS"
    runner.stop(1)
