"""Lookups shared by the controllers: by uuid or by name, scoped to the caller's project."""

from __future__ import annotations

import re
from typing import Any

from magnum_lite.common import exception, policy

UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$"
)


def is_uuid(value: str) -> bool:
    return bool(UUID_RE.match(value or ""))


def project_scope(req: Any) -> str | None:
    """None for admins (they see every project), else the caller's project."""
    return None if req.context.is_admin else req.context.project_id


def get_template(req: Any, ident: str) -> Any:
    scope = project_scope(req)
    if is_uuid(ident):
        try:
            return req.db.get_cluster_template_by_uuid(ident, scope)
        except exception.ClusterTemplateNotFound:
            pass
    return req.db.get_cluster_template_by_name(ident, scope)


def get_cluster(req: Any, ident: str) -> Any:
    scope = project_scope(req)
    if is_uuid(ident):
        try:
            return req.db.get_cluster_by_uuid(ident, scope)
        except exception.ClusterNotFound:
            pass
    return req.db.get_cluster_by_name(ident, scope)


def get_nodegroup(req: Any, cluster_uuid: str, ident: str) -> Any:
    if is_uuid(ident):
        try:
            return req.db.get_nodegroup_by_uuid(cluster_uuid, ident)
        except exception.NodeGroupNotFound:
            pass
    return req.db.get_nodegroup_by_name(cluster_uuid, ident)


def authorize(req: Any, action: str, project_id: str | None = None) -> None:
    target = {"project_id": project_id if project_id is not None else req.context.project_id}
    policy.authorize(req.context, action, target, conf=req.conf)


def bool_param(req: Any, name: str) -> bool:
    raw = req.GET.get(name)
    if raw is None:
        return False
    lowered = raw.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no", ""):
        return False
    raise exception.InvalidParameterValue(err=f"Invalid value for {name}: '{raw}' (true or false).")
