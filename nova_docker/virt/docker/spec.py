"""Pure translation of an instance, its image and its VIFs into engine arguments.

Nothing here talks to the engine, so all of it is unit-tested without one.
"""

from __future__ import annotations

import dataclasses
import json
import shlex
from typing import Any

from oslo_config import cfg

from nova_docker import exception
from nova_docker.virt.docker import client, nested

MIB = 1024 * 1024


@dataclasses.dataclass
class Vif:
    """One Nova VIF, reduced to what a Docker network connection needs."""

    id: str
    network: str
    mac: str | None = None
    ipv4: str | None = None
    ipv6: str | None = None


def _get(obj: Any, key: str, default: Any = None) -> Any:
    """Read a key from a dict or a Nova model object (VIF, Network...) alike."""
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(key, default)
    try:
        return obj[key]
    except (KeyError, TypeError, IndexError):
        return getattr(obj, key, default)


def parse_vif(vif: Any) -> Vif:
    """A Nova VIF dict: {"id", "address", "network": {"label", "subnets": [{"ips": [...]}]}}."""
    network = _get(vif, "network") or {}
    label = _get(network, "label") or _get(network, "name")
    if not label or not isinstance(label, str):
        raise exception.Invalid(reason=f"VIF {_get(vif, 'id')!r} names no network label")
    ipv4 = ipv6 = None
    for subnet in _get(network, "subnets") or []:
        for ip in _get(subnet, "ips") or []:
            address = _get(ip, "address")
            if not address:
                continue
            if ":" in str(address):
                ipv6 = ipv6 or str(address)
            else:
                ipv4 = ipv4 or str(address)
    mac = _get(vif, "address") or None
    return Vif(id=str(_get(vif, "id") or ""), network=label, mac=mac, ipv4=ipv4, ipv6=ipv6)


def parse_network_info(network_info: Any) -> list[Vif]:
    vifs = [parse_vif(v) for v in (network_info or [])]
    seen: set[str] = set()
    for vif in vifs:
        if vif.network in seen:
            raise exception.Invalid(
                reason=f"network {vif.network} appears twice; a container joins a Docker "
                "network once"
            )
        seen.add(vif.network)
    return vifs


def flavor_limits(flavor: Any, conf: cfg.ConfigOpts) -> dict[str, Any]:
    """Memory, CPU and pids limits (create_host_config kwargs) from a flavor."""
    limits: dict[str, Any] = {}
    memory_mb = int(getattr(flavor, "memory_mb", 0) or 0)
    if memory_mb > 0:
        limits["mem_limit"] = memory_mb * MIB
        swap_mb = int(getattr(flavor, "swap", 0) or 0)
        # memswap counts memory + swap; equal values mean no swap at all.
        limits["memswap_limit"] = (memory_mb + swap_mb) * MIB
    vcpus = int(getattr(flavor, "vcpus", 0) or 0)
    if vcpus > 0 and conf.docker.cpu_limit == "nano_cpus":
        limits["nano_cpus"] = vcpus * 1_000_000_000
    elif vcpus > 0 and conf.docker.cpu_limit == "shares":
        limits["cpu_shares"] = vcpus * 1024
    extra = getattr(flavor, "extra_specs", None) or {}
    pids = extra.get("stackdock:pids_limit", conf.docker.pids_limit)
    try:
        pids = int(pids)
    except (TypeError, ValueError):
        raise exception.Invalid(reason=f"flavor extra spec stackdock:pids_limit={pids!r}") from None
    if pids > 0:
        limits["pids_limit"] = pids
    return limits


def check_flavor_fits(flavor: Any, host_cpus: int, host_memory_mb: int) -> None:
    vcpus = int(getattr(flavor, "vcpus", 0) or 0)
    memory_mb = int(getattr(flavor, "memory_mb", 0) or 0)
    if host_cpus and vcpus > host_cpus:
        raise exception.FlavorTooLarge(reason=f"{vcpus} vCPUs asked, the host has {host_cpus}")
    if host_memory_mb and memory_mb > host_memory_mb:
        raise exception.FlavorTooLarge(
            reason=f"{memory_mb} MB of memory asked, the host has {host_memory_mb} MB"
        )


def instance_labels(instance: Any, conf: cfg.ConfigOpts) -> dict[str, str]:
    labels = {str(k): str(v) for k, v in (conf.docker.labels or {}).items()}
    for key, value in (getattr(instance, "metadata", None) or {}).items():
        labels[f"{client.LABEL_META_PREFIX}{key}"] = str(value)
    flavor = getattr(instance, "flavor", None)
    for field in ("vcpus", "memory_mb", "root_gb"):
        labels[f"{client.LABEL_FLAVOR_PREFIX}{field}"] = str(int(getattr(flavor, field, 0) or 0))
    labels.update(
        {
            client.LABEL_MANAGED: "true",
            client.LABEL_UUID: str(instance.uuid),
            client.LABEL_NAME: str(instance.name),
            client.LABEL_DISPLAY_NAME: str(getattr(instance, "display_name", "") or ""),
        }
    )
    return labels


def image_ref(image_meta: Any) -> str:
    """The Docker reference an image stands for; only container_format docker is accepted."""
    image_id = getattr(image_meta, "id", "") or getattr(image_meta, "name", "")
    fmt = getattr(image_meta, "container_format", None)
    if fmt != "docker":
        raise exception.ImageUnacceptable(
            image_id=image_id,
            reason=f"container_format is {fmt!r}; the Docker driver boots only 'docker' images",
        )
    props = getattr(image_meta, "properties", None)
    ref = _prop(props, "docker_image") or getattr(image_meta, "name", None)
    if not ref:
        raise exception.ImageUnacceptable(
            image_id=image_id, reason="it names no Docker image (property docker_image or name)"
        )
    return str(ref)


def _prop(props: Any, name: str) -> Any:
    if props is None:
        return None
    if isinstance(props, dict):
        return props.get(name)
    getter = getattr(props, "get", None)
    if callable(getter):
        try:
            return getter(name)
        except (AttributeError, KeyError, TypeError, ValueError):
            pass
    return getattr(props, name, None)


def parse_ports(value: Any, image_id: str = "") -> list[str]:
    """'2376/tcp,80' -> ['2376/tcp', '80/tcp']."""
    if not value:
        return []
    ports = []
    for item in str(value).split(","):
        item = item.strip()
        if not item:
            continue
        port, _, proto = item.partition("/")
        proto = proto or "tcp"
        if not port.isdigit() or not 0 < int(port) < 65536 or proto not in ("tcp", "udp", "sctp"):
            raise exception.ImageUnacceptable(
                image_id=image_id,
                reason=f"stackdock_publish_ports entry {item!r} is not PORT/PROTO",
            )
        ports.append(f"{int(port)}/{proto}")
    return ports


def parse_env(value: Any, image_id: str = "") -> dict[str, str]:
    if not value:
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise exception.ImageUnacceptable(
                image_id=image_id, reason=f"stackdock_env is not JSON: {exc}"
            ) from exc
    if not isinstance(value, dict):
        raise exception.ImageUnacceptable(
            image_id=image_id, reason="stackdock_env must be a JSON object"
        )
    return {str(k): "" if v is None else str(v) for k, v in value.items()}


@dataclasses.dataclass
class ContainerSpec:
    """Everything spawn hands to the engine."""

    name: str
    image: str
    labels: dict[str, str]
    command: list[str] | None
    environment: dict[str, str]
    ports: list[str]
    host_config: dict[str, Any]
    first_vif: Vif | None
    other_vifs: list[Vif]
    hostname: str | None


def build(instance: Any, image_meta: Any, network_info: Any, conf: cfg.ConfigOpts) -> ContainerSpec:
    """Translate Nova's spawn arguments into a ContainerSpec (raises on bad input)."""
    ref = image_ref(image_meta)
    image_id = str(getattr(image_meta, "id", "") or ref)
    props = getattr(image_meta, "properties", None)
    command_line = _prop(props, "os_command_line")
    command = shlex.split(command_line) if command_line else None
    ports = parse_ports(_prop(props, "stackdock_publish_ports"), image_id)
    environment = parse_env(_prop(props, "stackdock_env"), image_id)
    vifs = parse_network_info(network_info)

    host_config: dict[str, Any] = flavor_limits(instance.flavor, conf)
    if nested.wanted(_prop(props, nested.PROPERTY) or False):
        host_config.update(nested.host_config_args())
    if nested.wanted(_prop(props, "stackdock_privileged") or False):
        if not conf.docker.privileged:
            raise exception.ImageUnacceptable(
                image_id=image_id,
                reason="it asks for a privileged container and [docker] privileged is False",
            )
        host_config["privileged"] = True
    if ports:
        host_config["port_bindings"] = {p: (conf.docker.publish_host, None) for p in ports}
    if vifs:
        host_config["network_mode"] = vifs[0].network
    elif conf.docker.default_network:
        host_config["network_mode"] = conf.docker.default_network

    hostname = getattr(instance, "hostname", "") or None
    if hostname:
        hostname = hostname[:63]
    return ContainerSpec(
        name=client.container_name(instance.uuid),
        image=ref,
        labels=instance_labels(instance, conf),
        command=command,
        environment=environment,
        ports=ports,
        host_config=host_config,
        first_vif=vifs[0] if vifs else None,
        other_vifs=vifs[1:],
        hostname=hostname,
    )
