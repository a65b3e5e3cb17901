"""A conductor killed mid-operation: at restart every *_IN_PROGRESS cluster ends definite.

The clusters are seeded as a killed conductor leaves them: *_IN_PROGRESS, their deadline
stored, and the cluster lock still naming that conductor (an earlier run of it).
"""

from __future__ import annotations

import datetime

import sqlalchemy as sa

from magnum_lite.conductor import locks
from magnum_lite.db.sqlalchemy import models
from tests.functional.conductor.conftest import past, wait_for


def _hold(env, cluster_uuid: str, owner: str, incarnation: str = "killed-run") -> None:
    with env.db.db.writer() as s:
        s.execute(
            sa.insert(locks.locks_table).values(
                cluster_uuid=cluster_uuid,
                owner=owner,
                incarnation=incarnation,
                acquired_at=models.utcnow(),
            )
        )


def _lock_owner(env, cluster_uuid: str) -> str | None:
    with env.db.db.reader() as s:
        row = s.execute(
            sa.select(locks.locks_table.c.owner).where(
                locks.locks_table.c.cluster_uuid == cluster_uuid
            )
        ).first()
    return row[0] if row else None


def _status(env, cluster_uuid: str) -> str:
    return env.db.get_cluster_by_uuid(cluster_uuid).status


def test_restart_after_sigkill_fails_clusters_past_their_deadline(env):
    conductor = env.conductor()
    conductor.start()
    env.wait_up(conductor)
    conductor.kill()
    assert not conductor.alive()

    creating = env.seed_cluster("CREATE_IN_PROGRESS", deadline=past(1))
    updating = env.seed_cluster("UPDATE_IN_PROGRESS", deadline=past(1))
    # A create that never got a deadline stored: create_timeout counts from created_at.
    never_started = env.seed_cluster("CREATE_IN_PROGRESS", create_timeout=1)
    env.db.update_cluster(never_started.uuid, {"created_at": past(5)})
    for cluster in (creating, updating, never_started):
        _hold(env, cluster.uuid, conductor.host)

    conductor.start()
    wait_for(
        "the create to fail",
        lambda: _status(env, creating.uuid) == "CREATE_FAILED",
        timeout=90,
    )
    wait_for("the update to fail", lambda: _status(env, updating.uuid) == "UPDATE_FAILED")
    wait_for("the old create to fail", lambda: _status(env, never_started.uuid) == "CREATE_FAILED")
    for cluster in (creating, updating, never_started):
        row = env.db.get_cluster_by_uuid(cluster.uuid)
        assert row.status_reason == "conductor restarted after the deadline"
        assert row.deadline is None
        for ng in env.db.list_nodegroups(cluster.uuid):
            assert ng.status == row.status
            assert ng.status_reason == "conductor restarted after the deadline"
        wait_for("the lock to be released", lambda c=cluster: _lock_owner(env, c.uuid) is None)
    conductor.terminate()


def test_restart_deletes_a_cluster_left_deleting(env):
    conductor = env.conductor().start()
    env.wait_up(conductor)
    conductor.kill()
    # Left DELETE_IN_PROGRESS by the killed run, its (create) deadline long passed: a delete
    # is always run again.
    cluster = env.seed_cluster("DELETE_IN_PROGRESS", deadline=past(30))
    env.db.create_certificate(
        {"cluster_uuid": cluster.uuid, "kind": "ca", "cert_pem": "x", "encrypted_key": "y"}
    )
    _hold(env, cluster.uuid, conductor.host)
    conductor.start()

    def gone() -> bool:
        return cluster.uuid not in {c.uuid for c in env.db.list_clusters()}

    wait_for("the cluster row to go", gone, timeout=90)
    assert env.db.list_nodegroups(cluster.uuid) == []
    assert env.db.list_certificates(cluster.uuid) == []
    wait_for("the lock to go", lambda: _lock_owner(env, cluster.uuid) is None)
    conductor.terminate()


def test_watchdog_fails_a_cluster_whose_deadline_passes(env):
    conductor = env.conductor().start()
    env.wait_up(conductor)
    soon = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) + datetime.timedelta(seconds=3)
    # Nobody works it (as when a cast is lost): the watchdog ends it at its deadline.
    cluster = env.seed_cluster("UPDATE_IN_PROGRESS", deadline=soon)
    wait_for("the watchdog", lambda: _status(env, cluster.uuid) == "UPDATE_FAILED", timeout=90)
    row = env.db.get_cluster_by_uuid(cluster.uuid)
    assert row.status_reason.startswith("no conductor finished this operation before its deadline")
    conductor.terminate()


def test_second_conductor_leaves_a_live_peers_cluster_alone(env):
    """A live peer (this test, heartbeating as a conductor) holds the cluster; when its
    heartbeat stops, the real conductor takes the cluster over and ends it."""
    peer = f"peer-{env.run_id}"
    env.db.service_heartbeat(peer, "magnum-conductor")
    cluster = env.seed_cluster("CREATE_IN_PROGRESS", deadline=past(1))
    _hold(env, cluster.uuid, peer, incarnation="peer-run")

    conductor = env.conductor().start()
    env.wait_up(conductor)
    # Several sync rounds with the peer alive: the cluster stays the peer's.
    for _ in range(4):
        env.db.service_heartbeat(peer, "magnum-conductor")
        env.wait_up(conductor, beats=1)
        assert _status(env, cluster.uuid) == "CREATE_IN_PROGRESS"
        assert _lock_owner(env, cluster.uuid) == peer

    # The peer dies (no more heartbeats): after service_down_time the cluster is taken over.
    wait_for(
        "the take-over",
        lambda: _status(env, cluster.uuid) == "CREATE_FAILED",
        timeout=120,
    )
    row = env.db.get_cluster_by_uuid(cluster.uuid)
    assert row.status_reason.startswith("no conductor finished this operation before its deadline")
    conductor.terminate()


def test_two_conductors_resume_a_cluster_once(env):
    """Both conductors start on the same left-over cluster; exactly one ends it."""
    cluster = env.seed_cluster("CREATE_IN_PROGRESS", deadline=past(1))
    first = env.conductor()
    second = env.conductor()
    first.start()
    second.start()
    env.wait_up(first)
    env.wait_up(second)
    wait_for("the cluster to fail", lambda: _status(env, cluster.uuid) == "CREATE_FAILED")
    row = env.db.get_cluster_by_uuid(cluster.uuid)
    assert row.status_reason == "conductor restarted after the deadline"
    # Exactly one conductor (of every one this module started) worked the cluster.
    marked = f"Cluster {cluster.uuid}: conductor restarted after the deadline; marking"
    assert sum(proc.full_log().count(marked) for proc in env.procs) == 1
    first.terminate()
    second.terminate()
