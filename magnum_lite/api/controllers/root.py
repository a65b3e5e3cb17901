"""``/`` and ``/v1``: the version documents."""

from __future__ import annotations

from typing import Any

from magnum_lite.api import versions
from magnum_lite.api.app import Result

RESOURCES = (
    "clustertemplates", "clusters", "quotas", "certificates", "mservices", "stats",
    "federations", "nodegroups", "baymodels", "bays",
)  # fmt: skip


def root(req: Any) -> Result:
    base = req.base_url
    return Result(
        200,
        {
            "name": "OpenStack Magnum API",
            "description": "Magnum is an OpenStack project which aims to provide container "
            "cluster management (this is stackdock's magnum_lite).",
            "versions": [
                {
                    "id": "v1",
                    "status": "CURRENT",
                    "min_version": str(versions.MIN_VERSION),
                    "max_version": str(versions.MAX_VERSION),
                    "links": [{"href": f"{base}/v1/", "rel": "self"}],
                }
            ],
            "default_version": {
                "id": "v1",
                "status": "CURRENT",
                "min_version": str(versions.MIN_VERSION),
                "max_version": str(versions.MAX_VERSION),
                "links": [{"href": f"{base}/v1/", "rel": "self"}],
            },
        },
    )


def v1(req: Any) -> Result:
    base = req.base_url
    doc: dict[str, Any] = {
        "id": "v1",
        "media_types": [
            {"base": "application/json", "type": "application/vnd.openstack.magnum.v1+json"}
        ],
        "links": [
            {"href": f"{base}/v1/", "rel": "self"},
            {
                "href": "https://docs.openstack.org/magnum/latest/",
                "rel": "describedby",
                "type": "text/html",
            },
        ],
    }
    for name in RESOURCES:
        if name in ("bays", "baymodels") and req.version >= versions.NO_BAYS:
            continue
        doc[name] = [
            {"href": f"{base}/v1/{name}/", "rel": "self"},
            {"href": f"{base}/{name}/", "rel": "bookmark"},
        ]
    return Result(200, doc)


def register(app: Any) -> None:
    app.add("GET", "/", root)
    app.add("GET", "/v1", v1)
