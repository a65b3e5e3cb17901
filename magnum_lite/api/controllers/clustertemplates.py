"""``/v1/clustertemplates`` (and ``/v1/baymodels`` up to 1.10, same handlers)."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from magnum_lite.api import pagination, patch, validation, versions, views
from magnum_lite.api.app import Result
from magnum_lite.api.controllers import common
from magnum_lite.api.validation import BOOL, DICT, STR, Field
from magnum_lite.common import exception

FIELDS: dict[str, Field] = {
    "name": STR,
    "coe": STR,
    "image_id": STR,
    "cluster_distro": STR,
    "server_type": STR,
    "driver": STR,
    "flavor_id": STR,
    "master_flavor_id": STR,
    "keypair_id": STR,
    "external_network_id": STR,
    "fixed_network": STR,
    "fixed_subnet": STR,
    "network_driver": STR,
    "volume_driver": STR,
    "docker_storage_driver": STR,
    "docker_volume_size": Field("int", minimum=1),
    "dns_nameserver": STR,
    "apiserver_port": Field("int", minimum=1024, maximum=65535),
    "http_proxy": STR,
    "https_proxy": STR,
    "no_proxy": STR,
    "insecure_registry": STR,
    "labels": DICT,
    "tags": STR,
    "tls_disabled": BOOL,
    "public": BOOL,
    "hidden": BOOL,
    "registry_enabled": BOOL,
    "master_lb_enabled": BOOL,
    "floating_ip_enabled": BOOL,
}
DEFAULTS = {
    "tls_disabled": False,
    "public": False,
    "hidden": False,
    "registry_enabled": False,
    "master_lb_enabled": False,
    "floating_ip_enabled": True,
    "network_driver": "flannel",
    "server_type": "vm",
}
#: The COE always accepted, even before a driver is installed.
BUILTIN_COES = ("swarm-mode",)
#: Attributes a template in use by clusters may still change.
IN_USE_UPDATABLE = frozenset({"name", "public", "hidden", "tags"})
SORT_KEYS = ("id", "uuid", "name", "coe", "created_at", "updated_at", "image_id")


def _provides() -> list[dict[str, str]]:
    try:
        from magnum_lite.drivers import base

        return base.list_provides()
    except Exception:  # noqa: BLE001 - a broken driver must not break template listing
        return []


def _image_distro(image_id: str) -> str | None:
    """os_distro of the image in the local catalog, when it is there (Glance not needed)."""
    try:
        from nova_docker.image import api as image_api

        meta = image_api.LocalImageService().show(image_id)
    except Exception:  # noqa: BLE001 - unknown images are accepted as they are
        return None
    props = meta.get("properties") or {}
    return props.get("os_distro") or meta.get("os_distro")


def _check_coe(values: dict[str, Any]) -> None:
    """coe must be served by an installed driver; pick the driver for (server_type, coe)."""
    coe = values.get("coe")
    provides = _provides()
    known = sorted({p.get("coe") for p in provides if p.get("coe")} | set(BUILTIN_COES))
    if coe not in known:
        raise exception.InvalidParameterValue(
            err=f"Invalid input for field/attribute coe. Value: '{coe}'. "
            f"Supported COEs: {', '.join(known)}."
        )
    names = sorted({p.get("driver") for p in provides if p.get("driver")})
    if values.get("driver") and names and values["driver"] not in names:
        raise exception.InvalidParameterValue(
            err=f"Invalid input for field/attribute driver. Value: '{values['driver']}'. "
            f"Installed drivers: {', '.join(names)}."
        )
    same_coe = [p for p in provides if p.get("coe") == coe]
    exact = [p for p in same_coe if p.get("server_type") == values.get("server_type")]
    if same_coe and not exact and not values.get("driver"):
        # Clients send server_type 'vm' by default; route such templates to the driver
        # that serves this COE (e.g. swarm-mode on server_type 'container').
        values["driver"] = same_coe[0].get("driver")
    if not values.get("cluster_distro"):
        chosen = (exact or same_coe or [{}])[0]
        values["cluster_distro"] = chosen.get("os")


def _validate(req: Any, values: dict[str, Any]) -> dict[str, Any]:
    validation.require(values, "coe", "image_id")
    validation.check_ip("dns_nameserver", values.get("dns_nameserver"))
    if values.get("public") or values.get("hidden"):
        common.authorize(req, "clustertemplate:publish")
    _check_coe(values)
    return values


def _collection(req: Any) -> str:
    return "baymodels" if req.path_info.startswith("/v1/baymodels") else "clustertemplates"


def _list(req: Any, detail: bool) -> Result:
    common.authorize(req, "clustertemplate:get_all")
    page = pagination.parse(req.GET, req.conf.api.max_limit, SORT_KEYS)
    filters: dict[str, Any] = {}
    if not req.context.is_admin:
        filters["hidden"] = False
    rows = req.db.list_cluster_templates(
        filters,
        limit=page.limit,
        marker=page.marker,
        sort_key=page.sort_key,
        sort_dir=page.sort_dir,
        visible_to_project=common.project_scope(req),
    )
    key = _collection(req)
    items = [views.template(r, req.base_url, detail, key) for r in rows]
    path = f"/v1/{key}" + ("/detail" if detail else "")
    return Result(
        200, pagination.collection(key, items, pagination.next_link(req.base_url, path, page, rows))
    )


def get_all(req: Any) -> Result:
    return _list(req, detail=False)


def detail(req: Any) -> Result:
    return _list(req, detail=True)


def get_one(req: Any, ident: str) -> Result:
    row = common.get_template(req, ident)
    if not row.public:
        common.authorize(req, "clustertemplate:get", row.project_id)
    return Result(200, views.template(row, req.base_url, True, _collection(req)))


def post(req: Any) -> Result:
    common.authorize(req, "clustertemplate:create")
    body = validation.check_body(req.json(), "cluster template")
    what = "baymodel" if _collection(req) == "baymodels" else "cluster_template"
    values = validation.coerce_fields(body, FIELDS, what)
    values = {k: v for k, v in values.items() if v is not None or k not in DEFAULTS}
    for key, default in DEFAULTS.items():
        if values.get(key) is None:
            values[key] = default
    if not values.get("name"):
        values["name"] = f"clustertemplate-{uuidlib.uuid4().hex[:8]}"
    if values.get("image_id") and not values.get("cluster_distro"):
        distro = _image_distro(values["image_id"])
        if distro:
            values["cluster_distro"] = distro
    _validate(req, values)
    values.update(project_id=req.context.project_id, user_id=req.context.user_id)
    row = req.db.create_cluster_template(values)
    key = _collection(req)
    return Result(
        201,
        views.template(row, req.base_url, True, key),
        {"Location": f"{req.base_url}/v1/{key}/{row.uuid}"},
    )


def patch_one(req: Any, ident: str) -> Result:
    row = common.get_template(req, ident)
    common.authorize(req, "clustertemplate:update", row.project_id)
    ops = patch.validate(req.json(), FIELDS, mandatory=("coe", "image_id"))
    current = {name: getattr(row, name) for name in FIELDS}
    updated = patch.apply(current, ops)
    changed = {k: v for k, v in updated.items() if k in FIELDS and v != current.get(k)}
    if not changed:
        return Result(200, views.template(row, req.base_url, True, _collection(req)))
    if set(changed) - IN_USE_UPDATABLE and req.db.list_clusters(
        {"cluster_template_id": row.uuid}, limit=1
    ):
        raise exception.ClusterTemplateReferenced(clustertemplate=row.uuid)
    values = validation.coerce_fields(changed, FIELDS, "cluster_template")
    for key, default in DEFAULTS.items():
        if key in values and values[key] is None:
            values[key] = default
    merged = {**current, **values}
    if {"public", "hidden"} & set(values) and (merged["public"] or merged["hidden"]):
        common.authorize(req, "clustertemplate:publish")
    validation.require(merged, "coe", "image_id")
    validation.check_ip("dns_nameserver", merged.get("dns_nameserver"))
    if "coe" in values or "server_type" in values:
        _check_coe(merged)
        values.update(driver=merged.get("driver"), cluster_distro=merged.get("cluster_distro"))
    row = req.db.update_cluster_template(row.uuid, values)
    return Result(200, views.template(row, req.base_url, True, _collection(req)))


def delete(req: Any, ident: str) -> Result:
    row = common.get_template(req, ident)
    common.authorize(req, "clustertemplate:delete", row.project_id)
    req.db.destroy_cluster_template(row.uuid)
    return Result(204)


def register(app: Any) -> None:
    for name, max_version in (("clustertemplates", None), ("baymodels", versions.ZERO_NODES)):
        base = f"/v1/{name}"
        app.add("GET", base, get_all, max_version=max_version)
        app.add("GET", f"{base}/detail", detail, max_version=max_version)
        app.add("GET", f"{base}/{{ident}}", get_one, max_version=max_version)
        app.add("POST", base, post, max_version=max_version)
        app.add("PATCH", f"{base}/{{ident}}", patch_one, max_version=max_version)
        app.add("DELETE", f"{base}/{{ident}}", delete, max_version=max_version)
