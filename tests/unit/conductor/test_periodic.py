"""Health sync and clusters shared out between live conductors (SQLite, scripted driver)."""

from __future__ import annotations

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
