"""Container state as Nova sees it: power states, InstanceInfo, and the reconcile report."""

from __future__ import annotations

from typing import Any

from nova_docker.virt import hardware, power_state
from nova_docker.virt.docker import client


def power_state_of(state: dict[str, Any] | str | None, suspended: bool = False) -> int:
    """Map an engine State (inspect) or list Status string to a Nova power state."""
    if isinstance(state, dict):
        if state.get("Paused"):
            return power_state.SUSPENDED if suspended else power_state.PAUSED
        if state.get("Restarting"):
            return power_state.RUNNING
        if state.get("Running"):
            return power_state.RUNNING
        if state.get("Dead") or state.get("OOMKilled"):
            return power_state.CRASHED
        status = state.get("Status")
    else:
        status = state
    return {
        "running": power_state.RUNNING,
        "restarting": power_state.RUNNING,
        "paused": power_state.SUSPENDED if suspended else power_state.PAUSED,
        "created": power_state.SHUTDOWN,
        "exited": power_state.SHUTDOWN,
        "removing": power_state.SHUTDOWN,
        "dead": power_state.CRASHED,
    }.get(str(status or "").lower(), power_state.NOSTATE)


def instance_info(
    attrs: dict[str, Any], stats: dict[str, Any] | None, suspended: bool = False
) -> hardware.InstanceInfo:
    """InstanceInfo from an inspect result and an optional one-shot stats sample."""
    host_config = attrs.get("HostConfig") or {}
    max_mem = int(host_config.get("Memory") or 0) // 1024
    nano = int(host_config.get("NanoCpus") or 0)
    shares = int(host_config.get("CpuShares") or 0)
    num_cpu = nano // 1_000_000_000 if nano else (shares // 1024 if shares else 0)
    mem_kb = cpu_ns = 0
    if stats:
        memory = stats.get("memory_stats") or {}
        usage = int(memory.get("usage") or 0)
        # Page cache is not the guest's memory; the engine's CLI subtracts it the same way.
        cache = int((memory.get("stats") or {}).get("cache") or 0)
        mem_kb = max(usage - cache, 0) // 1024
        cpu_usage = (stats.get("cpu_stats") or {}).get("cpu_usage") or {}
        cpu_ns = int(cpu_usage.get("total_usage") or 0)
        if not max_mem:
            max_mem = int(memory.get("limit") or 0) // 1024
    return hardware.InstanceInfo(
        state=power_state_of(attrs.get("State"), suspended),
        internal_id=attrs.get("Id"),
        max_mem_kb=max_mem,
        mem_kb=mem_kb,
        num_cpu=num_cpu,
        cpu_time_ns=cpu_ns,
        hypervisor="docker",
    )


def reconcile(
    containers: list[dict[str, Any]], known_uuids: set[str] | None = None
) -> dict[str, Any]:
    """Summarise managed containers (from a list call) against the instances a caller knows.

    ``unknown`` lists containers whose instance the caller does not know (all of them when
    the caller knows none); ``unlabelled`` lists managed containers without an instance uuid.
    """
    instances: dict[str, dict[str, Any]] = {}
    unlabelled = []
    for c in containers:
        labels = c.get("Labels") or {}
        uuid = labels.get(client.LABEL_UUID)
        names = c.get("Names") or []
        name = names[0].lstrip("/") if names else c.get("Id", "")[:12]
        if not uuid:
            unlabelled.append(name)
            continue
        instances[uuid] = {
            "container_id": c.get("Id"),
            "container_name": name,
            "instance_name": labels.get(client.LABEL_NAME),
            "display_name": labels.get(client.LABEL_DISPLAY_NAME),
            "power_state": power_state_of(c.get("State")),
            "status": c.get("Status"),
        }
    unknown = sorted(u for u in instances if known_uuids is None or u not in known_uuids)
    return {"instances": instances, "unknown": unknown, "unlabelled": sorted(unlabelled)}
