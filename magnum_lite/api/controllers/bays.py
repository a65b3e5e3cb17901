"""``/v1/bays`` (microversions up to 1.10): clusters under their old names.

``baymodel_id`` and ``bay_create_timeout`` replace ``cluster_template_id`` and
``create_timeout``; node_count is at least 1. At 1.1 create and update are synchronous in
Magnum (201/200 with the bay); here they return the bay in its *_IN_PROGRESS state.
"""

from __future__ import annotations

from typing import Any

from magnum_lite.api import pagination, validation, versions, views
from magnum_lite.api.app import Result
from magnum_lite.api.controllers import clusters, common
from magnum_lite.common import exception

RENAMES = {"baymodel_id": "cluster_template_id", "bay_create_timeout": "create_timeout"}
BAY_FIELDS = {
    **{k: v for k, v in clusters.FIELDS.items() if k not in RENAMES.values()},
    "baymodel_id": clusters.FIELDS["cluster_template_id"],
    "bay_create_timeout": clusters.FIELDS["create_timeout"],
}


def _list(req: Any, detail: bool) -> Result:
    common.authorize(req, "cluster:get_all")
    rows, page = clusters.list_rows(req)
    faults = clusters.faults_for(req, rows) if detail else {}
    items = [views.bay(r, req.base_url, detail, faults.get(r.uuid)) for r in rows]
    path = "/v1/bays" + ("/detail" if detail else "")
    return Result(
        200,
        pagination.collection("bays", items, pagination.next_link(req.base_url, path, page, rows)),
    )


def get_all(req: Any) -> Result:
    return _list(req, False)


def detail(req: Any) -> Result:
    return _list(req, True)


def get_one(req: Any, ident: str) -> Result:
    row = common.get_cluster(req, ident)
    common.authorize(req, "cluster:get", row.project_id)
    faults = clusters.faults_for(req, [row]).get(row.uuid)
    return Result(200, views.bay(row, req.base_url, True, faults))


def post(req: Any) -> Result:
    body = validation.check_body(req.json(), "bay")
    validation.coerce_fields(body, BAY_FIELDS, "bay")  # names unknown attributes as bay's
    validation.require(body, "baymodel_id")
    if body.get("node_count") is not None:
        count = validation.Field("int").coerce("node_count", body["node_count"])
        if count < 1:
            raise exception.InvalidParameterValue(
                err=f"Invalid input for field/attribute node_count. Value: {count}. "
                "Value should be greater or equal to 1."
            )
    cluster_body = {RENAMES.get(k, k): v for k, v in body.items()}
    row = clusters.create(req, cluster_body, "bay")
    if req.at_least(versions.ASYNC_CLUSTER):
        return Result(202, {"uuid": row.uuid})
    return Result(
        201, views.bay(row, req.base_url), {"Location": f"{req.base_url}/v1/bays/{row.uuid}"}
    )


def patch_one(req: Any, ident: str) -> Result:
    row = common.get_cluster(req, ident)
    new = clusters.update(req, row, req.json(), clusters.rollback_param(req), BAY_FIELDS, 1)
    if req.at_least(versions.ASYNC_CLUSTER):
        return Result(202, {"uuid": row.uuid})
    return Result(200, views.bay(new, req.base_url))


def delete(req: Any, ident: str) -> Result:
    clusters.delete_row(req, common.get_cluster(req, ident))
    return Result(204)


def register(app: Any) -> None:
    top = versions.ZERO_NODES
    app.add("GET", "/v1/bays", get_all, max_version=top)
    app.add("GET", "/v1/bays/detail", detail, max_version=top)
    app.add("GET", "/v1/bays/{ident}", get_one, max_version=top)
    app.add("POST", "/v1/bays", post, max_version=top)
    app.add("PATCH", "/v1/bays/{ident}", patch_one, max_version=top)
    app.add("DELETE", "/v1/bays/{ident}", delete, max_version=top)
