"""mservices, quotas, stats, and the minimal federations and credentials endpoints."""

from __future__ import annotations

import datetime
from typing import Any

from magnum_lite.api import pagination, validation, versions, views
from magnum_lite.api.app import Result
from magnum_lite.api.controllers import clusters, common
from magnum_lite.api.validation import STR, Field
from magnum_lite.common import exception
from magnum_lite.db.sqlalchemy import models

QUOTA_FIELDS: dict[str, Field] = {
    "project_id": STR,
    "resource": STR,
    "hard_limit": Field("int", minimum=0),
}
#: "Node" (nodes per project) is a stackdock extension; Magnum only has "Cluster".
QUOTA_RESOURCES = tuple(clusters.QUOTA_DEFAULTS)


# -- mservices ------------------------------------------------------------------------------
def _down_time(req: Any) -> int:
    group = getattr(req.conf, "conductor", None)
    return int(getattr(group, "service_down_time", 180) if group is not None else 180)


def mservices(req: Any) -> Result:
    common.authorize(req, "magnum-service:get_all")
    now = models.utcnow()
    limit = datetime.timedelta(seconds=_down_time(req))
    out = []
    for sv in req.db.list_services():
        if "conductor" not in (sv.binary or ""):
            continue
        seen = sv.last_seen_up or sv.updated_at or sv.created_at
        up = seen is not None and now - seen <= limit
        out.append(
            {
                "id": sv.id,
                "host": sv.host,
                "binary": "magnum-conductor",
                "state": "up" if up else "down",
                "disabled": bool(sv.disabled),
                "disabled_reason": sv.disabled_reason,
                "report_count": sv.report_count,
                "created_at": views.iso(sv.created_at),
                "updated_at": views.iso(sv.updated_at),
            }
        )
    return Result(200, {"mservices": out})


# -- quotas ---------------------------------------------------------------------------------
def _check_resource(resource: str) -> None:
    if resource not in QUOTA_RESOURCES:
        raise exception.InvalidParameterValue(
            err=f"Invalid resource '{resource}': quotas exist for {', '.join(QUOTA_RESOURCES)}."
        )


def quota_list(req: Any) -> Result:
    all_tenants = common.bool_param(req, "all_tenants")
    page = pagination.parse(req.GET, req.conf.api.max_limit, ("id", "project_id", "resource"))
    filters = {}
    if all_tenants:
        common.authorize(req, "quota:get_all")
    else:
        common.authorize(req, "quota:get")
        filters["project_id"] = req.context.project_id
    marker = None
    if page.marker is not None:
        try:
            marker = int(page.marker)
        except ValueError:
            raise exception.InvalidParameterValue(err="A quota marker is an integer id.") from None
    rows = req.db.list_quotas(
        filters, limit=page.limit, marker=marker, sort_key=page.sort_key, sort_dir=page.sort_dir
    )
    items = [views.quota(r) for r in rows]
    extra = {"all_tenants": "True"} if all_tenants else None
    link = pagination.next_link(req.base_url, "/v1/quotas", page, items, extra, marker_attr="id")
    return Result(200, pagination.collection("quotas", items, link))


def quota_get(req: Any, project_id: str, resource: str) -> Result:
    common.authorize(req, "quota:get", project_id)
    _check_resource(resource)
    try:
        return Result(200, views.quota(req.db.get_quota(project_id, resource)))
    except exception.QuotaNotFound:
        # No explicit quota: the default applies (magnum-ui reads this).
        default = getattr(req.conf.api, clusters.QUOTA_DEFAULTS[resource])
        body = {"project_id": project_id, "resource": resource, "hard_limit": default}
        body.update(id=None, created_at=None, updated_at=None)
        return Result(200, body)


def quota_create(req: Any) -> Result:
    common.authorize(req, "quota:create")
    body = validation.check_body(req.json(), "quota")
    values = validation.coerce_fields(body, QUOTA_FIELDS, "quota")
    validation.require(values, "project_id", "resource")
    _check_resource(values["resource"])
    hard_limit = 1 if values.get("hard_limit") is None else values["hard_limit"]
    row = req.db.create_quota({**values, "hard_limit": hard_limit})
    return Result(201, views.quota(row))


def quota_update(req: Any, project_id: str, resource: str) -> Result:
    common.authorize(req, "quota:update", project_id)
    _check_resource(resource)
    body = validation.check_body(req.json(), "quota")
    values = validation.coerce_fields(body, QUOTA_FIELDS, "quota")
    for key, in_url in (("project_id", project_id), ("resource", resource)):
        if values.get(key) not in (None, in_url):
            raise exception.InvalidParameterValue(
                err=f"{key} in the body ({values[key]}) does not match the URL."
            )
    validation.require(values, "hard_limit")
    row = req.db.update_quota(project_id, resource, values["hard_limit"])
    return Result(202, views.quota(row))


def quota_delete(req: Any, project_id: str, resource: str) -> Result:
    common.authorize(req, "quota:delete", project_id)
    _check_resource(resource)
    req.db.destroy_quota(project_id, resource)
    return Result(204)


# -- stats ----------------------------------------------------------------------------------
def stats(req: Any) -> Result:
    project_id = req.GET.get("project_id") or None
    kind = req.GET.get("type") or "cluster"
    if kind != "cluster":
        raise exception.InvalidParameterValue(err=f"Invalid stats type '{kind}': use 'cluster'.")
    if not req.context.is_admin:
        if project_id is not None and project_id != req.context.project_id:
            raise exception.PolicyNotAuthorized(action="stats:get_all for another project")
        project_id = req.context.project_id
    common.authorize(req, "stats:get_all", project_id or req.context.project_id)
    count, nodes = req.db.cluster_stats(project_id)
    return Result(200, {"clusters": count, "nodes": nodes})


# -- federations and credentials (minimal) -------------------------------------------------
def federations(req: Any) -> Result:
    common.authorize(req, "federation:get_all")
    return Result(200, {"federations": []})


def federation_create(req: Any) -> Result:
    common.authorize(req, "federation:create")
    raise exception.NotSupported(operation="Creating a federation")


def federation_get(req: Any, ident: str) -> Result:
    raise exception.ResourceNotFound(reason=f"federation {ident}")


def credentials(req: Any, ident: str) -> Result:
    row = clusters.common.get_cluster(req, ident)
    common.authorize(req, "credential:rotate", row.project_id)
    raise exception.NotSupported(
        operation="Rotating cluster credentials (magnum_lite clusters use no Keystone trusts)"
    )


def register(app: Any) -> None:
    app.add("GET", "/v1/mservices", mservices)
    app.add("GET", "/v1/quotas", quota_list, min_version=versions.QUOTAS)
    app.add("POST", "/v1/quotas", quota_create, min_version=versions.QUOTAS)
    path = "/v1/quotas/{project_id}/{resource}"
    app.add("GET", path, quota_get, min_version=versions.QUOTAS)
    app.add("PATCH", path, quota_update, min_version=versions.QUOTAS)
    app.add("DELETE", path, quota_delete, min_version=versions.QUOTAS)
    app.add("GET", "/v1/stats", stats, min_version=versions.STATS)
    app.add("GET", "/v1/federations", federations)
    app.add("POST", "/v1/federations", federation_create)
    app.add("GET", "/v1/federations/{ident}", federation_get)
    app.add("PATCH", "/v1/credentials/{ident}", credentials, min_version=versions.CREDENTIALS)
