"""Host resources as Nova's libvirt driver reports them: node info, memory, disk, inventory."""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any

from nova_docker import exception
from nova_docker.virt import provider_tree

GiB = 1024**3
MiB = 1024**2


@dataclasses.dataclass
class HostResources:
    vcpus: int
    memory_mb: int
    free_memory_mb: int
    disk_gb: int
    free_disk_gb: int
    cpu_info: dict[str, Any]


def disk_usage(path: str) -> tuple[int, int]:
    """(total GiB, free GiB) of the filesystem holding path."""
    st = os.statvfs(path)
    total = st.f_blocks * st.f_frsize
    free = st.f_bavail * st.f_frsize
    return total // GiB, free // GiB


def gather(host: Any, instances_path: str) -> HostResources:
    """Measure the host through libvirt (virNodeGetInfo, free memory) and statvfs."""
    arch, memory_mb, cpus, mhz, nodes, sockets, cores, threads = host.node_info()[:8]
    disk_gb, free_disk_gb = disk_usage(instances_path)
    return HostResources(
        vcpus=int(cpus),
        memory_mb=int(memory_mb),
        free_memory_mb=host.free_memory_mb(),
        disk_gb=int(disk_gb),
        free_disk_gb=int(free_disk_gb),
        cpu_info={
            "arch": arch,
            "mhz": mhz,
            "topology": {"sockets": sockets, "cores": cores, "threads": threads},
            "numa_nodes": nodes,
        },
    )


def check_flavor_fits(flavor: Any, res: HostResources, reserved_memory_mb: int) -> None:
    """Raise FlavorTooLarge when one instance of the flavor could never run on this host."""
    problems = []
    if int(flavor.vcpus) > res.vcpus:
        problems.append(f"{flavor.vcpus} vCPUs > {res.vcpus} host CPUs")
    usable_mb = res.memory_mb - reserved_memory_mb
    if int(flavor.memory_mb) > usable_mb:
        problems.append(f"{flavor.memory_mb} MiB RAM > {usable_mb} MiB host memory (less reserved)")
    if int(flavor.root_gb or 0) > res.disk_gb:
        problems.append(f"{flavor.root_gb} GiB root disk > {res.disk_gb} GiB instances disk")
    if problems:
        raise exception.FlavorTooLarge(reason="; ".join(problems))


def available_resource(
    res: HostResources,
    *,
    nodename: str,
    hypervisor_type: str,
    hypervisor_version: int,
    vcpus_used: int,
    instances: int,
) -> dict[str, Any]:
    """The dict Nova's get_available_resource returns (plus the instance count)."""
    return {
        "vcpus": res.vcpus,
        "memory_mb": res.memory_mb,
        "local_gb": res.disk_gb,
        "vcpus_used": vcpus_used,
        "memory_mb_used": max(res.memory_mb - res.free_memory_mb, 0),
        "local_gb_used": max(res.disk_gb - res.free_disk_gb, 0),
        "hypervisor_type": hypervisor_type,
        "hypervisor_version": hypervisor_version,
        "hypervisor_hostname": nodename,
        "cpu_info": json.dumps(res.cpu_info),
        "disk_available_least": res.free_disk_gb,
        "supported_instances": [["x86_64", hypervisor_type.lower(), "hvm"]],
        "numa_topology": None,
        "pci_passthrough_devices": "[]",
        "running_vms": instances,
    }


def inventory(res: HostResources, conf_group: Any) -> dict[str, dict[str, Any]]:
    """Placement inventory (VCPU, MEMORY_MB, DISK_GB) with the [libvirt] ratios."""
    return provider_tree.inventory(
        res.vcpus,
        res.memory_mb,
        res.disk_gb,
        cpu_allocation_ratio=conf_group.cpu_allocation_ratio,
        ram_allocation_ratio=conf_group.ram_allocation_ratio,
        disk_allocation_ratio=conf_group.disk_allocation_ratio,
        reserved_host_memory_mb=conf_group.reserved_host_memory_mb,
        reserved_host_disk_gb=(conf_group.reserved_host_disk_mb + 1023) // 1024,
    )
