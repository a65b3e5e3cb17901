"""The per-project node quota (resource "Node"), through the real API over HTTP.

Clusters stay *_IN_PROGRESS here (no conductor consumes the casts); where an operation
needs a finished cluster, the test marks it CREATE_COMPLETE in the API's database, as the
conductor would.
"""

from __future__ import annotations

import concurrent.futures

import pytest

from magnum_lite.db.api import Connection

MEMBER = {"X-User-Id": "u1", "X-Roles": "member"}


def member(project: str) -> dict[str, str]:
    return {**MEMBER, "X-Project-Id": project}


def error_of(resp) -> dict:
    body = resp.json()
    assert set(body) == {"errors"} and len(body["errors"]) == 1, body
    return body["errors"][0]


@pytest.fixture
def db(api):
    conn = Connection(api.db_url)
    try:
        yield conn
    finally:
        conn.dispose()


@pytest.fixture
def project(api, uniq):
    """A fresh project with a template; its quotas and clusters are removed afterwards."""
    name = f"nq-{uniq}"
    headers = member(name)
    body = {"name": f"nqt-{uniq}", "coe": "swarm-mode", "image_id": "img"}
    resp = api.request("POST", "/v1/clustertemplates", json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    template = resp.json()["uuid"]
    try:
        yield name, template
    finally:
        cleanup = Connection(api.db_url)
        try:
            for row in cleanup.list_clusters({"project_id": name}):
                cleanup.destroy_cluster(row.uuid)
            for quota in cleanup.list_quotas({"project_id": name}):
                cleanup.destroy_quota(name, quota.resource)
            cleanup.destroy_cluster_template(template)
        finally:
            cleanup.dispose()


def set_node_quota(api, project_id: str, limit: int) -> None:
    body = {"project_id": project_id, "resource": "Node", "hard_limit": limit}
    resp = api.request("POST", "/v1/quotas", json=body)
    assert resp.status_code == 201, resp.text


def create(api, project_id: str, template: str, name: str, **kw):
    body = {"name": name, "cluster_template_id": template, **kw}
    return api.request("POST", "/v1/clusters", json=body, headers=member(project_id))


def node_counts(db: Connection, cluster_uuid: str) -> dict[str, int]:
    return {ng.name: ng.node_count for ng in db.list_nodegroups(cluster_uuid)}


def complete(db: Connection, cluster_uuid: str) -> None:
    db.update_cluster(cluster_uuid, {"status": "CREATE_COMPLETE", "api_address": "tcp://x:2376"})


def assert_node_quota_error(resp, project_id: str, limit: int, requested: int) -> None:
    assert resp.status_code == 403, resp.text
    err = error_of(resp)
    assert err["status"] == 403 and err["code"] == "client"
    assert err["title"].startswith("Resource Limit Exceeded: ")
    detail = err["detail"]
    assert f"Project {project_id} " in detail
    assert f"at most {limit} nodes" in detail
    assert f"bring it to {requested} nodes" in detail


def test_node_quota_crud(api, project):
    pid, _ = project
    path = f"/v1/quotas/{pid}/Node"
    default = api.request("GET", path).json()
    assert default["hard_limit"] == 200 and default["resource"] == "Node"
    assert default["project_id"] == pid and default["id"] is None
    # Members may not set quotas; admins may, once per project and resource.
    body = {"project_id": pid, "resource": "Node", "hard_limit": 7}
    assert api.request("POST", "/v1/quotas", json=body, headers=member(pid)).status_code == 403
    created = api.request("POST", "/v1/quotas", json=body)
    assert created.status_code == 201
    assert {k: created.json()[k] for k in body} == body
    assert api.request("POST", "/v1/quotas", json=body).status_code == 409
    assert api.request("GET", path).json()["hard_limit"] == 7
    assert api.request("GET", path, headers=member(pid)).json()["hard_limit"] == 7
    resp = api.request("PATCH", path, json={"hard_limit": 9})
    assert resp.status_code == 202 and resp.json()["hard_limit"] == 9
    listed = api.request("GET", "/v1/quotas", headers=member(pid)).json()["quotas"]
    assert [(q["resource"], q["hard_limit"]) for q in listed] == [("Node", 9)]
    # Both resources show in the list side by side.
    cluster_quota = {"project_id": pid, "resource": "Cluster", "hard_limit": 3}
    assert api.request("POST", "/v1/quotas", json=cluster_quota).status_code == 201
    listed = api.request("GET", "/v1/quotas?all_tenants=True").json()["quotas"]
    mine = sorted((q["resource"], q["hard_limit"]) for q in listed if q["project_id"] == pid)
    assert mine == [("Cluster", 3), ("Node", 9)]
    assert api.request("DELETE", path).status_code == 204
    assert api.request("GET", path).json()["hard_limit"] == 200
    assert api.request("DELETE", path).status_code == 404
    resp = api.request("PATCH", path, json={"hard_limit": -1})
    assert resp.status_code == 400


@pytest.mark.parametrize("resource", ["Nodes", "node", "Pods"])
def test_unknown_quota_resource_is_400(api, project, resource):
    pid, _ = project
    body = {"project_id": pid, "resource": resource, "hard_limit": 1}
    resp = api.request("POST", "/v1/quotas", json=body)
    assert resp.status_code == 400
    detail = error_of(resp)["detail"]
    assert resource in detail and "Cluster" in detail and "Node" in detail
    assert api.request("GET", f"/v1/quotas/{pid}/{resource}").status_code == 400
    assert api.request("DELETE", f"/v1/quotas/{pid}/{resource}").status_code == 400


def test_create_over_node_quota_is_403_and_writes_nothing(api, db, project, uniq):
    pid, template = project
    set_node_quota(api, pid, 4)
    # 1 master + 2 workers = 3 nodes: fits.
    ok = create(api, pid, template, f"a-{uniq}", node_count=2)
    assert ok.status_code == 202, ok.text
    # 3 masters + 1 worker more would make 7.
    resp = create(api, pid, template, f"b-{uniq}", master_count=3, node_count=1)
    assert_node_quota_error(resp, pid, 4, 7)
    names = [c.name for c in db.list_clusters({"project_id": pid})]
    assert names == [f"a-{uniq}"]
    # The bays API (1.10) goes through the same check.
    bay = {"name": f"bay-{uniq}", "baymodel_id": template, "node_count": 2}
    resp = api.request("POST", "/v1/bays", json=bay, headers=member(pid), version="1.10")
    assert_node_quota_error(resp, pid, 4, 6)
    assert [c.name for c in db.list_clusters({"project_id": pid})] == [f"a-{uniq}"]
    # Exactly up to the limit passes: 3 + 1 master + 0 workers = 4.
    resp = create(api, pid, template, f"c-{uniq}", node_count=0)
    assert resp.status_code == 202, resp.text
    stats = api.request("GET", "/v1/stats", headers=member(pid)).json()
    assert stats == {"clusters": 2, "nodes": 4}


def test_default_node_quota_applies(api, db, project, uniq):
    pid, template = project
    resp = create(api, pid, template, f"big-{uniq}", master_count=1, node_count=200)
    assert_node_quota_error(resp, pid, 200, 201)
    assert db.list_clusters({"project_id": pid}) == []
    resp = create(api, pid, template, f"fits-{uniq}", master_count=1, node_count=199)
    assert resp.status_code == 202, resp.text


def test_update_and_resize_over_node_quota_change_nothing(api, db, project, uniq):
    pid, template = project
    set_node_quota(api, pid, 5)
    resp = create(api, pid, template, f"u-{uniq}", node_count=2)
    assert resp.status_code == 202, resp.text
    cid = resp.json()["uuid"]
    complete(db, cid)
    before = node_counts(db, cid)
    assert before == {"default-master": 1, "default-worker": 2}

    def unchanged() -> None:
        row = db.get_cluster_by_uuid(cid)
        assert (row.status, row.node_count, row.master_count) == ("CREATE_COMPLETE", 2, 1)
        assert node_counts(db, cid) == before
        assert {ng.status for ng in db.list_nodegroups(cid)} == {"CREATE_IN_PROGRESS"}

    headers = member(pid)
    patch = [{"op": "replace", "path": "/node_count", "value": 5}]
    resp = api.request("PATCH", f"/v1/clusters/{cid}", json=patch, headers=headers)
    assert_node_quota_error(resp, pid, 5, 6)
    unchanged()
    resize = f"/v1/clusters/{cid}/actions/resize"
    resp = api.request("POST", resize, json={"node_count": 6}, headers=headers)
    assert_node_quota_error(resp, pid, 5, 7)
    unchanged()
    resp = api.request("PATCH", f"/v1/bays/{cid}", json=patch, headers=headers, version="1.10")
    assert_node_quota_error(resp, pid, 5, 6)
    unchanged()
    # Under the quota, both pass.
    resp = api.request("POST", resize, json={"node_count": 4}, headers=headers)
    assert resp.status_code == 202, resp.text
    assert node_counts(db, cid) == {"default-master": 1, "default-worker": 4}
    assert db.get_cluster_by_uuid(cid).status == "UPDATE_IN_PROGRESS"
    db.update_cluster(cid, {"status": "UPDATE_COMPLETE"})
    patch = [{"op": "replace", "path": "/node_count", "value": 3}]
    resp = api.request("PATCH", f"/v1/clusters/{cid}", json=patch, headers=headers)
    assert resp.status_code == 202, resp.text
    assert node_counts(db, cid) == {"default-master": 1, "default-worker": 3}


def test_scaling_down_passes_when_quota_was_lowered(api, db, project, uniq):
    pid, template = project
    resp = create(api, pid, template, f"d-{uniq}", node_count=4)
    assert resp.status_code == 202, resp.text
    cid = resp.json()["uuid"]
    complete(db, cid)
    set_node_quota(api, pid, 2)  # now 5 nodes against a limit of 2
    resize = f"/v1/clusters/{cid}/actions/resize"
    resp = api.request("POST", resize, json={"node_count": 5}, headers=member(pid))
    assert_node_quota_error(resp, pid, 2, 6)
    assert node_counts(db, cid) == {"default-master": 1, "default-worker": 4}
    resp = api.request("POST", resize, json={"node_count": 3}, headers=member(pid))
    assert resp.status_code == 202, resp.text
    assert node_counts(db, cid)["default-worker"] == 3


def test_nodegroup_create_over_node_quota(api, db, project, uniq):
    pid, template = project
    set_node_quota(api, pid, 4)
    resp = create(api, pid, template, f"n-{uniq}", node_count=1)
    assert resp.status_code == 202, resp.text
    cid = resp.json()["uuid"]
    complete(db, cid)
    path = f"/v1/clusters/{cid}/nodegroups"
    resp = api.request("POST", path, json={"name": "big", "node_count": 3}, headers=member(pid))
    assert_node_quota_error(resp, pid, 4, 5)
    assert sorted(node_counts(db, cid)) == ["default-master", "default-worker"]
    resp = api.request("POST", path, json={"name": "fits", "node_count": 2}, headers=member(pid))
    assert resp.status_code == 202, resp.text
    assert node_counts(db, cid)["fits"] == 2
    # Resizing the new nodegroup is counted with the rest of the project.
    resize = f"/v1/clusters/{cid}/actions/resize"
    body = {"node_count": 3, "nodegroup": "fits"}
    resp = api.request("POST", resize, json=body, headers=member(pid))
    assert_node_quota_error(resp, pid, 4, 5)
    assert node_counts(db, cid)["fits"] == 2


def test_clusters_being_deleted_do_not_count(api, db, project, uniq):
    pid, template = project
    set_node_quota(api, pid, 3)
    resp = create(api, pid, template, f"old-{uniq}", node_count=2)
    assert resp.status_code == 202, resp.text
    old = resp.json()["uuid"]
    complete(db, old)
    assert_node_quota_error(create(api, pid, template, f"new-{uniq}"), pid, 3, 5)
    assert api.request("DELETE", f"/v1/clusters/{old}", headers=member(pid)).status_code == 204
    resp = create(api, pid, template, f"new-{uniq}", node_count=2)
    assert resp.status_code == 202, resp.text


def test_concurrent_creates_never_overshoot(api, db, project, uniq):
    pid, template = project
    set_node_quota(api, pid, 6)

    def one(i: int):
        return create(api, pid, template, f"c{i}-{uniq}", node_count=1)  # 2 nodes each

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(one, range(8)))
    codes = sorted(r.status_code for r in results)
    assert codes == [202] * 3 + [403] * 5, [r.text for r in results]
    assert len(db.list_clusters({"project_id": pid})) == 3
    stats = api.request("GET", "/v1/stats", headers=member(pid)).json()
    assert stats == {"clusters": 3, "nodes": 6}
