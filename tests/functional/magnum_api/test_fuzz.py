"""Generated requests against the in-process WSGI app: nothing answers 5xx.

The app runs with its own ConfigOpts (SQLite in a temp dir, the in-memory fake:// RPC
transport, so casts go nowhere), driven through webob.Request.blank.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid

import oslo_messaging as messaging
import pytest
import webob
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oslo_config import fixture as config_fixture

from magnum_lite import conf as ml_conf
from magnum_lite.api import app as api_app
from magnum_lite.api.controllers import clusters, clustertemplates, misc, nodegroups
from magnum_lite.conductor import rpcapi
from magnum_lite.db import api as dbapi
from magnum_lite.db.sqlalchemy import migration


@pytest.fixture(scope="module")
def wsgi():
    tmpdir = tempfile.mkdtemp(prefix="ml-fuzz-")
    db_url = f"sqlite:///{os.path.join(tmpdir, 'fuzz.sqlite')}"
    overrides = config_fixture.Config(ml_conf.CONF)
    overrides.setUp()
    transport = None
    try:
        overrides.config(group="database", connection=db_url)
        overrides.config(group="conductor", topic=f"fuzz-{uuid.uuid4().hex[:8]}")
        migration.upgrade(db_url)
        app = api_app.build(ml_conf.CONF)
        # The in-memory transport: casts are accepted and go nowhere.
        transport = messaging.get_rpc_transport(ml_conf.CONF, url="fake:/")
        app._rpc = rpcapi.ConductorAPI(transport=transport, conf=ml_conf.CONF)
        app._rpc_pid = os.getpid()
        yield app
    finally:
        if transport is not None:
            transport.cleanup()
        dbapi.reset()
        overrides.cleanUp()
        shutil.rmtree(tmpdir, ignore_errors=True)


def call(app, method: str, path: str, body: bytes | None, version: str | None) -> webob.Response:
    req = webob.Request.blank(path, method=method)
    if version is not None:
        req.headers["OpenStack-API-Version"] = f"container-infra {version}"
    if body is not None:
        req.body = body
        req.content_type = "application/json"
    return req.get_response(app)


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.floats(allow_nan=False),
    st.text(max_size=30), st.sampled_from(["1", "true", "swarm-mode", "0", "-1", "{}", "[1]"]),
)  # fmt: skip
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
FIELD_NAMES = sorted(
    set(clustertemplates.FIELDS)
    | set(clusters.FIELDS)
    | set(clusters.RESIZE_FIELDS)
    | set(nodegroups.FIELDS)
    | set(misc.QUOTA_FIELDS)
    | {"baymodel_id", "csr", "cluster_template"}
)
objects = st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=6), values, max_size=6)
patch_ops = st.lists(
    st.fixed_dictionaries(
        {
            "op": st.sampled_from(["add", "replace", "remove", "move", "test", "x"]),
            "path": st.sampled_from(
                [
                    "/node_count",
                    "/labels/a",
                    "/name",
                    "/uuid",
                    "/",
                    "",
                    "/labels",
                    "/coe",
                    "/image_id",
                    "/public",
                    "/docker_volume_size",
                    "/a/b/c",
                ]
            ),
        },
        optional={"value": values},
    ),
    max_size=4,
)
bodies = st.one_of(
    objects.map(lambda o: json.dumps(o).encode()),
    patch_ops.map(lambda o: json.dumps(o).encode()),
    values.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=40),
)
paths = st.sampled_from([
    "/v1/clustertemplates", "/v1/clustertemplates/fz-tpl", "/v1/clusters", "/v1/clusters/fz-c",
    "/v1/clusters/fz-c/actions/resize", "/v1/clusters/fz-c/actions/upgrade",
    "/v1/clusters/fz-c/nodegroups", "/v1/clusters/fz-c/nodegroups/default-worker",
    "/v1/bays", "/v1/baymodels", "/v1/quotas", "/v1/quotas/p/Cluster", "/v1/bays/fz-c",
    "/v1/clusters?limit=-1", "/v1/clusters/detail?sort_key=name&sort_dir=desc&limit=2",
    "/v1/clustertemplates?marker=zzz", "/v1/stats?project_id=p&type=cluster", "/v1/mservices",
])  # fmt: skip
versions = st.sampled_from(
    [None, "1.1", "1.2", "1.9", "1.10", "1.11", "1.14", "latest", "9.9", "x"]
)
methods = st.sampled_from(["GET", "POST", "PATCH", "DELETE", "PUT"])


# Nearly valid requests: a correct body with a few fields replaced by generated values,
# so that validation passes often enough to reach the writes behind it.
NEAR_VALID = [
    ("POST", "/v1/clustertemplates", {"coe": "swarm-mode", "image_id": "img"},
     sorted(clustertemplates.FIELDS)),
    ("POST", "/v1/clusters", {"cluster_template_id": "fz-tpl"}, sorted(clusters.FIELDS)),
    ("POST", "/v1/clusters/fz-c/actions/resize", {"node_count": 1}, sorted(clusters.RESIZE_FIELDS)),
    ("POST", "/v1/clusters/fz-c/nodegroups", {"name": "ng"}, sorted(nodegroups.FIELDS)),
    ("POST", "/v1/quotas", {"project_id": "p", "resource": "Cluster"}, sorted(misc.QUOTA_FIELDS)),
    ("PATCH", "/v1/quotas/p/Cluster", {"hard_limit": 3}, sorted(misc.QUOTA_FIELDS)),
]  # fmt: skip
PATCHABLE = [
    ("/v1/clusters/fz-c", ["node_count"]),
    ("/v1/clustertemplates/fz-tpl", sorted(clustertemplates.FIELDS)),
    ("/v1/clusters/fz-c/nodegroups/default-worker",
     ["min_node_count", "max_node_count", "node_labels", "node_taints"]),
]  # fmt: skip


@st.composite
def near_valid(draw):
    method, path, base, fields = draw(st.sampled_from(NEAR_VALID))
    changes = draw(st.dictionaries(st.sampled_from(fields), values | st.integers(0, 5), max_size=2))
    return method, path, json.dumps({**base, **changes}).encode()


@st.composite
def near_valid_patch(draw):
    path, fields = draw(st.sampled_from(PATCHABLE))
    field = draw(st.sampled_from(fields))
    op = draw(st.sampled_from(["replace", "add", "remove"]))
    item = {"op": op, "path": f"/{field}"}
    if op != "remove":
        item["value"] = draw(values | st.integers(0, 5))
    return "PATCH", path, json.dumps([item]).encode()


@settings(
    max_examples=600,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(request=st.one_of(near_valid(), near_valid_patch()), version=versions)
def test_nearly_valid_requests_get_no_5xx(wsgi, request, version):
    method, path, body = request
    test_no_request_gets_a_5xx.hypothesis.inner_test(wsgi, method, path, body, version)


@settings(
    max_examples=1000,
    derandomize=True,  # CI runs a fixed set; set it to False locally to explore
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(method=methods, path=paths, body=bodies, version=versions)
def test_no_request_gets_a_5xx(wsgi, method, path, body, version):
    # Keep one template and one cluster around so that item paths reach the handlers.
    if call(wsgi, "GET", "/v1/clustertemplates/fz-tpl", None, "latest").status_int == 404:
        body_t = {"name": "fz-tpl", "coe": "swarm-mode", "image_id": "img"}
        assert (
            call(
                wsgi, "POST", "/v1/clustertemplates", json.dumps(body_t).encode(), "latest"
            ).status_int
            == 201
        )
    if call(wsgi, "GET", "/v1/clusters/fz-c", None, "latest").status_int == 404:
        body_c = {"name": "fz-c", "cluster_template_id": "fz-tpl"}
        assert (
            call(wsgi, "POST", "/v1/clusters", json.dumps(body_c).encode(), "latest").status_int
            == 202
        )
    # A finished, reachable cluster, so updates, resizes and nodegroup creates go deep.
    shown = call(wsgi, "GET", "/v1/clusters/fz-c", None, "latest")
    if shown.status_int == 200:
        dbapi.get_instance(ml_conf.CONF).update_cluster(
            json.loads(shown.body)["uuid"],
            {"status": "CREATE_COMPLETE", "api_address": "tcp://127.0.0.1:1"},
        )
    resp = call(wsgi, method, path, body if method in ("POST", "PATCH", "PUT") else None, version)
    assert resp.status_int < 500, (method, path, body, version, resp.body[:500])
    if resp.status_int >= 400:
        err = json.loads(resp.body)["errors"][0]
        assert err["title"] and "Traceback" not in resp.text
