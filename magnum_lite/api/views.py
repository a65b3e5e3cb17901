"""How rows look in responses, per resource and microversion."""

from __future__ import annotations

import datetime
from typing import Any

from magnum_lite.api import versions

TEMPLATE_FIELDS = (
    "uuid", "name", "coe", "image_id", "cluster_distro", "server_type", "driver", "flavor_id",
    "master_flavor_id", "keypair_id", "external_network_id", "fixed_network", "fixed_subnet",
    "network_driver", "volume_driver", "docker_storage_driver", "docker_volume_size",
    "dns_nameserver", "apiserver_port", "http_proxy", "https_proxy", "no_proxy",
    "insecure_registry", "labels", "tags", "tls_disabled", "public", "hidden",
    "registry_enabled", "master_lb_enabled", "floating_ip_enabled", "project_id", "user_id",
    "created_at", "updated_at",
)  # fmt: skip
TEMPLATE_SUMMARY = ("uuid", "name", "tags")

CLUSTER_FIELDS = (
    "uuid", "name", "cluster_template_id", "keypair", "docker_volume_size", "labels",
    "labels_overridden", "labels_added", "labels_skipped", "master_flavor_id", "flavor_id",
    "create_timeout", "node_count", "master_count", "discovery_url", "status",
    "status_reason", "health_status", "health_status_reason", "api_address",
    "node_addresses", "master_addresses", "coe_version", "container_version",
    "fixed_network", "fixed_subnet", "floating_ip_enabled", "master_lb_enabled",
    "project_id", "user_id", "created_at", "updated_at",
)  # fmt: skip
CLUSTER_SUMMARY = (
    "uuid", "name", "cluster_template_id", "keypair", "docker_volume_size", "labels",
    "master_flavor_id", "flavor_id", "create_timeout", "node_count", "status", "master_count",
    "health_status",
)  # fmt: skip

NODEGROUP_FIELDS = (
    "uuid", "name", "cluster_id", "project_id", "docker_volume_size", "labels", "flavor_id",
    "image_id", "node_addresses", "node_count", "role", "max_node_count", "min_node_count",
    "is_default", "stack_id", "status", "status_reason", "version", "created_at", "updated_at",
)  # fmt: skip
NODEGROUP_SUMMARY = (
    "uuid", "name", "flavor_id", "image_id", "node_count", "role", "is_default", "status",
    "min_node_count", "max_node_count",
)  # fmt: skip


def iso(value: datetime.datetime | None) -> str | None:
    return None if value is None else value.isoformat() + "+00:00"


def links(base: str, collection: str, ident: str) -> list[dict[str, str]]:
    return [
        {"href": f"{base}/v1/{collection}/{ident}", "rel": "self"},
        {"href": f"{base}/{collection}/{ident}", "rel": "bookmark"},
    ]


def _pick(row: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    out = {}
    for name in fields:
        value = getattr(row, name)
        if isinstance(value, datetime.datetime):
            value = iso(value)
        out[name] = value
    return out


def template(
    row: Any, base: str, detail: bool = True, collection: str = "clustertemplates"
) -> dict:
    out = _pick(row, TEMPLATE_FIELDS if detail else TEMPLATE_SUMMARY)
    out["links"] = links(base, collection, row.uuid)
    return out


def cluster(
    row: Any,
    base: str,
    version: versions.Version,
    detail: bool = True,
    faults: dict[str, str] | None = None,
) -> dict:
    out = _pick(row, CLUSTER_FIELDS if detail else CLUSTER_SUMMARY)
    if version >= versions.CLUSTER_ID:
        out["cluster_id"] = row.stack_id
    else:
        out["stack_id"] = row.stack_id
    if detail and (row.status or "").endswith("_FAILED"):
        out["faults"] = faults or {}
    out["links"] = links(base, "clusters", row.uuid)
    return out


def bay(row: Any, base: str, detail: bool = True, faults: dict[str, str] | None = None) -> dict:
    out = cluster(row, base, versions.ZERO_NODES, detail, None)
    out["baymodel_id"] = out.pop("cluster_template_id")
    if "create_timeout" in out:
        out["bay_create_timeout"] = out.pop("create_timeout")
    out.pop("faults", None)
    if detail and (row.status or "").endswith("_FAILED"):
        out["bay_faults"] = faults or {}
    out["links"] = links(base, "bays", row.uuid)
    return out


def nodegroup(row: Any, base: str, version: versions.Version, detail: bool = True) -> dict:
    out = _pick(row, NODEGROUP_FIELDS if detail else NODEGROUP_SUMMARY)
    if detail:
        out["merge_labels"] = False
        out["labels_overridden"] = {}
        out["labels_added"] = {}
        out["labels_skipped"] = {}
        if version >= versions.NODE_LABELS:
            out["node_labels"] = row.node_labels or {}
            out["node_taints"] = row.node_taints or []
    out["links"] = links(base, f"clusters/{row.cluster_id}/nodegroups", row.uuid)
    return out


def quota(row: Any) -> dict:
    return {
        "id": row.id,
        "project_id": row.project_id,
        "resource": row.resource,
        "hard_limit": row.hard_limit,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.updated_at),
    }
