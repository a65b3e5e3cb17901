"""Magnum's HTTP contract, checked with plain requests: versions, errors, bays, paging."""

from __future__ import annotations

import concurrent.futures
import datetime
import uuid

import pytest

from magnum_lite.db.api import Connection

MEMBER = {"X-Project-Id": "", "X-User-Id": "u1", "X-Roles": "member"}


def member(project: str) -> dict[str, str]:
    return {**MEMBER, "X-Project-Id": project}


def error_of(resp) -> dict:
    body = resp.json()
    assert set(body) == {"errors"} and len(body["errors"]) == 1
    return body["errors"][0]


def make_template(api, name: str, headers: dict | None = None, **kw) -> dict:
    body = {"name": name, "coe": "swarm-mode", "image_id": "img", **kw}
    resp = api.request("POST", "/v1/clustertemplates", json=body, headers=headers)
    assert resp.status_code == 201, resp.text
    assert resp.headers["Location"].endswith(f"/v1/clustertemplates/{resp.json()['uuid']}")
    return resp.json()


def make_cluster(api, template: str, name: str, headers: dict | None = None, **kw) -> str:
    body = {"name": name, "cluster_template_id": template, **kw}
    resp = api.request("POST", "/v1/clusters", json=body, headers=headers)
    assert resp.status_code == 202, resp.text
    return resp.json()["uuid"]


def test_root_and_v1_documents(api):
    root = api.request("GET", "/", version=None)
    assert root.status_code == 200
    v = root.json()["versions"][0]
    assert (v["id"], v["min_version"], v["max_version"]) == ("v1", "1.1", "1.14")
    assert v["links"][0]["href"] == f"{api.url}/v1/"
    v1 = api.request("GET", "/v1", version="1.10").json()
    assert v1["media_types"][0]["type"] == "application/vnd.openstack.magnum.v1+json"
    assert "bays" in v1 and "clustertemplates" in v1
    assert "bays" not in api.request("GET", "/v1/", version="1.11").json()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "1.1"),
        ("container-infra latest", "1.14"),
        ("container-infra 1.4", "1.4"),
        ("container-infrastructure 1.9", "1.9"),
        ("container-infrastructure-management 1.10", "1.10"),
        ("compute 2.1", "1.1"),
    ],
)
def test_version_headers(api, header, expected):
    headers = {"OpenStack-API-Version": header} if header else {}
    resp = api.request("GET", "/v1/clusters", version=None, headers=headers)
    assert resp.status_code == 200
    service = "container-infrastructure-management"
    assert resp.headers["OpenStack-API-Version"] == f"{service} {expected}"
    assert resp.headers["OpenStack-API-Minimum-Version"] == f"{service} 1.1"
    assert resp.headers["OpenStack-API-Maximum-Version"] == f"{service} 1.14"
    assert "OpenStack-API-Version" in resp.headers["Vary"]


@pytest.mark.parametrize("version", ["1.15", "1.0", "2.1"])
def test_unsupported_version_is_406(api, version):
    resp = api.request("GET", "/v1/clusters", version=version)
    assert resp.status_code == 406
    err = error_of(resp)
    assert err["code"] == "magnum.microversion-unsupported"
    assert (err["min_version"], err["max_version"]) == ("1.1", "1.14")
    assert "title" in err and "status" not in err


def test_malformed_version_is_400(api):
    resp = api.request("GET", "/v1/clusters", version="one.two")
    assert resp.status_code == 400
    err = error_of(resp)
    assert err["status"] == 400 and err["code"] == "client" and "one.two" in err["detail"]


def test_feature_needs_newer_version_is_406(api):
    assert api.request("GET", "/v1/stats", version="1.3").status_code == 406
    assert api.request("GET", "/v1/quotas", version="1.5").status_code == 406


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b"[]", "JSON object"),
        (b"{not json", "Malformed JSON"),
        (b"", "empty"),
        (b'{"coe": "swarm-mode"}', "image_id"),
        (b'{"image_id": "x"}', "coe"),
        (b'{"coe": "mesos", "image_id": "x"}', "mesos"),
        (b'{"coe": "swarm-mode", "image_id": "x", "colour": "red"}', "colour"),
        (
            b'{"coe": "swarm-mode", "image_id": "x", "docker_volume_size": "big"}',
            "docker_volume_size",
        ),
        (b'{"coe": "swarm-mode", "image_id": "x", "tls_disabled": "maybe"}', "tls_disabled"),
        (b'{"coe": "swarm-mode", "image_id": "x", "labels": [1]}', "labels"),
        (
            b'{"coe": "swarm-mode", "image_id": "x", "dns_nameserver": "not-an-ip"}',
            "dns_nameserver",
        ),
    ],
)
def test_template_bad_input_is_400(api, body, needle):
    resp = api.request(
        "POST", "/v1/clustertemplates", data=body, headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 400, resp.text
    err = error_of(resp)
    assert err["status"] == 400 and err["code"] == "client" and needle in err["detail"]
    assert "Traceback" not in resp.text


def test_cluster_validation(api, uniq):
    make_template(api, f"tv-{uniq}")
    cases = [
        ({"master_count": 2}, 400, "master_count"),
        ({"master_count": "x"}, 400, "master_count"),
        ({"node_count": -1}, 400, "node_count"),
        ({"name": "1bad"}, 400, "1bad"),
        ({"name": "a" * 243}, 400, "name"),
        ({"create_timeout": "soon"}, 400, "create_timeout"),
        ({"whatever": 1}, 400, "whatever"),
    ]
    for extra, status, needle in cases:
        body = {"name": f"ok-{uniq}", "cluster_template_id": f"tv-{uniq}", **extra}
        resp = api.request("POST", "/v1/clusters", json=body)
        assert resp.status_code == status, (extra, resp.text)
        assert needle in error_of(resp)["detail"], (extra, resp.text)
    resp = api.request("POST", "/v1/clusters", json={"name": f"x{uniq}"})
    assert resp.status_code == 400 and "cluster_template_id" in error_of(resp)["detail"]
    resp = api.request("POST", "/v1/clusters", json={"cluster_template_id": f"nope-{uniq}"})
    assert resp.status_code == 404 and f"nope-{uniq}" in error_of(resp)["detail"]
    body = {"name": f"z{uniq}", "cluster_template_id": f"tv-{uniq}", "node_count": 0}
    assert api.request("POST", "/v1/clusters", json=body, version="1.9").status_code == 400
    assert api.request("POST", "/v1/clusters", json=body, version="1.10").status_code == 202


def test_lookup_by_name_and_ambiguity(api, uniq):
    a = make_template(api, f"dup-{uniq}")
    make_template(api, f"dup-{uniq}")
    resp = api.request("GET", f"/v1/clustertemplates/dup-{uniq}")
    assert resp.status_code == 409 and "uuid" in error_of(resp)["detail"]
    assert api.request("GET", f"/v1/clustertemplates/{a['uuid']}").json()["uuid"] == a["uuid"]
    resp = api.request("GET", f"/v1/clusters/{uuid.uuid4()}")
    assert resp.status_code == 404 and error_of(resp)["status"] == 404


def test_cluster_lifecycle_rules(api, uniq):
    t = make_template(api, f"tl-{uniq}")
    cid = make_cluster(api, t["uuid"], f"cl-{uniq}", node_count=1)
    shown = api.request("GET", f"/v1/clusters/cl-{uniq}").json()
    assert shown["status"] == "CREATE_IN_PROGRESS" and shown["cluster_id"] is None
    assert api.request("GET", f"/v1/clusters/{cid}", version="1.12").json()["stack_id"] is None
    # In progress: update is refused, resize too (only *_COMPLETE / UPDATE_*).
    patch = [{"op": "replace", "path": "/node_count", "value": 2}]
    assert api.request("PATCH", f"/v1/clusters/{cid}", json=patch).status_code == 400
    resize = api.request("POST", f"/v1/clusters/{cid}/actions/resize", json={"node_count": 2})
    assert resize.status_code == 400 and "CREATE_IN_PROGRESS" in error_of(resize)["detail"]
    # The conductor would mark it complete; do it in the database the API uses.
    db = Connection(api.db_url)
    try:
        db.update_cluster(cid, {"status": "CREATE_COMPLETE", "api_address": "tcp://x:2376"})
        bad = [{"op": "replace", "path": "/master_count", "value": 3}]
        resp = api.request("PATCH", f"/v1/clusters/{cid}", json=bad)
        assert resp.status_code == 400 and "master_count" in error_of(resp)["detail"]
        resp = api.request(
            "PATCH", f"/v1/clusters/{cid}", json=[{"op": "replace", "path": "/uuid", "value": "x"}]
        )
        assert resp.status_code == 400 and "internal" in error_of(resp)["detail"]
        resp = api.request("PATCH", f"/v1/clusters/{cid}/?rollback=True", json=patch)
        assert resp.status_code == 202 and resp.json() == {"uuid": cid}
        after = api.request("GET", f"/v1/clusters/{cid}").json()
        assert after["status"] == "UPDATE_IN_PROGRESS" and after["node_count"] == 2
        ngs = api.request("GET", f"/v1/clusters/{cid}/nodegroups/default-worker").json()
        assert ngs["node_count"] == 2
        # Resize is allowed from UPDATE_IN_PROGRESS; the master nodegroup is not resizable.
        resp = api.request(
            "POST",
            f"/v1/clusters/{cid}/actions/resize",
            json={"node_count": 3, "nodes_to_remove": []},
        )
        assert resp.status_code == 202
        assert api.request("GET", f"/v1/clusters/{cid}").json()["node_count"] == 3
        resp = api.request(
            "POST",
            f"/v1/clusters/{cid}/actions/resize",
            json={"node_count": 3, "nodegroup": "default-master"},
        )
        assert resp.status_code == 400
        assert (
            api.request(
                "POST", f"/v1/clusters/{cid}/actions/resize", json={"node_count": 1}, version="1.6"
            ).status_code
            == 406
        )
        # Nodegroups: create needs a name, master role refused, defaults can't be deleted.
        ng_path = f"/v1/clusters/{cid}/nodegroups"
        resp = api.request("POST", ng_path, json={"name": "extra", "node_count": 1})
        assert resp.status_code == 202 and resp.json()["role"] == "worker"
        assert api.request("POST", ng_path, json={"name": "extra"}).status_code == 409
        assert api.request("POST", ng_path, json={"name": "m", "role": "master"}).status_code == 400
        assert api.request("DELETE", f"{ng_path}/default-worker").status_code == 400
        resp = api.request(
            "PATCH",
            f"{ng_path}/extra",
            json=[{"op": "replace", "path": "/max_node_count", "value": 5}],
        )
        assert resp.status_code == 202 and resp.json()["max_node_count"] == 5
        resp = api.request(
            "PATCH", f"{ng_path}/extra", json=[{"op": "replace", "path": "/node_count", "value": 5}]
        )
        assert resp.status_code == 400
        assert api.request("DELETE", f"{ng_path}/extra").status_code == 204
        assert api.request("GET", f"{ng_path}/extra").json()["status"] == "DELETE_IN_PROGRESS"
        # Certificates: validation happens before any RPC.
        resp = api.request("POST", "/v1/certificates", json={"cluster_uuid": cid, "csr": "nope"})
        assert resp.status_code == 400 and "csr" in error_of(resp)["detail"]
        resp = api.request("POST", "/v1/certificates", json={"cluster_uuid": cid})
        assert resp.status_code == 400
        assert api.request("GET", f"/v1/certificates/{uuid.uuid4()}").status_code == 404
    finally:
        db.dispose()
    assert api.request("DELETE", f"/v1/clusters/{cid}").status_code == 204
    assert api.request("GET", f"/v1/clusters/{cid}").json()["status"] == "DELETE_IN_PROGRESS"


def test_template_patch_rules(api, uniq):
    t = make_template(api, f"tp-{uniq}", labels={"a": "1"})
    path = f"/v1/clustertemplates/{t['uuid']}"
    cases = [
        ([{"op": "replace", "path": "/created_at", "value": "x"}], "internal"),
        ([{"op": "remove", "path": "/image_id"}], "mandatory"),
        ([{"op": "move", "path": "/name", "from": "/coe"}], "move"),
        ([{"op": "replace", "path": "/nonsense", "value": 1}], "nonsense"),
        ([{"op": "replace", "path": "/docker_volume_size", "value": "lots"}], "docker_volume_size"),
        ([{"op": "remove", "path": "/labels/zz"}], "zz"),
        ({"op": "replace"}, "list"),
        ([], "list"),
    ]
    for ops, needle in cases:
        resp = api.request("PATCH", path, json=ops)
        assert resp.status_code == 400, (ops, resp.text)
        assert needle in error_of(resp)["detail"], (ops, resp.text)
    resp = api.request(
        "PATCH",
        path,
        json=[
            {"op": "replace", "path": "/tls_disabled", "value": "true"},
            {"op": "remove", "path": "/labels/a"},
        ],
    )
    assert resp.status_code == 200
    assert resp.json()["tls_disabled"] is True and resp.json()["labels"] == {}


def test_bays_and_baymodels_up_to_1_10(api, uniq):
    resp = api.request(
        "POST",
        "/v1/baymodels",
        version="1.10",
        json={"name": f"bm-{uniq}", "coe": "swarm-mode", "image_id": "img"},
    )
    assert resp.status_code == 201
    bm = resp.json()
    listed = api.request("GET", "/v1/baymodels", version="1.10").json()["baymodels"]
    assert bm["uuid"] in [b["uuid"] for b in listed]
    resp = api.request(
        "POST",
        "/v1/bays",
        version="1.10",
        json={
            "name": f"bay-{uniq}",
            "baymodel_id": bm["uuid"],
            "node_count": 1,
            "bay_create_timeout": 10,
        },
    )
    assert resp.status_code == 202
    bay = api.request("GET", f"/v1/bays/{resp.json()['uuid']}", version="1.10").json()
    assert bay["baymodel_id"] == bm["uuid"] and bay["bay_create_timeout"] == 10
    assert bay["status"] == "CREATE_IN_PROGRESS"
    # 1.1: synchronous-style create answers 201 with the bay itself.
    resp = api.request(
        "POST", "/v1/bays", version="1.1", json={"name": f"bay1-{uniq}", "baymodel_id": bm["name"]}
    )
    assert resp.status_code == 201 and resp.json()["name"] == f"bay1-{uniq}"
    resp = api.request(
        "POST",
        "/v1/bays",
        version="1.10",
        json={"name": f"bay0-{uniq}", "baymodel_id": bm["uuid"], "node_count": 0},
    )
    assert resp.status_code == 400
    resp = api.request("POST", "/v1/bays", version="1.10", json={"name": f"b-{uniq}"})
    assert resp.status_code == 400 and "baymodel_id" in error_of(resp)["detail"]
    assert api.request("GET", "/v1/bays", version="1.11").status_code == 404
    assert api.request("GET", "/v1/baymodels", version="latest").status_code == 404
    assert api.request("DELETE", f"/v1/bays/{bay['uuid']}", version="1.10").status_code == 204


def test_pagination_follows_next(api, uniq):
    project = f"page-{uniq}"
    headers = member(project)
    t = make_template(api, f"pt-{uniq}", headers=headers)
    made = [make_cluster(api, t["uuid"], f"pg{i}-{uniq}", headers=headers) for i in range(5)]
    seen, url, pages = [], "/v1/clusters?limit=2", 0
    while url:
        resp = api.request("GET", url, headers=headers)
        assert resp.status_code == 200
        body = resp.json()
        seen += [c["uuid"] for c in body["clusters"]]
        pages += 1
        nxt = body.get("next")
        if nxt:
            assert nxt.startswith(api.url + "/v1/clusters?") and "limit=2" in nxt
            url = nxt[len(api.url) :]
        else:
            url = None
        assert pages < 10
    assert seen == made and pages == 3  # 2 + 2 + 1 (no next on the short page)
    desc = api.request("GET", "/v1/clusters/detail?sort_dir=desc&sort_key=name", headers=headers)
    assert [c["uuid"] for c in desc.json()["clusters"]] == made[::-1]
    assert "status_reason" in desc.json()["clusters"][0]
    assert (
        "status_reason"
        not in api.request("GET", "/v1/clusters", headers=headers).json()["clusters"][0]
    )
    for query in ("limit=0", "limit=x", "sort_dir=up", "sort_key=secret", f"marker={uuid.uuid4()}"):
        resp = api.request("GET", f"/v1/clusters?{query}", headers=headers)
        assert resp.status_code in (400, 404), query
        assert error_of(resp)["code"] == "client"


def test_projects_are_isolated_and_quotas_apply(api, uniq):
    a, b = f"qa-{uniq}", f"qb-{uniq}"
    t = make_template(api, f"qt-{uniq}", headers=member(a))
    resp = api.request(
        "POST",
        "/v1/clusters",
        headers=member(b),
        json={"name": f"x{uniq}", "cluster_template_id": t["uuid"]},
    )
    assert resp.status_code == 404  # another project's private template
    resp = api.request(
        "POST",
        "/v1/quotas",
        headers=member(a),
        json={"project_id": a, "resource": "Cluster", "hard_limit": 1},
    )
    assert resp.status_code == 403  # quotas are for admins
    resp = api.request(
        "POST", "/v1/quotas", json={"project_id": a, "resource": "Cluster", "hard_limit": 1}
    )
    assert resp.status_code == 201
    assert (
        api.request("POST", "/v1/quotas", json={"project_id": a, "resource": "Cluster"}).status_code
        == 409
    )
    assert (
        api.request("POST", "/v1/quotas", json={"project_id": a, "resource": "Pods"}).status_code
        == 400
    )
    make_cluster(api, t["uuid"], f"q1-{uniq}", headers=member(a))
    resp = api.request(
        "POST",
        "/v1/clusters",
        headers=member(a),
        json={"name": f"q2-{uniq}", "cluster_template_id": t["uuid"]},
    )
    assert resp.status_code == 403 and "maximum clusters" in error_of(resp)["detail"]
    assert api.request("GET", "/v1/clusters", headers=member(b)).json()["clusters"] == []
    assert api.request("GET", f"/v1/clusters/q1-{uniq}", headers=member(b)).status_code == 404
    assert api.request("GET", "/v1/clusters?all_tenants=1", headers=member(a)).status_code == 403
    stats = api.request("GET", "/v1/stats", headers=member(a)).json()
    assert stats == {"clusters": 1, "nodes": 2}
    assert api.request("GET", f"/v1/stats?project_id={b}", headers=member(a)).status_code == 403
    assert api.request("GET", f"/v1/stats?project_id={a}").json() == {"clusters": 1, "nodes": 2}
    assert api.request("GET", "/v1/stats?type=pods").status_code == 400
    assert api.request("GET", "/v1/mservices", headers=member(a)).status_code == 403
    resp = api.request(
        "POST",
        "/v1/clustertemplates",
        headers=member(a),
        json={"coe": "swarm-mode", "image_id": "i", "public": True},
    )
    assert resp.status_code == 403


def test_mservices_up_and_down(api, uniq):
    db = Connection(api.db_url)
    try:
        db.service_heartbeat(f"fresh-{uniq}", "magnum-lite-conductor")
        db.service_heartbeat(f"stale-{uniq}", "magnum-lite-conductor")
        old = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) - datetime.timedelta(hours=1)
        db.update_service(f"stale-{uniq}", "magnum-lite-conductor", {"last_seen_up": old})
    finally:
        db.dispose()
    services = {s["host"]: s for s in api.request("GET", "/v1/mservices").json()["mservices"]}
    assert services[f"fresh-{uniq}"]["state"] == "up"
    assert services[f"stale-{uniq}"]["state"] == "down"
    assert services[f"fresh-{uniq}"]["binary"] == "magnum-conductor"


def test_concurrent_writes_never_fail(api, uniq):
    """Parallel creates through both gunicorn workers: SQLite must never say 'locked'."""

    def create(i: int) -> int:
        body = {"name": f"cc{i}-{uniq}", "coe": "swarm-mode", "image_id": "img"}
        return api.request("POST", "/v1/clustertemplates", json=body).status_code

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(create, range(40)))
    assert codes == [201] * 40


def test_unknown_paths_and_methods(api):
    assert error_of(api.request("GET", "/v1/nothing-here"))["status"] == 404
    assert api.request("PUT", "/v1/clusters").status_code == 405
    assert api.request("GET", "/v1/federations").json() == {"federations": []}
    assert (
        api.request("PATCH", f"/v1/credentials/{uuid.uuid4()}", version="1.12").status_code == 404
    )


def test_template_is_routed_to_the_driver_that_serves_its_coe(api, uniq):
    from magnum_lite.drivers import base

    providers = [p for p in base.list_provides() if p.get("coe") == "swarm-mode"]
    t = make_template(api, f"drv-{uniq}", server_type="vm")
    assert t["server_type"] == "vm"  # as the client sent it
    if providers and not any(p["server_type"] == "vm" for p in providers):
        assert t["driver"] == providers[0]["driver"]
        assert t["cluster_distro"] == providers[0]["os"]
    if providers:
        name = providers[0]["driver"]
        explicit = make_template(api, f"drv2-{uniq}", cluster_distro="mine", driver=name)
        assert (explicit["driver"], explicit["cluster_distro"]) == (name, "mine")
        body = {"coe": "swarm-mode", "image_id": "i", "driver": f"nope-{uniq}"}
        resp = api.request("POST", "/v1/clustertemplates", json=body)
        assert resp.status_code == 400 and f"nope-{uniq}" in error_of(resp)["detail"]


def test_errors_carry_version_headers(api):
    resp = api.request("GET", "/v1/nothing-here", version="1.8")
    assert resp.status_code == 404
    assert resp.headers["OpenStack-API-Version"].endswith(" 1.8")
    resp = api.request("GET", "/v1/clusters", version="1.99")
    assert resp.headers["OpenStack-API-Maximum-Version"].endswith(" 1.14")
    assert "OpenStack-API-Version" in resp.headers["Vary"]


def test_upgrade_needs_a_template_and_is_not_supported(api, uniq):
    t = make_template(api, f"up-{uniq}")
    cid = make_cluster(api, t["uuid"], f"up-{uniq}")
    path = f"/v1/clusters/{cid}/actions/upgrade"
    resp = api.request("POST", path, json={"max_batch_size": 1})
    assert resp.status_code == 400 and "cluster_template" in error_of(resp)["detail"]
    resp = api.request("POST", path, json={"cluster_template": f"nope-{uniq}"})
    assert resp.status_code == 404
    assert api.request("POST", path, json={"cluster_template": t["uuid"]}).status_code == 400
    assert (
        api.request("POST", path, json={"cluster_template": t["uuid"]}, version="1.7").status_code
        == 406
    )
