"""Cluster operations against a real SQLite database with a scripted COE driver."""

from __future__ import annotations

import datetime
import time
import uuid

import pytest

from magnum_lite.common import exception
from magnum_lite.conductor import resume, states
from magnum_lite.conductor.handlers import cluster as cluster_h
from magnum_lite.conductor.handlers import common
from magnum_lite.conductor.handlers import nodegroup as nodegroup_h
from tests.unit.conductor.helpers import make_hctx, seed


class ScriptedDriver:
    """Records calls; ``action`` runs inside each call (raise, change the DB...)."""

    def __init__(self, action=None):
        self.calls = []
        self.action = action

    def _do(self, name, *args):
        self.calls.append((name, args))
        if self.action:
            self.action(name, *args)

    def create_cluster(self, ctx, cluster, deadline):
        self._do("create_cluster", cluster, deadline)

    def update_cluster(self, ctx, cluster, deadline, rollback=False):
        self._do("update_cluster", cluster, deadline, rollback)

    def resize_cluster(self, ctx, cluster, nodegroup, node_count, nodes_to_remove, deadline):
        self._do("resize_cluster", cluster, nodegroup, node_count, nodes_to_remove, deadline)

    def delete_cluster(self, ctx, cluster, deadline):
        self._do("delete_cluster", cluster, deadline)

    def delete_nodegroup(self, ctx, cluster, nodegroup, deadline):
        self._do("delete_nodegroup", cluster, nodegroup, deadline)


def test_create_success(db):
    driver = ScriptedDriver(
        lambda name, cluster, deadline: db.get_certificate(cluster.uuid, "ca")  # CA exists
    )
    cid = seed(db)
    outcome = cluster_h.create(make_hctx(db, driver), None, cid)
    assert outcome.status == "CREATE_COMPLETE"
    row = db.get_cluster_by_uuid(cid)
    assert (row.status, row.status_reason, row.deadline) == ("CREATE_COMPLETE", None, None)
    assert {ng.status for ng in db.list_nodegroups(cid)} == {"CREATE_COMPLETE"}
    ((name, (cluster, deadline)),) = driver.calls
    # created_at + 60 minutes, as a monotonic value.
    assert 3500 < deadline - time.monotonic() <= 3600


def test_create_failure_sets_reason_and_faults(db):
    def boom(name, *args):
        raise RuntimeError("node image missing")

    cid = seed(db)
    outcome = cluster_h.create(make_hctx(db, ScriptedDriver(boom)), None, cid)
    assert outcome.status == "CREATE_FAILED"
    row = db.get_cluster_by_uuid(cid)
    assert row.status == "CREATE_FAILED"
    assert row.status_reason == "RuntimeError: node image missing"
    for ng in db.list_nodegroups(cid):
        assert (ng.status, ng.status_reason) == ("CREATE_FAILED", row.status_reason)


def test_create_timeout_reason_names_create_timeout(db):
    def slow(name, *args):
        raise exception.ClusterTimeout(reason="deadline passed before swarm nodes Ready")

    cid = seed(db, create_timeout=7)
    cluster_h.create(make_hctx(db, ScriptedDriver(slow)), None, cid)
    reason = db.get_cluster_by_uuid(cid).status_reason
    assert reason == (
        "create_timeout of 7 minutes passed: Timed out: deadline passed before swarm nodes Ready"
    )


def test_create_past_deadline_never_calls_driver(db):
    cid = seed(db, create_timeout=1)
    db.update_cluster(cid, {"created_at": datetime.datetime(2020, 1, 1)})
    driver = ScriptedDriver()
    cluster_h.create(make_hctx(db, driver), None, cid)
    assert driver.calls == []
    assert db.get_cluster_by_uuid(cid).status == "CREATE_FAILED"


def test_delete_during_create_supersedes(db):
    cid = seed(db)

    def user_deletes(name, cluster, deadline):
        db.update_cluster(cid, {"status": "DELETE_IN_PROGRESS"})

    outcome = cluster_h.create(make_hctx(db, ScriptedDriver(user_deletes)), None, cid)
    assert outcome.superseded
    assert db.get_cluster_by_uuid(cid).status == "DELETE_IN_PROGRESS"
    # The follow-up the runner queues is the delete.
    task = resume.task_for(make_hctx(db, ScriptedDriver()), None, cid, resume.RESTART_REASON)
    assert task.kind == states.DELETE
    task.fn()
    with pytest.raises(Exception, match="could not be found"):
        db.get_cluster_by_uuid(cid)


def test_delete_removes_rows(db):
    cid = seed(db, status="DELETE_IN_PROGRESS")
    driver = ScriptedDriver()
    assert cluster_h.delete(make_hctx(db, driver), None, cid).status == "DELETE_COMPLETE"
    assert [c[0] for c in driver.calls] == ["delete_cluster"]
    assert db.list_clusters() == []
    assert db.list_nodegroups(cid) == []


def test_delete_failure_keeps_row(db):
    def boom(*args):
        raise RuntimeError("agent down")

    cid = seed(db, status="DELETE_IN_PROGRESS")
    cluster_h.delete(make_hctx(db, ScriptedDriver(boom)), None, cid)
    row = db.get_cluster_by_uuid(cid)
    assert (row.status, row.status_reason) == ("DELETE_FAILED", "RuntimeError: agent down")


def test_resize_targets_default_worker(db):
    cid = seed(db, status="UPDATE_IN_PROGRESS")
    driver = ScriptedDriver()
    cluster_h.resize(make_hctx(db, driver), None, cid, 3, ["n1"], None)
    ((name, (cluster, ng, count, remove, deadline)),) = driver.calls
    assert (name, ng.name, count, remove) == ("resize_cluster", "default-worker", 3, ["n1"])
    assert db.get_cluster_by_uuid(cid).status == "UPDATE_COMPLETE"


def test_update_with_rollback_statuses(db):
    cid = seed(db, status="ROLLBACK_IN_PROGRESS")
    cluster_h.update(make_hctx(db, ScriptedDriver()), None, cid, rollback=True)
    assert db.get_cluster_by_uuid(cid).status == "ROLLBACK_COMPLETE"


def test_nodegroup_delete_destroys_row(db):
    cid = seed(db, status="UPDATE_IN_PROGRESS")
    worker = [ng for ng in db.list_nodegroups(cid) if ng.role == "worker"][0]
    nodegroup_h.delete(make_hctx(db, ScriptedDriver()), None, cid, worker.uuid)
    assert [ng.name for ng in db.list_nodegroups(cid)] == ["default-master"]
    assert db.get_cluster_by_uuid(cid).status == "UPDATE_COMPLETE"


def test_missing_template_fails_clearly(db):
    cid = seed(db)
    hctx = common.HandlerContext(db=db)  # real loader: the template is gone
    db.update_cluster(cid, {"cluster_template_id": str(uuid.uuid4())})
    cluster_h.create(hctx, None, cid)
    row = db.get_cluster_by_uuid(cid)
    assert row.status == "CREATE_FAILED" and "ClusterTemplate" in row.status_reason


def test_resume_fails_past_deadline_with_restart_reason(db):
    past = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) - datetime.timedelta(hours=1)
    cid = seed(db, status="UPDATE_IN_PROGRESS", deadline=past)
    driver = ScriptedDriver()
    resume.resume(make_hctx(db, driver), None, cid, resume.RESTART_REASON)
    row = db.get_cluster_by_uuid(cid)
    assert (row.status, row.status_reason) == ("UPDATE_FAILED", resume.RESTART_REASON)
    assert driver.calls == []


def test_resume_reruns_within_deadline(db):
    future = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) + datetime.timedelta(
        minutes=10
    )
    cid = seed(db, status="CREATE_IN_PROGRESS", deadline=future)
    driver = ScriptedDriver()
    resume.resume(make_hctx(db, driver), None, cid, resume.RESTART_REASON)
    assert [c[0] for c in driver.calls] == ["create_cluster"]
    # The stored deadline is kept: a resumed create gets no extra time.
    deadline = driver.calls[0][1][1]
    assert 500 < deadline - time.monotonic() <= 600
    assert db.get_cluster_by_uuid(cid).status == "CREATE_COMPLETE"


def test_resume_reruns_delete_even_past_deadline(db):
    past = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) - datetime.timedelta(hours=1)
    cid = seed(db, status="DELETE_IN_PROGRESS", deadline=past)
    driver = ScriptedDriver()
    resume.resume(make_hctx(db, driver), None, cid, resume.RESTART_REASON)
    assert [c[0] for c in driver.calls] == ["delete_cluster"]
    assert db.list_clusters() == []


def test_delete_ignores_a_create_deadline_left_behind(db):
    past = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) - datetime.timedelta(hours=1)
    # The user deleted a cluster whose create had a deadline (the API keeps it).
    cid = seed(db, status="DELETE_IN_PROGRESS", deadline=past)
    driver = ScriptedDriver()
    cluster_h.delete(make_hctx(db, driver), None, cid)
    assert [c[0] for c in driver.calls] == ["delete_cluster"]
    assert db.list_clusters() == []


def test_update_order_gets_a_fresh_deadline(db, conf):
    conf.config(group="conductor", update_timeout=5)
    past = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) - datetime.timedelta(hours=1)
    cid = seed(db, status="UPDATE_IN_PROGRESS", deadline=past)
    driver = ScriptedDriver()
    cluster_h.update(make_hctx(db, driver), None, cid)
    deadline = driver.calls[0][1][1]
    assert 290 < deadline - time.monotonic() <= 300
    assert db.get_cluster_by_uuid(cid).status == "UPDATE_COMPLETE"


def test_nodegroup_create_statuses(db):
    cid = seed(db, status="CREATE_COMPLETE")
    ng = db.create_nodegroup(
        {"name": "extra", "cluster_id": cid, "role": "worker", "status": "CREATE_IN_PROGRESS"}
    )
    driver = ScriptedDriver()
    driver.create_nodegroup = lambda ctx, cluster, nodegroup, deadline: driver.calls.append(
        ("create_nodegroup", nodegroup.name)
    )
    nodegroup_h.create(make_hctx(db, driver), None, cid, ng.uuid)
    assert driver.calls == [("create_nodegroup", "extra")]
    assert db.get_nodegroup_by_uuid(cid, ng.uuid).status == "CREATE_COMPLETE"
    assert db.get_cluster_by_uuid(cid).status == "UPDATE_COMPLETE"
    # The default nodegroups are not touched by another nodegroup's operation.
    assert db.get_nodegroup_by_name(cid, "default-worker").status is None


def test_nodegroup_delete_failure_marks_only_that_nodegroup(db):
    cid = seed(db, status="UPDATE_COMPLETE")
    ng = db.create_nodegroup({"name": "extra", "cluster_id": cid, "role": "worker"})

    def boom(*args):
        raise RuntimeError("drain failed")

    nodegroup_h.delete(make_hctx(db, ScriptedDriver(boom)), None, cid, ng.uuid)
    row = db.get_nodegroup_by_uuid(cid, ng.uuid)
    assert (row.status, row.status_reason) == ("DELETE_FAILED", "RuntimeError: drain failed")
    assert db.get_cluster_by_uuid(cid).status == "UPDATE_FAILED"


def test_rotate_refused_for_tls_disabled_and_unsupported_drivers(db):
    from magnum_lite.conductor.handlers import certificate
    from magnum_lite.drivers import base

    class NoRotate(base.Driver):
        create_cluster = update_cluster = resize_cluster = delete_cluster = None
        create_nodegroup = update_nodegroup = delete_nodegroup = None

    NoRotate.__abstractmethods__ = frozenset()
    cid = seed(db, status="CREATE_COMPLETE")
    with pytest.raises(exception.NotSupported, match="NoRotate"):
        certificate.check_rotate(make_hctx(db, NoRotate()), cid)
    assert db.list_certificates(cid) == []  # nothing touched

    tpl = db.get_cluster_by_uuid(cid).cluster_template_id
    db.update_cluster_template(tpl, {"tls_disabled": True})
    with pytest.raises(exception.Invalid, match="TLS disabled"):
        certificate.check_rotate(make_hctx(db, ScriptedDriver()), cid)


def test_rotate_replaces_the_ca_then_calls_the_driver(db):
    from magnum_lite.conductor import certificates
    from magnum_lite.conductor.handlers import certificate

    cid = seed(db, status="CREATE_COMPLETE")
    old_ca = certificates.ensure_cluster_ca(db, cid)[0]
    seen = []

    class Rotating(ScriptedDriver):
        def rotate_ca_certificate(self, ctx, cluster, deadline):
            seen.append(certificates.get_ca(db, cid)[0])

    driver = Rotating()
    certificate.check_rotate(make_hctx(db, driver), cid)
    assert certificate.rotate(make_hctx(db, driver), None, cid).status == "UPDATE_COMPLETE"
    assert seen and seen[0] != old_ca
    assert certificates.get_ca(db, cid)[0] == seen[0]
