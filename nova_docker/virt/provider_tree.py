"""A minimal stand-in for nova.compute.provider_tree.ProviderTree.

update_provider_tree() only calls ``update_inventory`` and ``data`` on it, so the drivers
accept either this class or Nova's own.
"""

from __future__ import annotations

from typing import Any


class ProviderTree:
    def __init__(self) -> None:
        self._inventory: dict[str, dict[str, dict[str, Any]]] = {}
        self._traits: dict[str, set[str]] = {}

    def new_root(self, name: str, uuid: str | None = None) -> None:
        self._inventory.setdefault(name, {})
        self._traits.setdefault(name, set())

    def exists(self, name: str) -> bool:
        return name in self._inventory

    def update_inventory(self, name: str, inventory: dict[str, dict[str, Any]]) -> bool:
        self.new_root(name)
        changed = self._inventory[name] != inventory
        self._inventory[name] = dict(inventory)
        return changed

    def update_traits(self, name: str, traits: set[str] | list[str]) -> None:
        self.new_root(name)
        self._traits[name] = set(traits)

    def data(self, name: str) -> Any:
        class _Data:
            inventory = self._inventory.get(name, {})
            traits = self._traits.get(name, set())

        return _Data()


def inventory(
    vcpus: int,
    memory_mb: int,
    disk_gb: int,
    *,
    cpu_allocation_ratio: float,
    ram_allocation_ratio: float,
    disk_allocation_ratio: float,
    reserved_host_memory_mb: int = 0,
    reserved_host_disk_gb: int = 0,
) -> dict[str, dict[str, Any]]:
    """Placement inventory for one compute node, shaped like Nova's."""

    def record(total: int, ratio: float, reserved: int = 0) -> dict[str, Any]:
        return {
            "total": max(int(total), 0),
            "reserved": max(min(int(reserved), int(total)), 0),
            "min_unit": 1,
            "max_unit": max(int(total), 1),
            "step_size": 1,
            "allocation_ratio": float(ratio),
        }

    return {
        "VCPU": record(vcpus, cpu_allocation_ratio),
        "MEMORY_MB": record(memory_mb, ram_allocation_ratio, reserved_host_memory_mb),
        "DISK_GB": record(disk_gb, disk_allocation_ratio, reserved_host_disk_gb),
    }
