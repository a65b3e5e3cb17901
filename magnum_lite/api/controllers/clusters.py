"""``/v1/clusters``: create, list, show, update (JSON-Patch), resize, upgrade, delete.

The API writes the desired state first (the cluster row with its default nodegroups and an
*_IN_PROGRESS status), then casts to the conductor, so a GET right after a 202 already
shows the operation in progress.
"""

from __future__ import annotations

import contextlib
import datetime
import uuid as uuidlib
from typing import Any

from magnum_lite.api import pagination, patch, validation, versions, views
from magnum_lite.api.app import Result
from magnum_lite.api.controllers import common
from magnum_lite.api.validation import DICT, STR, Field
from magnum_lite.common import exception
from magnum_lite.db.sqlalchemy import models

FIELDS: dict[str, Field] = {
    "name": Field("str", max_length=validation.CLUSTER_NAME_MAX),
    "cluster_template_id": STR,
    "keypair": STR,
    "master_count": Field("int", minimum=1),
    "node_count": Field("int", minimum=0),
    "create_timeout": Field("int", minimum=0),
    "discovery_url": STR,
    "labels": DICT,
    "master_flavor_id": STR,
    "flavor_id": STR,
    "docker_volume_size": Field("int", minimum=1),
    "fixed_network": STR,
    "fixed_subnet": STR,
    "floating_ip_enabled": Field("bool"),
    "master_lb_enabled": Field("bool"),
    "merge_labels": Field("bool"),
}
RESIZE_FIELDS: dict[str, Field] = {
    "node_count": Field("int", minimum=0, nullable=False),
    "nodes_to_remove": Field("list"),
    "nodegroup": STR,
}
UPGRADE_FIELDS: dict[str, Field] = {
    "cluster_template": Field("str", nullable=False),
    "max_batch_size": Field("int", minimum=1),
    "nodegroup": STR,
}
#: What PATCH may change (Magnum's rule); the rest is fixed at creation.
UPDATABLE = frozenset({"node_count"})
SORT_KEYS = (
    "id", "uuid", "name", "status", "node_count", "master_count", "created_at", "updated_at",
    "cluster_template_id", "project_id",
)  # fmt: skip
DEFAULT_CREATE_TIMEOUT = 60
QUOTA_RESOURCE = "Cluster"
NODE_QUOTA_RESOURCE = "Node"
#: Quota resource -> the [api] option giving its default when a project has no row.
QUOTA_DEFAULTS = {
    QUOTA_RESOURCE: "max_clusters_per_project",
    NODE_QUOTA_RESOURCE: "max_nodes_per_project",
}


def min_node_count(req: Any) -> int:
    return 0 if req.at_least(versions.ZERO_NODES) else 1


def _check_node_count(req: Any, value: int, field: str = "node_count") -> None:
    minimum = min_node_count(req)
    if value < minimum:
        raise exception.InvalidParameterValue(
            err=f"Invalid input for field/attribute {field}. Value: {value}. "
            f"Value should be greater or equal to {minimum} (0 is allowed from microversion "
            f"{versions.ZERO_NODES})."
        )


def quota_limit(req: Any, project_id: str, resource: str = QUOTA_RESOURCE) -> int:
    """The project's hard limit for ``resource``, else the [api] default for it."""
    try:
        return req.db.get_quota(project_id, resource).hard_limit
    except exception.QuotaNotFound:
        return int(getattr(req.conf.api, QUOTA_DEFAULTS[resource]))


def node_limit(req: Any, project_id: str) -> int:
    return quota_limit(req, project_id, NODE_QUOTA_RESOURCE)


def _labels(template_labels: dict | None, labels: dict | None, merge: bool) -> dict[str, Any]:
    base = dict(template_labels or {})
    if labels is None:
        return {"labels": base, "labels_overridden": {}, "labels_added": {}, "labels_skipped": {}}
    final = {**base, **labels} if merge else dict(labels)
    return {
        "labels": final,
        "labels_overridden": {k: v for k, v in labels.items() if k in base and base[k] != v},
        "labels_added": {k: v for k, v in labels.items() if k not in base},
        "labels_skipped": {} if merge else {k: v for k, v in base.items() if k not in labels},
    }


def create(req: Any, body: dict[str, Any], what: str = "cluster") -> models.Cluster:
    """Validates a create body, writes the cluster and its nodegroups, casts cluster_create."""
    common.authorize(req, "cluster:create")
    values = validation.coerce_fields(body, FIELDS, what)
    validation.require(values, "cluster_template_id")
    name = values.get("name") or f"cluster-{uuidlib.uuid4().hex[:8]}"
    validation.check_cluster_name(name)
    master_count = values.get("master_count") or 1
    if master_count % 2 == 0:
        raise exception.InvalidParameterValue(
            err=f"Invalid input for field/attribute master_count. Value: {master_count}. "
            "master_count must be an odd number (1, 3, 5 ...) so the managers keep a quorum."
        )
    node_count = values.get("node_count")
    node_count = 1 if node_count is None else node_count
    _check_node_count(req, node_count)
    timeout = values.get("create_timeout")
    timeout = DEFAULT_CREATE_TIMEOUT if timeout is None else timeout
    template = common.get_template(req, values["cluster_template_id"])
    labels = _labels(template.labels, values.get("labels"), bool(values.get("merge_labels")))

    def inherit(key: str, template_key: str | None = None) -> Any:
        value = values.get(key)
        return getattr(template, template_key or key) if value is None else value

    project_id = req.context.project_id
    now = models.utcnow()
    row = {
        "uuid": str(uuidlib.uuid4()),
        "name": name,
        "project_id": project_id,
        "user_id": req.context.user_id,
        "cluster_template_id": template.uuid,
        "keypair": inherit("keypair", "keypair_id"),
        "docker_volume_size": inherit("docker_volume_size"),
        "master_flavor_id": inherit("master_flavor_id"),
        "flavor_id": inherit("flavor_id"),
        "fixed_network": inherit("fixed_network"),
        "fixed_subnet": inherit("fixed_subnet"),
        "floating_ip_enabled": inherit("floating_ip_enabled"),
        "master_lb_enabled": inherit("master_lb_enabled"),
        "discovery_url": values.get("discovery_url"),
        "master_count": master_count,
        "node_count": node_count,
        "create_timeout": timeout,
        "status": "CREATE_IN_PROGRESS",
        "status_reason": None,
        "health_status": "UNKNOWN",
        "deadline": now + datetime.timedelta(minutes=timeout) if timeout else None,
        **labels,
    }
    common_ng = {
        "project_id": project_id,
        "image_id": template.image_id,
        "docker_volume_size": row["docker_volume_size"],
        "labels": row["labels"],
        "is_default": True,
        "status": "CREATE_IN_PROGRESS",
        "min_node_count": 0,
    }
    nodegroups = [
        {**common_ng, "name": "default-master", "role": "master", "node_count": master_count,
         "flavor_id": row["master_flavor_id"], "min_node_count": 1},
        {**common_ng, "name": "default-worker", "role": "worker", "node_count": node_count,
         "flavor_id": row["flavor_id"]},
    ]  # fmt: skip
    cluster = req.db.create_cluster(
        row,
        nodegroups=nodegroups,
        max_clusters=quota_limit(req, project_id),
        max_nodes=node_limit(req, project_id),
    )
    try:
        req.rpc.cluster_create(req.context, cluster_uuid=cluster.uuid, create_timeout=timeout)
    except Exception as exc:
        # The conductor will never hear of it: say so on the row instead of leaving it
        # CREATE_IN_PROGRESS, then answer with the error (503 for the message queue).
        with contextlib.suppress(exception.MagnumLiteException):
            req.db.update_cluster(
                cluster.uuid,
                {
                    "status": "CREATE_FAILED",
                    "status_reason": f"could not reach the conductor: {exc}",
                },
                expected_status="CREATE_IN_PROGRESS",
            )
        raise
    return cluster


def faults_for(req: Any, rows: list[Any]) -> dict[str, dict[str, str]]:
    """{cluster uuid: {nodegroup name: reason}} for failed clusters, in one query."""
    failed = [r.uuid for r in rows if (r.status or "").endswith("_FAILED")]
    out: dict[str, dict[str, str]] = {u: {} for u in failed}
    if failed:
        for ng in req.db.list_nodegroups_for_clusters(failed):
            if (ng.status or "").endswith("_FAILED"):
                out[ng.cluster_id][ng.name] = ng.status_reason or ""
    return out


def list_rows(req: Any) -> tuple[list[Any], pagination.Page]:
    page = pagination.parse(req.GET, req.conf.api.max_limit, SORT_KEYS)
    filters: dict[str, Any] = {}
    if common.bool_param(req, "all_tenants") or common.bool_param(req, "all_projects"):
        common.authorize(req, "cluster:get_all_all_projects")
    elif not req.context.is_admin:
        # Members see their own project; admins see every project (as in Magnum).
        filters["project_id"] = req.context.project_id
    rows = req.db.list_clusters(
        filters,
        limit=page.limit,
        marker=page.marker,
        sort_key=page.sort_key,
        sort_dir=page.sort_dir,
    )
    return rows, page


def _list(req: Any, detail: bool) -> Result:
    common.authorize(req, "cluster:get_all")
    rows, page = list_rows(req)
    faults = faults_for(req, rows) if detail else {}
    base = req.base_url
    items = [views.cluster(r, base, req.version, detail, faults.get(r.uuid)) for r in rows]
    path = "/v1/clusters" + ("/detail" if detail else "")
    return Result(
        200, pagination.collection("clusters", items, pagination.next_link(base, path, page, rows))
    )


def get_all(req: Any) -> Result:
    return _list(req, False)


def detail(req: Any) -> Result:
    return _list(req, True)


def get_one(req: Any, ident: str) -> Result:
    row = common.get_cluster(req, ident)
    common.authorize(req, "cluster:get", row.project_id)
    faults = faults_for(req, [row]).get(row.uuid)
    return Result(200, views.cluster(row, req.base_url, req.version, True, faults))


def post(req: Any) -> Result:
    body = validation.check_body(req.json(), "cluster")
    cluster = create(req, body)
    return Result(202, {"uuid": cluster.uuid})


def check_update_allowed(row: Any, resize: bool = False) -> None:
    status = row.status or ""
    allowed = status.endswith("_COMPLETE") or (
        resize and status in ("UPDATE_FAILED", "UPDATE_IN_PROGRESS")
    )
    if not allowed:
        op = "Resizing" if resize else "Updating"
        raise exception.NotSupported(operation=f'{op} a cluster when status is "{status}"')


def _default_worker(req: Any, cluster_uuid: str) -> Any:
    workers = [ng for ng in req.db.list_nodegroups(cluster_uuid, role="worker") if ng.is_default]
    if not workers:
        raise exception.NodeGroupNotFound(nodegroup=f"default-worker of {cluster_uuid}")
    return workers[0]


def update(
    req: Any,
    row: Any,
    ops_body: Any,
    rollback: bool,
    fields: dict | None = None,
    min_nodes: int = 0,
) -> Any:
    """Applies a JSON-Patch (node_count only), writes UPDATE_IN_PROGRESS and casts."""
    common.authorize(req, "cluster:update", row.project_id)
    known = set(fields or FIELDS) | {"status", "stack_id", "api_address", "cluster_id"}
    ops = patch.validate(ops_body, known, mandatory=("cluster_template_id", "baymodel_id"))
    current = {"node_count": row.node_count}
    touched = {op["path"][1:].split("/", 1)[0] for op in ops}
    not_allowed = sorted(touched - UPDATABLE)
    if not_allowed:
        raise exception.InvalidParameterValue(
            err=f"Updating {', '.join(not_allowed)} is not supported: only node_count can be "
            "changed after creation (use the resize action for nodegroups)."
        )
    updated = patch.apply(current, ops)
    node_count = Field("int", minimum=0, nullable=False).coerce("node_count", updated["node_count"])
    _check_node_count(req, node_count)
    if node_count < min_nodes:
        raise exception.InvalidParameterValue(
            err=f"Invalid input for field/attribute node_count. Value: {node_count}. "
            f"Value should be greater or equal to {min_nodes}."
        )
    check_update_allowed(row)
    worker = _default_worker(req, row.uuid)
    new = req.db.update_cluster(
        row.uuid,
        {"node_count": node_count, "status": "UPDATE_IN_PROGRESS", "status_reason": None},
        expected_status=row.status,
        nodegroups={worker.uuid: {"node_count": node_count, "status": "UPDATE_IN_PROGRESS"}},
        max_nodes=node_limit(req, row.project_id),
    )
    req.rpc.cluster_update(req.context, cluster_uuid=row.uuid, rollback=rollback)
    return new


def rollback_param(req: Any) -> bool:
    rollback = common.bool_param(req, "rollback")
    if rollback and not req.at_least(versions.ROLLBACK):
        raise exception.InvalidParameterValue(
            err=f"rollback needs microversion {versions.ROLLBACK} or later."
        )
    return rollback


def patch_one(req: Any, ident: str) -> Result:
    row = common.get_cluster(req, ident)
    update(req, row, req.json(), rollback_param(req))
    return Result(202, {"uuid": row.uuid})


def delete_row(req: Any, row: Any) -> None:
    common.authorize(req, "cluster:delete", row.project_id)
    req.db.update_cluster(row.uuid, {"status": "DELETE_IN_PROGRESS", "status_reason": None})
    req.rpc.cluster_delete(req.context, cluster_uuid=row.uuid)


def delete(req: Any, ident: str) -> Result:
    delete_row(req, common.get_cluster(req, ident))
    return Result(204)


def resize(req: Any, ident: str) -> Result:
    row = common.get_cluster(req, ident)
    common.authorize(req, "cluster:update", row.project_id)
    body = validation.check_body(req.json(), "resize")
    values = validation.coerce_fields(body, RESIZE_FIELDS, "resize")
    validation.require(values, "node_count")
    node_count = values["node_count"]
    if values.get("nodegroup"):
        nodegroup = common.get_nodegroup(req, row.uuid, values["nodegroup"])
    else:
        nodegroup = _default_worker(req, row.uuid)
    if nodegroup.role == "master":
        raise exception.NotSupported(operation="Resizing a nodegroup with role master")
    _check_node_count(req, node_count)
    low, high = nodegroup.min_node_count or 0, nodegroup.max_node_count
    if node_count < low or (high is not None and node_count > high):
        raise exception.InvalidParameterValue(
            err=f"Resizing nodegroup {nodegroup.name} to {node_count} nodes is out of its range "
            f"[{low}, {'unlimited' if high is None else high}]."
        )
    nodes_to_remove = [str(n) for n in values.get("nodes_to_remove") or []]
    check_update_allowed(row, resize=True)
    workers = req.db.list_nodegroups(row.uuid, role="worker")
    total = sum(ng.node_count or 0 for ng in workers if ng.uuid != nodegroup.uuid) + node_count
    req.db.update_cluster(
        row.uuid,
        {"node_count": total, "status": "UPDATE_IN_PROGRESS", "status_reason": None},
        expected_status=row.status,
        nodegroups={nodegroup.uuid: {"node_count": node_count, "status": "UPDATE_IN_PROGRESS"}},
        max_nodes=node_limit(req, row.project_id),
    )
    req.rpc.cluster_resize(
        req.context,
        cluster_uuid=row.uuid,
        node_count=node_count,
        nodes_to_remove=nodes_to_remove,
        nodegroup_uuid=nodegroup.uuid,
    )
    return Result(202, {"uuid": row.uuid})


def upgrade(req: Any, ident: str) -> Result:
    row = common.get_cluster(req, ident)
    common.authorize(req, "cluster:update", row.project_id)
    body = validation.check_body(req.json(), "upgrade")
    values = validation.coerce_fields(body, UPGRADE_FIELDS, "upgrade")
    validation.require(values, "cluster_template")
    common.get_template(req, values["cluster_template"])
    check_update_allowed(row)
    raise exception.NotSupported(
        operation="Upgrading a cluster (the swarm-mode driver has no in-place upgrade; "
        "create a new cluster from the new template)"
    )


def register(app: Any) -> None:
    app.add("GET", "/v1/clusters", get_all)
    app.add("GET", "/v1/clusters/detail", detail)
    app.add("GET", "/v1/clusters/{ident}", get_one)
    app.add("POST", "/v1/clusters", post)
    app.add("PATCH", "/v1/clusters/{ident}", patch_one)
    app.add("DELETE", "/v1/clusters/{ident}", delete)
    app.add("POST", "/v1/clusters/{ident}/actions/resize", resize, min_version=versions.RESIZE)
    app.add("POST", "/v1/clusters/{ident}/actions/upgrade", upgrade, min_version=versions.UPGRADE)
