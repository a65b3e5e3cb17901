"""HybridDriver: one compute host serving Docker containers and libvirt guests.

nova-docker never had this (its users ran two nova-compute services per host). Spawn
routes by the image's container_format: ``docker`` goes to the Docker half, every other
format to the libvirt half. Later calls go to the half that holds the instance (a map
filled at spawn and init_host, else asked of each half). Lists are merged.

Capacity: each half reports the whole machine; the hybrid host advertises the SUM of the
two (vCPU, RAM, disk; used amounts summed too), i.e. exactly what the two nova-compute
services nova-docker users ran side by side would have advertised together. The machine
is therefore overcommitted by up to 2x if both halves fill up; operators who need strict
limits lower the allocation ratios or reserve host memory. The flavor-fits check of the
agent uses the half that will run the instance, not the sum.
"""

from __future__ import annotations

import threading
from typing import Any

from nova_docker import exception
from nova_docker.virt import driver, hardware, loader

DOCKER = "docker"
LIBVIRT = "libvirt"


class HybridDriver(driver.ComputeDriver):
    """A ComputeDriver made of a DockerDriver and a LibvirtDriver."""

    def __init__(
        self,
        virtapi: Any = None,
        read_only: bool = False,
        docker_driver: Any = None,
        libvirt_driver: Any = None,
    ) -> None:
        super().__init__(virtapi, read_only)
        self.docker = docker_driver or loader.load_driver(DOCKER, virtapi)
        self.libvirt = libvirt_driver or loader.load_driver(LIBVIRT, virtapi)
        self._halves = {DOCKER: self.docker, LIBVIRT: self.libvirt}
        self._where: dict[str, str] = {}
        self._where_lock = threading.Lock()
        # A capability holds if either half has it (the agent routes to the right one).
        self.capabilities = {
            key: bool(self.docker.capabilities.get(key) or self.libvirt.capabilities.get(key))
            for key in set(self.docker.capabilities) | set(self.libvirt.capabilities)
        }

    @property
    def hypervisor_type(self) -> str:  # type: ignore[override]
        return f"{self.docker.hypervisor_type},{self.libvirt.hypervisor_type}"

    # -- routing -----------------------------------------------------------------
    def driver_for_image(self, image_meta: Any) -> Any:
        """The half that spawns an image: docker for container_format docker."""
        return self.docker if image_meta.container_format == DOCKER else self.libvirt

    def _remember(self, uuid: str, half: str | None) -> None:
        with self._where_lock:
            if half is None:
                self._where.pop(uuid, None)
            else:
                self._where[uuid] = half

    def _half_name(self, instance: Any) -> str:
        with self._where_lock:
            known = self._where.get(instance.uuid)
        if known is not None:
            return known
        for name, half in self._halves.items():
            if half.instance_exists(instance):
                self._remember(instance.uuid, name)
                return name
        raise exception.InstanceNotFound(instance_id=instance.uuid)

    def _half(self, instance: Any) -> Any:
        return self._halves[self._half_name(instance)]

    def hypervisor_for(self, instance: Any) -> str:
        """The hypervisor_type of the half that holds ``instance`` (e.g. docker, QEMU)."""
        return str(self._half(instance).hypervisor_type)

    # -- host -----------------------------------------------------------------------
    def init_host(self, host: str) -> None:
        for half in self._halves.values():
            half.init_host(host)
        with self._where_lock:
            self._where.clear()
        for name, half in self._halves.items():
            for uuid in half.list_instance_uuids():
                self._remember(uuid, name)

    def cleanup_host(self, host: str) -> None:
        for half in self._halves.values():
            half.cleanup_host(host)

    def register_event_listener(self, callback: Any) -> None:
        super().register_event_listener(callback)
        for half in self._halves.values():
            half.register_event_listener(callback)

    def get_available_nodes(self, refresh: bool = False) -> list[str]:
        return self.docker.get_available_nodes(refresh)

    def get_host_uptime(self) -> str:
        return self.docker.get_host_uptime()

    def get_host_ip_addr(self) -> str:
        return self.docker.get_host_ip_addr()

    def get_available_resource(self, nodename: str) -> dict[str, Any]:
        dres = self.docker.get_available_resource(nodename)
        lres = self.libvirt.get_available_resource(nodename)
        merged = dict(lres)
        merged.update({k: v for k, v in dres.items() if k not in lres})
        for key in (
            "vcpus",
            "memory_mb",
            "local_gb",
            "vcpus_used",
            "memory_mb_used",
            "local_gb_used",
        ):
            merged[key] = int(dres.get(key) or 0) + int(lres.get(key) or 0)
        for key in ("free_ram_mb", "free_disk_gb", "disk_available_least"):
            if key in dres or key in lres:
                merged[key] = int(dres.get(key) or 0) + int(lres.get(key) or 0)
        merged["hypervisor_type"] = self.hypervisor_type
        merged["hypervisor_hostname"] = dres.get("hypervisor_hostname") or lres.get(
            "hypervisor_hostname", nodename
        )
        return merged

    def update_provider_tree(
        self, provider_tree: Any, nodename: str, allocations: dict | None = None
    ) -> None:
        from nova_docker.virt import provider_tree as pt

        inventories = []
        for half in self._halves.values():
            scratch = pt.ProviderTree()
            scratch.new_root(nodename)
            half.update_provider_tree(scratch, nodename, allocations)
            inventories.append(scratch.data(nodename).inventory)
        provider_tree.update_inventory(nodename, merge_inventories(inventories))

    # -- instances ------------------------------------------------------------------
    def list_instances(self) -> list[str]:
        return self.docker.list_instances() + self.libvirt.list_instances()

    def list_instance_uuids(self) -> list[str]:
        return self.docker.list_instance_uuids() + self.libvirt.list_instance_uuids()

    def list_instances_with_hypervisor(self) -> list[dict[str, str]]:
        """[{"uuid", "hypervisor"}] for every instance of both halves."""
        return [
            {"uuid": uuid, "hypervisor": str(half.hypervisor_type)}
            for half in self._halves.values()
            for uuid in half.list_instance_uuids()
        ]

    def instance_exists(self, instance: Any) -> bool:
        try:
            self._half_name(instance)
        except exception.InstanceNotFound:
            return False
        return True

    def spawn(
        self,
        context: Any,
        instance: Any,
        image_meta: Any,
        injected_files: list,
        admin_password: str | None,
        allocations: dict | None,
        network_info: Any = None,
        block_device_info: Any = None,
        power_on: bool = True,
        accel_info: Any = None,
    ) -> None:
        half = self.driver_for_image(image_meta)
        name = DOCKER if half is self.docker else LIBVIRT
        # Remembered before spawning so a cleanup after a failed spawn finds the half.
        self._remember(instance.uuid, name)
        half.spawn(
            context,
            instance,
            image_meta,
            injected_files,
            admin_password,
            allocations,
            network_info=network_info,
            block_device_info=block_device_info,
            power_on=power_on,
            accel_info=accel_info,
        )

    def destroy(
        self,
        context: Any,
        instance: Any,
        network_info: Any,
        block_device_info: Any = None,
        destroy_disks: bool = True,
        destroy_secrets: bool = True,
    ) -> None:
        self._half(instance).destroy(
            context, instance, network_info, block_device_info, destroy_disks, destroy_secrets
        )
        self._remember(instance.uuid, None)

    def cleanup(
        self, context: Any, instance: Any, network_info: Any, *args: Any, **kw: Any
    ) -> None:
        try:
            half = self._half(instance)
        except exception.InstanceNotFound:
            return None
        return half.cleanup(context, instance, network_info, *args, **kw)

    def reboot(
        self,
        context: Any,
        instance: Any,
        network_info: Any,
        reboot_type: str,
        *a: Any,
        **kw: Any,
    ) -> None:
        return self._half(instance).reboot(context, instance, network_info, reboot_type, *a, **kw)

    def power_off(self, instance: Any, timeout: int = 0, retry_interval: int = 0) -> None:
        self._half(instance).power_off(instance, timeout, retry_interval)

    def power_on(
        self, context: Any, instance: Any, network_info: Any, *args: Any, **kw: Any
    ) -> None:
        return self._half(instance).power_on(context, instance, network_info, *args, **kw)

    def pause(self, instance: Any) -> None:
        self._half(instance).pause(instance)

    def unpause(self, instance: Any) -> None:
        self._half(instance).unpause(instance)

    def suspend(self, context: Any, instance: Any) -> None:
        self._half(instance).suspend(context, instance)

    def resume(self, context: Any, instance: Any, network_info: Any, *args: Any, **kw: Any) -> None:
        return self._half(instance).resume(context, instance, network_info, *args, **kw)

    def get_info(self, instance: Any, use_cache: bool = True) -> hardware.InstanceInfo:
        half = self._half(instance)
        info = half.get_info(instance, use_cache)
        if not info.hypervisor:
            info.hypervisor = str(half.hypervisor_type)
        return info

    def get_console_output(self, context: Any, instance: Any) -> str:
        return self._half(instance).get_console_output(context, instance)

    def snapshot(self, context: Any, instance: Any, image_id: str, update_task_state: Any) -> None:
        return self._half(instance).snapshot(context, instance, image_id, update_task_state)

    def attach_interface(self, context: Any, instance: Any, image_meta: Any, vif: Any) -> None:
        self._half(instance).attach_interface(context, instance, image_meta, vif)

    def detach_interface(self, context: Any, instance: Any, vif: Any) -> None:
        self._half(instance).detach_interface(context, instance, vif)

    # -- Docker networks (only the Docker half has them) -------------------------------
    def _docker_only(self, name: str) -> Any:
        method = getattr(self.docker, name, None)
        if method is None:
            raise exception.NotSupported(reason=f"the docker driver has no {name}")
        return method

    def get_addresses(self, instance: Any) -> dict[str, Any]:
        if self._half_name(instance) != DOCKER:
            raise exception.NotSupported(
                reason=f"get_addresses is for containers; instance {instance.uuid} is a "
                f"{self.libvirt.hypervisor_type} guest"
            )
        return self._docker_only("get_addresses")(instance)

    def ensure_network(self, name: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
        return self._docker_only("ensure_network")(name, labels=labels)

    def delete_network(self, name: str) -> None:
        return self._docker_only("delete_network")(name)


def merge_inventories(inventories: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Sum totals and reserved; max_unit the larger; allocation_ratio the smaller (safe side)."""
    merged: dict[str, dict[str, Any]] = {}
    for inventory in inventories:
        for rc, record in inventory.items():
            if rc not in merged:
                merged[rc] = dict(record)
                continue
            into = merged[rc]
            into["total"] = into.get("total", 0) + record.get("total", 0)
            into["reserved"] = into.get("reserved", 0) + record.get("reserved", 0)
            into["max_unit"] = max(into.get("max_unit", 1), record.get("max_unit", 1))
            into["min_unit"] = min(into.get("min_unit", 1), record.get("min_unit", 1))
            into["allocation_ratio"] = min(
                into.get("allocation_ratio", 1.0), record.get("allocation_ratio", 1.0)
            )
    return merged
