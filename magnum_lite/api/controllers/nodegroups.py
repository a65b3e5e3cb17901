"""``/v1/clusters/{cluster}/nodegroups`` (microversion 1.9 and later)."""

from __future__ import annotations

from typing import Any

from magnum_lite.api import pagination, patch, validation, versions, views
from magnum_lite.api.app import Result
from magnum_lite.api.controllers import clusters, common
from magnum_lite.api.validation import DICT, STR, Field
from magnum_lite.common import exception

FIELDS: dict[str, Field] = {
    "name": Field("str", nullable=False),
    "node_count": Field("int", minimum=0),
    "role": STR,
    "min_node_count": Field("int", minimum=0),
    "max_node_count": Field("int", minimum=0),
    "flavor_id": STR,
    "image_id": STR,
    "docker_volume_size": Field("int", minimum=1),
    "labels": DICT,
    "merge_labels": Field("bool"),
    "node_labels": DICT,
    "node_taints": Field("list"),
}
#: What PATCH may change (Magnum's rule).
UPDATABLE = frozenset({"min_node_count", "max_node_count", "node_labels", "node_taints"})
V114_ONLY = frozenset({"node_labels", "node_taints"})
SORT_KEYS = ("id", "uuid", "name", "node_count", "role", "created_at", "updated_at")


def _cluster(req: Any, cluster_ident: str, action: str) -> Any:
    row = common.get_cluster(req, cluster_ident)
    common.authorize(req, action, row.project_id)
    return row


def _check_range(node_count: int, low: int | None, high: int | None) -> None:
    low = low or 0
    if high is not None and low > high:
        raise exception.InvalidParameterValue(
            err=f"min_node_count ({low}) must not be greater than max_node_count ({high})."
        )
    if node_count < low or (high is not None and node_count > high):
        raise exception.InvalidParameterValue(
            err=f"node_count {node_count} is outside [min_node_count {low}, max_node_count "
            f"{'unlimited' if high is None else high}]."
        )


def _list(req: Any, cluster_ident: str, detail: bool) -> Result:
    cluster = _cluster(req, cluster_ident, "nodegroup:get_all")
    page = pagination.parse(req.GET, req.conf.api.max_limit, SORT_KEYS)
    role = req.GET.get("role") or None
    rows = req.db.list_nodegroups(
        cluster.uuid, role=role, limit=page.limit, marker=page.marker,
        sort_key=page.sort_key, sort_dir=page.sort_dir,
    )  # fmt: skip
    detail = detail or common.bool_param(req, "detail")
    items = [views.nodegroup(r, req.base_url, req.version, detail) for r in rows]
    path = f"/v1/clusters/{cluster.uuid}/nodegroups" + ("/detail" if detail else "")
    extra = {"role": role} if role else None
    link = pagination.next_link(req.base_url, path, page, rows, extra)
    return Result(200, pagination.collection("nodegroups", items, link))


def get_all(req: Any, cluster: str) -> Result:
    return _list(req, cluster, False)


def detail(req: Any, cluster: str) -> Result:
    return _list(req, cluster, True)


def get_one(req: Any, cluster: str, ident: str) -> Result:
    row = _cluster(req, cluster, "nodegroup:get")
    ng = common.get_nodegroup(req, row.uuid, ident)
    return Result(200, views.nodegroup(ng, req.base_url, req.version))


def post(req: Any, cluster: str) -> Result:
    row = _cluster(req, cluster, "nodegroup:create")
    body = validation.check_body(req.json(), "nodegroup")
    values = validation.coerce_fields(body, FIELDS, "nodegroup")
    if V114_ONLY & {k for k, v in values.items() if v is not None} and not req.at_least(
        versions.NODE_LABELS
    ):
        raise exception.InvalidParameterValue(
            err=f"node_labels and node_taints need microversion {versions.NODE_LABELS}."
        )
    validation.require(values, "name")
    role = values.get("role") or "worker"
    if role == "master":
        raise exception.NotSupported(operation="Creating a nodegroup with role master")
    if not row.api_address:
        raise exception.Conflict(
            reason=f"cluster {row.uuid} has no api_address yet; nodegroups can be added once "
            "it is CREATE_COMPLETE."
        )
    node_count = 1 if values.get("node_count") is None else values["node_count"]
    _check_range(node_count, values.get("min_node_count"), values.get("max_node_count"))
    template = req.db.get_cluster_template_by_uuid(row.cluster_template_id)
    labels = values.get("labels")
    if labels is None or values.get("merge_labels"):
        labels = {**(row.labels or {}), **(labels or {})}
    ng_values = {
        "name": values["name"],
        "cluster_id": row.uuid,
        "project_id": row.project_id,
        "role": role,
        "is_default": False,
        "node_count": node_count,
        "min_node_count": values.get("min_node_count") or 0,
        "max_node_count": values.get("max_node_count"),
        "flavor_id": values.get("flavor_id") or row.flavor_id,
        "image_id": values.get("image_id") or template.image_id,
        "docker_volume_size": values.get("docker_volume_size") or row.docker_volume_size,
        "labels": labels,
        "node_labels": values.get("node_labels"),
        "node_taints": values.get("node_taints"),
        "status": "CREATE_IN_PROGRESS",
    }
    ng = req.db.create_nodegroup(ng_values, max_nodes=clusters.node_limit(req, row.project_id))
    req.rpc.nodegroup_create(req.context, cluster_uuid=row.uuid, nodegroup_uuid=ng.uuid)
    return Result(202, views.nodegroup(ng, req.base_url, req.version))


def patch_one(req: Any, cluster: str, ident: str) -> Result:
    row = _cluster(req, cluster, "nodegroup:update")
    ng = common.get_nodegroup(req, row.uuid, ident)
    fields = set(FIELDS) | {"status", "is_default", "cluster_id", "stack_id", "version"}
    ops = patch.validate(req.json(), fields, mandatory=("name",))
    touched = {op["path"][1:].split("/", 1)[0] for op in ops}
    allowed = UPDATABLE if req.at_least(versions.NODE_LABELS) else UPDATABLE - V114_ONLY
    not_allowed = sorted(touched - allowed)
    if not_allowed:
        raise exception.InvalidParameterValue(
            err=f"Updating {', '.join(not_allowed)} of a nodegroup is not supported; only "
            f"{', '.join(sorted(allowed))} can change."
        )
    current = {name: getattr(ng, name) for name in UPDATABLE}
    updated = patch.apply(current, ops)
    values = {}
    for name in touched:
        field = FIELDS[name]
        values[name] = field.coerce(name, updated.get(name))
    merged = {**current, **values}
    _check_range(ng.node_count or 0, merged.get("min_node_count"), merged.get("max_node_count"))
    if "min_node_count" in values and values["min_node_count"] is None:
        values["min_node_count"] = 0
    ng = req.db.update_nodegroup(ng.uuid, values)
    req.rpc.nodegroup_update(req.context, cluster_uuid=row.uuid, nodegroup_uuid=ng.uuid)
    return Result(202, views.nodegroup(ng, req.base_url, req.version))


def delete(req: Any, cluster: str, ident: str) -> Result:
    row = _cluster(req, cluster, "nodegroup:delete")
    ng = common.get_nodegroup(req, row.uuid, ident)
    if ng.is_default:
        raise exception.NotSupported(operation=f"Deleting a default nodegroup ({ng.name})")
    req.db.update_nodegroup(ng.uuid, {"status": "DELETE_IN_PROGRESS", "status_reason": None})
    req.rpc.nodegroup_delete(req.context, cluster_uuid=row.uuid, nodegroup_uuid=ng.uuid)
    return Result(204)


def register(app: Any) -> None:
    base = "/v1/clusters/{cluster}/nodegroups"
    v = versions.NODEGROUPS
    app.add("GET", base, get_all, min_version=v)
    app.add("GET", f"{base}/detail", detail, min_version=v)
    app.add("GET", f"{base}/{{ident}}", get_one, min_version=v)
    app.add("POST", base, post, min_version=v)
    app.add("PATCH", f"{base}/{{ident}}", patch_one, min_version=v)
    app.add("DELETE", f"{base}/{{ident}}", delete, min_version=v)
