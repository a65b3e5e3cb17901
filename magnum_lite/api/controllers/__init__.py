"""The API's controllers; ``register_all`` adds every route to the application."""

from __future__ import annotations

from typing import Any


def register_all(app: Any) -> None:
    from magnum_lite.api.controllers import (
        bays,
        certificates,
        clusters,
        clustertemplates,
        misc,
        nodegroups,
        root,
    )

    for module in (root, clustertemplates, clusters, bays, nodegroups, certificates, misc):
        module.register(app)
