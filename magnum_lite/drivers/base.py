"""The COE driver interface and driver loading (entry point group ``magnum_lite.drivers``).

A driver converges real resources to what the database says a cluster should be. The
conductor calls its methods synchronously, with a ``deadline`` (a ``time.monotonic()`` value)
that the driver checks between steps; running past it raises ``ClusterTimeout``.
"""

from __future__ import annotations

import abc
import time
from typing import Any

from stevedore import extension

from magnum_lite.common import exception

NAMESPACE = "magnum_lite.drivers"


def timeout(reason: str) -> Exception:
    """The exception a driver raises when a deadline passes."""
    return exception.ClusterTimeout(reason=reason)


def check_deadline(deadline: float | None, step: str) -> None:
    """Raise ClusterTimeout if ``deadline`` has passed before ``step`` starts."""
    if deadline is not None and time.monotonic() >= deadline:
        raise timeout(f"deadline passed before {step}")


class Driver(abc.ABC):
    """Base class of COE drivers.

    ``conductor_ctx`` carries the conductor's collaborators: ``db`` (magnum_lite.db.api),
    ``compute`` (nova_docker ComputeAPI), ``scheduler`` and ``certificates``. Missing ones are
    tolerated here and only fail when a method needs them.
    """

    #: [{"server_type": ..., "os": ..., "coe": ...}] this driver serves.
    provides: list[dict[str, str]] = []

    def __init__(self, conductor_ctx: Any = None) -> None:
        self.ctx = conductor_ctx
        self.db = _attr(conductor_ctx, "db", "dbapi")
        self.compute = _attr(conductor_ctx, "compute", "compute_api", "compute_rpcapi")
        self.scheduler = _attr(conductor_ctx, "scheduler")
        self.certificates = _attr(conductor_ctx, "certificates", "certs", "cert_manager")

    @abc.abstractmethod
    def create_cluster(self, context: Any, cluster: Any, deadline: float) -> None:
        """Build every node of every nodegroup and bring the COE up on them."""

    @abc.abstractmethod
    def update_cluster(
        self, context: Any, cluster: Any, deadline: float, rollback: bool = False
    ) -> None:
        """Converge every nodegroup to its node_count."""

    @abc.abstractmethod
    def resize_cluster(
        self,
        context: Any,
        cluster: Any,
        nodegroup: Any,
        node_count: int,
        nodes_to_remove: list[str],
        deadline: float,
    ) -> None:
        """Set one nodegroup to node_count, removing the named nodes first."""

    @abc.abstractmethod
    def delete_cluster(self, context: Any, cluster: Any, deadline: float) -> None:
        """Remove every node instance, network and secret of the cluster (idempotent)."""

    @abc.abstractmethod
    def create_nodegroup(self, context: Any, cluster: Any, nodegroup: Any, deadline: float) -> None:
        """Build the nodes of a new nodegroup and join them."""

    @abc.abstractmethod
    def update_nodegroup(self, context: Any, cluster: Any, nodegroup: Any, deadline: float) -> None:
        """Converge one nodegroup to its node_count."""

    @abc.abstractmethod
    def delete_nodegroup(self, context: Any, cluster: Any, nodegroup: Any, deadline: float) -> None:
        """Remove the nodes of one nodegroup."""

    def update_cluster_status(self, context: Any, cluster: Any) -> tuple[str, dict]:
        """(health_status, health_status_reason) of a running cluster."""
        return "UNKNOWN", {}

    def rotate_ca_certificate(self, context: Any, cluster: Any, deadline: float) -> None:
        raise exception.NotSupported(operation="Rotating the CA certificate")


def _attr(obj: Any, *names: str) -> Any:
    for name in names:
        value = getattr(obj, name, None)
        if value is not None:
            return value
    return None


def _extensions() -> list[extension.Extension]:
    mgr = extension.ExtensionManager(NAMESPACE, invoke_on_load=False)
    return list(mgr)


def list_provides() -> list[dict[str, str]]:
    """Every (server_type, os, coe) served by an installed driver, with its entry point name."""
    out = []
    for ext in _extensions():
        for p in getattr(ext.plugin, "provides", []):
            out.append(dict(p, driver=ext.name))
    return out


def get_driver_class(server_type: str, os: str | None, coe: str, name: str | None = None) -> type:
    """The driver class for (server_type, os, coe), or the entry point ``name`` if given."""
    exts = _extensions()
    if name:
        for ext in exts:
            if ext.name == name:
                return ext.plugin
    for ext in exts:
        for p in getattr(ext.plugin, "provides", []):
            if (
                p.get("server_type") == server_type
                and p.get("coe") == coe
                and (not os or p.get("os") == os)
            ):
                return ext.plugin
    raise exception.NotSupported(
        operation=f"Cluster type ({server_type}, {os}, {coe})",
    )


def get_driver(
    server_type: str, os: str | None, coe: str, conductor_ctx: Any = None, name: str | None = None
) -> Driver:
    return get_driver_class(server_type, os, coe, name)(conductor_ctx)


def get_driver_for_template(template: Any, conductor_ctx: Any = None) -> Driver:
    """The driver of a cluster template (its ``driver`` field wins, as in Magnum)."""
    return get_driver(
        _field(template, "server_type") or "container",
        _field(template, "cluster_distro"),
        _field(template, "coe"),
        conductor_ctx,
        name=_field(template, "driver"),
    )


def _field(obj: Any, name: str) -> Any:
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)
