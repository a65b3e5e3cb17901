"""Reading a container's live state back: attributes and observed properties."""

from __future__ import annotations

from typing import Any

from heat_plugins.resources.docker import container_schema as cs
from heat_plugins.resources.docker import spec


def published_ports(network_settings: dict) -> tuple[str, str]:
    """Host ports of published tcp and udp ports, comma separated (old plugin's format)."""
    tcp: list[str] = []
    udp: list[str] = []
    for key, bindings in sorted((network_settings.get("Ports") or {}).items()):
        _, _, proto = key.partition("/")
        for binding in bindings or []:
            if binding.get("HostPort"):
                target = tcp if proto == "tcp" else udp if proto == "udp" else None
                if target is not None and binding["HostPort"] not in target:
                    target.append(binding["HostPort"])
    return ",".join(tcp), ",".join(udp)


def _first_network(settings: dict) -> dict:
    networks = settings.get("Networks") or {}
    for net in networks.values():
        return net
    return {}


def container_attribute(name: str, info: dict) -> Any:
    settings = dict(info.get("NetworkSettings") or {})
    tcp, udp = published_ports(settings)
    first = _first_network(settings)
    if name == cs.INFO:
        return info
    if name == cs.NETWORK_INFO:
        settings["TcpPorts"], settings["UdpPorts"] = tcp, udp
        return settings
    if name == cs.NETWORK_IP:
        return settings.get("IPAddress") or first.get("IPAddress")
    if name == cs.NETWORK_GATEWAY:
        return settings.get("Gateway") or first.get("Gateway")
    if name == cs.NETWORK_TCP_PORTS:
        return tcp
    if name == cs.NETWORK_UDP_PORTS:
        return udp
    state = info.get("State") or {}
    if name == cs.HEALTH_STATUS:
        return (state.get("Health") or {}).get("Status", "none")
    if name == cs.CONTAINER_NAME:
        return info.get("Name", "").lstrip("/")
    if name == cs.STATUS:
        return state.get("Status")
    return None


def _same_size(stored: Any, live: int | None) -> bool:
    try:
        return spec.parse_memory(stored) == (live or None)
    except ValueError:
        return False


def container_properties(props: Any, info: dict) -> dict:
    """Live values of the properties that can change in place, in template form.

    Values equal in meaning to the stored ones (same network by name or id, '64m' vs
    67108864) come back as stored, so observing reality does not cause spurious updates.
    """
    host = info.get("HostConfig") or {}
    result: dict[str, Any] = {}
    if props.get(cs.NAME) is not None:
        result[cs.NAME] = info.get("Name", "").lstrip("/")
    policy = host.get("RestartPolicy") or {}
    if props.get(cs.RESTART_POLICY) or policy.get("Name") not in (None, "", "no"):
        result[cs.RESTART_POLICY] = {
            "name": policy.get("Name") or "no",
            "maximum_retry_count": policy.get("MaximumRetryCount") or 0,
        }
    for prop, key in (
        (cs.CPU_SHARES, "CpuShares"),
        (cs.CPU_PERIOD, "CpuPeriod"),
        (cs.CPU_QUOTA, "CpuQuota"),
    ):
        result[prop] = host.get(key) or None
    result[cs.CPUSET_CPUS] = host.get("CpusetCpus") or None
    for prop, key in (
        (cs.MEMORY, "Memory"),
        (cs.MEMORY_RESERVATION, "MemoryReservation"),
    ):
        live = host.get(key) or None
        result[prop] = props.get(prop) if _same_size(props.get(prop), live) else live
    if props.get(cs.MEMORY_SWAP) is not None:
        live = host.get("MemorySwap")
        stored = props.get(cs.MEMORY_SWAP)
        result[cs.MEMORY_SWAP] = stored if _same_size(stored, live) else live
    result[cs.NETWORKS] = _live_networks(props.get(cs.NETWORKS) or [], info)
    return result


def _live_networks(stored: list[dict], info: dict) -> list[dict]:
    live = (info.get("NetworkSettings") or {}).get("Networks") or {}
    ids = {net.get("NetworkID"): name for name, net in live.items()}
    seen = set()
    result = []
    for item in stored:
        ref = item.get("network")
        name = ref if ref in live else ids.get(ref)
        if name is None:
            continue  # disconnected behind Heat's back: the update reconnects it
        seen.add(name)
        result.append(item)
    for name in live:
        if name not in seen and stored:
            result.append({"network": name, "aliases": None, "ipv4_address": None,
                           "ipv6_address": None})  # fmt: skip
    return result
