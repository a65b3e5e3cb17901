"""What the host offers: resources for Nova's resource tracker and placement inventory."""

from __future__ import annotations

import json
import os
import platform
import shutil
import time
from typing import Any

from oslo_config import cfg

from nova_docker.virt import provider_tree
from nova_docker.virt.docker import client

GIB = 1024**3
MIB = 1024**2


def version_int(version: str) -> int:
    """'20.10.24+dfsg1' -> 20010024, Nova's integer hypervisor_version."""
    parts = []
    for piece in str(version).split(".")[:3]:
        digits = ""
        for ch in piece:
            if not ch.isdigit():
                break
            digits += ch
        parts.append(int(digits or 0))
    while len(parts) < 3:
        parts.append(0)
    return parts[0] * 1_000_000 + parts[1] * 1_000 + parts[2]


def _cpu_model() -> tuple[str, str]:
    model = vendor = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "model name" and not model:
                    model = value.strip()
                elif key == "vendor_id" and not vendor:
                    vendor = value.strip()
                if model and vendor:
                    break
    except OSError:
        pass
    return model, vendor


def cpu_info(info: dict[str, Any]) -> str:
    """Nova's cpu_info: a JSON string with arch, model, vendor, topology, features."""
    model, vendor = _cpu_model()
    return json.dumps(
        {
            "arch": info.get("Architecture") or platform.machine(),
            "model": model,
            "vendor": vendor,
            "topology": {"sockets": 1, "cores": int(info.get("NCPU") or 0), "threads": 1},
            "features": [],
        },
        sort_keys=True,
    )


def disk_usage(info: dict[str, Any]) -> tuple[int, int]:
    """(total_gb, used_gb) of the file system holding the engine's data root."""
    for path in (info.get("DockerRootDir"), "/var/lib/docker", "/"):
        if path and os.path.exists(path):
            usage = shutil.disk_usage(path)
            return usage.total // GIB, usage.used // GIB
    return 0, 0


def allocated(containers: list[dict[str, Any]]) -> dict[str, int]:
    """vCPUs, memory and disk promised to the managed containers (from their flavor labels)."""
    totals = {"vcpus": 0, "memory_mb": 0, "root_gb": 0}
    for c in containers:
        labels = c.get("Labels") or {}
        for field in totals:
            try:
                totals[field] += int(labels.get(f"{client.LABEL_FLAVOR_PREFIX}{field}") or 0)
            except ValueError:
                continue
    return totals


def available_resource(
    info: dict[str, Any], version: dict[str, Any], containers: list[dict[str, Any]], node: str
) -> dict[str, Any]:
    total_gb, used_gb = disk_usage(info)
    used = allocated(containers)
    arch = info.get("Architecture") or platform.machine()
    return {
        "vcpus": int(info.get("NCPU") or 0),
        "memory_mb": int(info.get("MemTotal") or 0) // MIB,
        "local_gb": total_gb,
        "vcpus_used": used["vcpus"],
        "memory_mb_used": used["memory_mb"],
        "local_gb_used": used_gb,
        "disk_available_least": max(total_gb - used_gb, 0),
        "hypervisor_type": "docker",
        "hypervisor_version": version_int(version.get("Version", "0")),
        "hypervisor_hostname": node,
        "cpu_info": cpu_info(info),
        "numa_topology": None,
        "supported_instances": [[arch, "docker", "exe"]],
        "running_vms": len(containers),
    }


def inventory(resources: dict[str, Any], conf: cfg.ConfigOpts) -> dict[str, dict[str, Any]]:
    group = conf.docker
    return provider_tree.inventory(
        resources["vcpus"],
        resources["memory_mb"],
        resources["local_gb"],
        cpu_allocation_ratio=group.cpu_allocation_ratio,
        ram_allocation_ratio=group.ram_allocation_ratio,
        disk_allocation_ratio=group.disk_allocation_ratio,
        reserved_host_memory_mb=group.reserved_host_memory_mb,
        reserved_host_disk_gb=group.reserved_host_disk_gb,
    )


def uptime() -> str:
    """Like the `uptime` command's line, which is what Nova drivers return."""
    with open("/proc/uptime") as f:
        seconds = int(float(f.read().split()[0]))
    try:
        load = os.getloadavg()
    except OSError:
        load = (0.0, 0.0, 0.0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    up = f"{days} day{'s' if days != 1 else ''}, " if days else ""
    return (
        f" {time.strftime('%H:%M:%S')} up {up}{hours:2d}:{minutes:02d},  0 users,  "
        f"load average: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}"
    )
