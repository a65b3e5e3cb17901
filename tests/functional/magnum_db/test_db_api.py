"""The DB API on SQLite, MariaDB and PostgreSQL (the same tests on each)."""

from __future__ import annotations

import datetime
import multiprocessing
import os
import uuid

import pytest

from magnum_lite.common import exception
from magnum_lite.db.api import Connection


def _project() -> str:
    return f"p-{uuid.uuid4().hex[:10]}"


def _template(dbapi, project: str, **kw):
    values = {
        "name": f"t-{uuid.uuid4().hex[:6]}",
        "coe": "swarm-mode",
        "image_id": "img",
        "project_id": project,
        "labels": {"a": "1"},
    }
    values.update(kw)
    return dbapi.create_cluster_template(values)


def _cluster(dbapi, project: str, template_uuid: str, **kw):
    values = {
        "name": f"c-{uuid.uuid4().hex[:6]}",
        "project_id": project,
        "cluster_template_id": template_uuid,
        "status": "CREATE_IN_PROGRESS",
        "node_count": 2,
        "master_count": 1,
    }
    values.update(kw)
    ngs = [
        {"name": "default-master", "role": "master", "is_default": True, "node_count": 1},
        {"name": "default-worker", "role": "worker", "is_default": True, "node_count": 2},
    ]
    return dbapi.create_cluster(values, nodegroups=ngs)


def test_template_crud_and_json_columns(dbapi):
    project = _project()
    t = _template(dbapi, project, labels={"k": "v", "n": "2"}, public=False)
    assert t.uuid and t.id and t.created_at is not None
    got = dbapi.get_cluster_template_by_uuid(t.uuid)
    assert got.labels == {"k": "v", "n": "2"} and got.coe == "swarm-mode"
    assert got.floating_ip_enabled is True and got.tls_disabled is False
    assert dbapi.get_cluster_template_by_name(t.name, project).uuid == t.uuid
    updated = dbapi.update_cluster_template(t.uuid, {"name": "renamed", "labels": {}})
    assert updated.name == "renamed" and updated.labels == {} and updated.updated_at is not None
    with pytest.raises(exception.InvalidParameterValue):
        dbapi.update_cluster_template(t.uuid, {"uuid": "x"})
    with pytest.raises(exception.InvalidParameterValue):
        dbapi.update_cluster_template(t.uuid, {"no_such_column": 1})
    dbapi.destroy_cluster_template(t.uuid)
    with pytest.raises(exception.ClusterTemplateNotFound) as info:
        dbapi.get_cluster_template_by_uuid(t.uuid)
    assert info.value.code == 404


def test_template_visibility_and_ambiguous_names(dbapi):
    owner, other = _project(), _project()
    private = _template(dbapi, owner, name="same")
    with pytest.raises(exception.ClusterTemplateNotFound):
        dbapi.get_cluster_template_by_uuid(private.uuid, other)
    public = _template(dbapi, other, name="shared-pub", public=True)
    assert dbapi.get_cluster_template_by_uuid(public.uuid, owner).uuid == public.uuid
    visible = {t.uuid for t in dbapi.list_cluster_templates(visible_to_project=owner)}
    assert private.uuid in visible and public.uuid in visible
    _template(dbapi, owner, name="same")
    with pytest.raises(exception.Conflicting) as info:
        dbapi.get_cluster_template_by_name("same", owner)
    assert info.value.code == 409


def test_template_in_use_cannot_be_deleted(dbapi):
    project = _project()
    t = _template(dbapi, project)
    c = _cluster(dbapi, project, t.uuid)
    with pytest.raises(exception.ClusterTemplateReferenced) as info:
        dbapi.destroy_cluster_template(t.uuid)
    assert info.value.code == 400
    dbapi.destroy_cluster(c.uuid)
    dbapi.destroy_cluster_template(t.uuid)


def test_cluster_create_with_nodegroups_and_cascade_delete(dbapi):
    project = _project()
    t = _template(dbapi, project)
    c = _cluster(dbapi, project, t.uuid, labels={"x": "y"}, node_addresses=["10.0.0.1"])
    got = dbapi.get_cluster_by_uuid(c.uuid, project)
    assert got.status == "CREATE_IN_PROGRESS" and got.labels == {"x": "y"}
    assert got.node_addresses == ["10.0.0.1"]
    ngs = dbapi.list_nodegroups(c.uuid)
    assert [(n.name, n.role, n.node_count) for n in ngs] == [
        ("default-master", "master", 1),
        ("default-worker", "worker", 2),
    ]
    assert all(n.project_id == project and n.is_default for n in ngs)
    assert [n.name for n in dbapi.list_nodegroups(c.uuid, role="worker")] == ["default-worker"]
    assert dbapi.get_nodegroup_by_name(c.uuid, "default-master").role == "master"
    with pytest.raises(exception.NodeGroupAlreadyExists):
        dbapi.create_nodegroup({"cluster_id": c.uuid, "name": "default-worker"})
    node = dbapi.create_node(
        {
            "cluster_uuid": c.uuid,
            "nodegroup_uuid": ngs[1].uuid,
            "name": "n0",
            "role": "worker",
            "host": "h1",
            "addresses": {"private": ["10.0.0.2"]},
        }
    )
    assert dbapi.list_nodes(cluster_uuid=c.uuid)[0].addresses == {"private": ["10.0.0.2"]}
    assert [n.uuid for n in dbapi.list_nodes(host="h1") if n.cluster_uuid == c.uuid] == [node.uuid]
    dbapi.create_certificate({"cluster_uuid": c.uuid, "kind": "ca", "cert_pem": "PEM1"})
    dbapi.create_certificate({"cluster_uuid": c.uuid, "kind": "ca", "cert_pem": "PEM2"})
    assert dbapi.get_certificate(c.uuid, "ca").cert_pem == "PEM2"
    assert len(dbapi.list_certificates(c.uuid)) == 2
    dbapi.destroy_cluster(c.uuid)
    with pytest.raises(exception.ClusterNotFound):
        dbapi.get_cluster_by_uuid(c.uuid)
    assert dbapi.list_nodegroups(c.uuid) == []
    assert dbapi.list_nodes(cluster_uuid=c.uuid) == []
    assert dbapi.list_certificates(c.uuid) == []
    with pytest.raises(exception.NodeNotFound):
        dbapi.get_node_by_uuid(node.uuid)


def test_cluster_scoping_names_and_counts(dbapi):
    project, other = _project(), _project()
    t = _template(dbapi, project)
    c = _cluster(dbapi, project, t.uuid, name="dup")
    _cluster(dbapi, project, t.uuid, name="dup")
    with pytest.raises(exception.ClusterNotFound):
        dbapi.get_cluster_by_uuid(c.uuid, other)
    with pytest.raises(exception.Conflicting):
        dbapi.get_cluster_by_name("dup", project)
    assert dbapi.count_clusters(project) == 2
    assert dbapi.cluster_stats(project) == (2, 6)
    assert dbapi.cluster_stats(other) == (0, 0)


def test_update_cluster_compare_and_set(dbapi):
    project = _project()
    t = _template(dbapi, project)
    c = _cluster(dbapi, project, t.uuid)
    worker = dbapi.get_nodegroup_by_name(c.uuid, "default-worker")
    deadline = datetime.datetime(2030, 1, 2, 3, 4, 5)
    done = dbapi.update_cluster(
        c.uuid,
        {"status": "UPDATE_IN_PROGRESS", "node_count": 5, "deadline": deadline},
        expected_status=["CREATE_COMPLETE", "CREATE_IN_PROGRESS"],
        nodegroups={worker.uuid: {"node_count": 5}},
    )
    assert done.status == "UPDATE_IN_PROGRESS" and done.deadline == deadline
    assert dbapi.get_nodegroup_by_uuid(c.uuid, worker.uuid).node_count == 5
    with pytest.raises(exception.ClusterStatusChanged) as info:
        dbapi.update_cluster(c.uuid, {"status": "X"}, expected_status="CREATE_IN_PROGRESS")
    assert info.value.code == 409
    assert dbapi.get_cluster_by_uuid(c.uuid).status == "UPDATE_IN_PROGRESS"
    with pytest.raises(exception.ClusterNotFound):
        dbapi.update_cluster(str(uuid.uuid4()), {"status": "X"})


def test_list_filters_and_keyset_pagination(dbapi):
    project = _project()
    t = _template(dbapi, project)
    made = [
        _cluster(dbapi, project, t.uuid, name=f"n{i}", status=s)
        for i, s in enumerate(
            [
                "CREATE_COMPLETE",
                "CREATE_FAILED",
                "CREATE_COMPLETE",
                "DELETE_IN_PROGRESS",
                "CREATE_COMPLETE",
            ]
        )
    ]
    all_rows = dbapi.list_clusters({"project_id": project})
    assert [c.uuid for c in all_rows] == [c.uuid for c in made]  # creation order
    pages, marker = [], None
    while True:
        page = dbapi.list_clusters({"project_id": project}, limit=2, marker=marker)
        if not page:
            break
        pages.append([c.name for c in page])
        marker = page[-1].uuid
    assert pages == [["n0", "n1"], ["n2", "n3"], ["n4"]]
    desc = dbapi.list_clusters({"project_id": project}, sort_key="name", sort_dir="desc", limit=3)
    assert [c.name for c in desc] == ["n4", "n3", "n2"]
    rest = dbapi.list_clusters(
        {"project_id": project}, sort_key="name", sort_dir="desc", marker=desc[-1].uuid
    )
    assert [c.name for c in rest] == ["n1", "n0"]
    by_status = dbapi.list_clusters(
        {"project_id": project, "status": ["CREATE_FAILED", "DELETE_IN_PROGRESS"]}
    )
    assert sorted(c.name for c in by_status) == ["n1", "n3"]
    with pytest.raises(exception.InvalidParameterValue):
        dbapi.list_clusters(sort_key="nope")
    with pytest.raises(exception.InvalidParameterValue):
        dbapi.list_clusters(sort_dir="sideways")
    with pytest.raises(exception.ClusterNotFound):
        dbapi.list_clusters(marker=str(uuid.uuid4()))


def test_pagination_over_null_sort_values(dbapi):
    project = _project()
    t = _template(dbapi, project)
    for name in ("b", None, "a", None):
        _cluster(dbapi, project, t.uuid, name=None, discovery_url=name)
    seen, marker = [], None
    for _ in range(10):
        page = dbapi.list_clusters(
            {"project_id": project}, limit=1, marker=marker, sort_key="discovery_url"
        )
        if not page:
            break
        seen.append(page[0].discovery_url)
        marker = page[0].uuid
    assert seen == [None, None, "a", "b"]


def test_quota_limit_is_checked_inside_create(dbapi):
    project = _project()
    t = _template(dbapi, project)
    dbapi.create_cluster({"project_id": project, "cluster_template_id": t.uuid}, max_clusters=1)
    with pytest.raises(exception.ResourceLimitExceeded) as info:
        dbapi.create_cluster({"project_id": project, "cluster_template_id": t.uuid}, max_clusters=1)
    assert info.value.code == 403
    assert dbapi.count_clusters(project) == 1


def test_quotas_crud(dbapi):
    project = _project()
    q = dbapi.create_quota({"project_id": project, "resource": "Cluster", "hard_limit": 3})
    with pytest.raises(exception.QuotaAlreadyExists):
        dbapi.create_quota({"project_id": project, "resource": "Cluster", "hard_limit": 4})
    assert dbapi.get_quota(project, "Cluster").hard_limit == 3
    assert dbapi.update_quota(project, "Cluster", 7).hard_limit == 7
    assert [x.id for x in dbapi.list_quotas({"project_id": project})] == [q.id]
    dbapi.destroy_quota(project, "Cluster")
    with pytest.raises(exception.QuotaNotFound):
        dbapi.get_quota(project, "Cluster")


def test_service_heartbeat_upsert(dbapi):
    host = f"host-{uuid.uuid4().hex[:8]}"
    first = dbapi.service_heartbeat(host, "magnum-lite-conductor")
    second = dbapi.service_heartbeat(host, "magnum-lite-conductor")
    assert first.report_count == 1 and second.report_count == 2
    assert second.last_seen_up is not None
    mine = [s for s in dbapi.list_services() if s.host == host]
    assert len(mine) == 1
    dbapi.update_service(host, "magnum-lite-conductor", {"disabled": True})
    assert dbapi.get_service(host, "magnum-lite-conductor").disabled is True
    dbapi.destroy_service(host, "magnum-lite-conductor")
    with pytest.raises(exception.ServiceNotFound):
        dbapi.get_service(host, "magnum-lite-conductor")


def _writer(url: str, host: str, count: int) -> None:
    conn = Connection(url, busy_timeout=60)
    for _ in range(count):
        conn.service_heartbeat(host, "magnum-lite-conductor")
        conn.list_clusters(limit=5)


def test_concurrent_writers_from_processes(dbapi):
    """Several processes writing at once never fail (SQLite: WAL + BEGIN IMMEDIATE)."""
    host = f"busy-{uuid.uuid4().hex[:8]}"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(dbapi.db.url, host, 25)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
    codes = [p.exitcode for p in procs]
    for p in procs:
        if p.is_alive():
            p.kill()
    assert codes == [0, 0, 0, 0]
    assert dbapi.get_service(host, "magnum-lite-conductor").report_count == 100
    assert os.getpid()  # the parent's connection still works afterwards
    assert dbapi.count_clusters("nobody") == 0
