"""Docker networks: stackdock-managed bridge networks and instance connections (VIFs)."""

from __future__ import annotations

from typing import Any

import docker.errors
import docker.types
from oslo_config import cfg
from oslo_log import log as logging

from nova_docker import exception
from nova_docker.virt.docker import client
from nova_docker.virt.docker.spec import Vif

LOG = logging.getLogger(__name__)


def find(api: Any, name: str) -> dict[str, Any] | None:
    """The network called exactly name (the engine's name filter matches substrings)."""
    for net in api.networks(names=[name]):
        if net.get("Name") == name:
            return net
    return None


def summary(net: dict[str, Any]) -> dict[str, Any]:
    ipam = (net.get("IPAM") or {}).get("Config") or []
    return {
        "id": net.get("Id"),
        "name": net.get("Name"),
        "driver": net.get("Driver"),
        "internal": bool(net.get("Internal")),
        "labels": net.get("Labels") or {},
        "subnets": [c.get("Subnet") for c in ipam if c.get("Subnet")],
    }


def ensure(
    api: Any,
    conf: cfg.ConfigOpts,
    name: str,
    labels: dict[str, str] | None = None,
    internal: bool = False,
    subnet: str | None = None,
    gateway: str | None = None,
) -> dict[str, Any]:
    """Create a bridge network unless one of that name exists; idempotent.

    Fixed IPs need a subnet the user configured (the engine refuses them on auto-allocated
    subnets), hence the optional subnet/gateway.
    """
    if not name or not isinstance(name, str):
        raise exception.Invalid(reason="a network needs a name")
    existing = find(api, name)
    if existing is not None:
        return dict(summary(existing), created=False)
    all_labels = {str(k): str(v) for k, v in (conf.docker.labels or {}).items()}
    all_labels.update({str(k): str(v) for k, v in (labels or {}).items()})
    all_labels[client.LABEL_MANAGED] = "true"
    ipam = None
    if subnet:
        pool = docker.types.IPAMPool(subnet=subnet, gateway=gateway)
        ipam = docker.types.IPAMConfig(pool_configs=[pool])
    try:
        api.create_network(
            name,
            driver="bridge",
            internal=internal,
            labels=all_labels,
            ipam=ipam,
            check_duplicate=True,
        )
    except docker.errors.APIError as exc:
        if exc.status_code != 409:
            raise exception.NovaDockerException(
                f"cannot create network {name}: {client.engine_message(exc)}"
            ) from exc
        # Another process created it between our look-up and our create.
    net = find(api, name)
    if net is None:
        raise exception.NetworkNotFound(network_id=name)
    return dict(summary(api.inspect_network(net["Id"])), created=True)


def delete(api: Any, name: str) -> None:
    """Remove a stackdock-created network; a missing one is fine, a foreign one is refused."""
    net = find(api, name)
    if net is None:
        return
    if (net.get("Labels") or {}).get(client.LABEL_MANAGED) != "true":
        raise exception.Invalid(
            reason=f"network {name} was not created by stackdock (no {client.LABEL_MANAGED} "
            "label); refusing to delete it"
        )
    try:
        api.remove_network(net["Id"])
    except docker.errors.NotFound:
        return
    except docker.errors.APIError as exc:
        raise exception.Invalid(
            reason=f"cannot delete network {name}: {client.engine_message(exc)}"
        ) from exc


def _address_kwargs(vif: Vif) -> dict[str, Any]:
    """A VIF's fixed addresses as the engine's endpoint arguments.

    Engines before API 1.44 ignore a per-endpoint MAC address (see doc/nova_docker.md); they
    use the container's.
    """
    kwargs: dict[str, Any] = {}
    if vif.ipv4:
        kwargs["ipv4_address"] = vif.ipv4
    if vif.ipv6:
        kwargs["ipv6_address"] = vif.ipv6
    if vif.mac:
        kwargs["mac_address"] = vif.mac
    return kwargs


def endpoint_config(api: Any, vif: Vif) -> dict[str, Any]:
    return api.create_endpoint_config(**_address_kwargs(vif))


def connect(api: Any, container: str, vif: Vif) -> None:
    """Join a container to a VIF's network, with its fixed addresses."""
    try:
        api.connect_container_to_network(container, vif.network, **_address_kwargs(vif))
    except docker.errors.NotFound as exc:
        message = client.engine_message(exc)
        if "network" in message.lower():
            raise exception.NetworkNotFound(
                f"Network {vif.network} could not be found: {message}", network_id=vif.network
            ) from exc
        raise


def disconnect(api: Any, container: str, network: str) -> bool:
    """Leave a network; False when the container was not on it (or it does not exist)."""
    try:
        api.disconnect_container_from_network(container, network)
    except docker.errors.NotFound:
        return False
    except docker.errors.APIError as exc:
        if "not connected" in client.engine_message(exc).lower():
            return False
        raise
    return True


def addresses(attrs: dict[str, Any]) -> dict[str, Any]:
    """{"networks": {name: {"ip", "mac", "ipv6"}}, "ports": {"2376/tcp": [[ip, port]]}}."""
    settings = attrs.get("NetworkSettings") or {}
    nets = {}
    for name, ep in (settings.get("Networks") or {}).items():
        nets[name] = {
            "ip": ep.get("IPAddress") or None,
            "mac": ep.get("MacAddress") or None,
            "ipv6": ep.get("GlobalIPv6Address") or None,
        }
    ports = {}
    for port, bindings in (settings.get("Ports") or {}).items():
        if bindings:
            ports[port] = [[b.get("HostIp"), b.get("HostPort")] for b in bindings]
    return {"networks": nets, "ports": ports}
