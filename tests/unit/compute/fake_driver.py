"""A tiny in-memory ComputeDriver for the compute agent's unit tests (never functional)."""

from __future__ import annotations

from typing import Any

from nova_docker import exception
from nova_docker.virt import driver, hardware, power_state


class MemoryDriver(driver.ComputeDriver):
    def __init__(self, virtapi: Any = None, hypervisor_type: str = "docker", **resources: int):
        super().__init__(virtapi)
        self.hypervisor_type = hypervisor_type
        self.instances: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str]] = []
        self.resources = {
            "vcpus": 4,
            "memory_mb": 4096,
            "local_gb": 40,
            "vcpus_used": 0,
            "memory_mb_used": 0,
            "local_gb_used": 0,
            "hypervisor_type": hypervisor_type,
            "hypervisor_hostname": "fake",
        }
        self.resources.update(resources)
        self.fail_spawn: Exception | None = None
        self.initialised = False

    def _get(self, instance: Any) -> dict[str, Any]:
        try:
            return self.instances[instance.uuid]
        except KeyError:
            raise exception.InstanceNotFound(instance_id=instance.uuid) from None

    def init_host(self, host: str) -> None:
        self.initialised = True

    def get_available_resource(self, nodename: str) -> dict[str, Any]:
        return dict(self.resources)

    def update_provider_tree(self, provider_tree, nodename, allocations=None) -> None:
        from nova_docker.virt import provider_tree as pt

        provider_tree.update_inventory(
            nodename,
            pt.inventory(
                self.resources["vcpus"],
                self.resources["memory_mb"],
                self.resources["local_gb"],
                cpu_allocation_ratio=16.0 if self.hypervisor_type == "docker" else 4.0,
                ram_allocation_ratio=1.5,
                disk_allocation_ratio=1.0,
            ),
        )

    def list_instances(self) -> list[str]:
        return [i["name"] for i in self.instances.values()]

    def list_instance_uuids(self) -> list[str]:
        return list(self.instances)

    def spawn(
        self,
        context,
        instance,
        image_meta,
        injected_files,
        admin_password,
        allocations,
        network_info=None,
        block_device_info=None,
        power_on=True,
        accel_info=None,
    ):
        self.calls.append(("spawn", instance.uuid))
        # Half-made first, like a real driver that created before it started.
        self.instances[instance.uuid] = {
            "name": instance.name,
            "state": power_state.SHUTDOWN,
            "image": image_meta.id,
            "files": injected_files,
        }
        if self.fail_spawn is not None:
            raise self.fail_spawn
        if power_on:
            self.instances[instance.uuid]["state"] = power_state.RUNNING

    def destroy(
        self,
        context,
        instance,
        network_info,
        block_device_info=None,
        destroy_disks=True,
        destroy_secrets=True,
    ):
        self.calls.append(("destroy", instance.uuid))
        self._get(instance)
        del self.instances[instance.uuid]

    def get_info(self, instance, use_cache=True) -> hardware.InstanceInfo:
        return hardware.InstanceInfo(state=self._get(instance)["state"], internal_id=instance.name)

    def _set(self, instance: Any, state: int, name: str) -> None:
        self.calls.append((name, instance.uuid))
        self._get(instance)["state"] = state

    def reboot(self, context, instance, network_info, reboot_type, *args, **kwargs):
        self._set(instance, power_state.RUNNING, f"reboot-{reboot_type}")

    def power_off(self, instance, timeout=0, retry_interval=0):
        self._set(instance, power_state.SHUTDOWN, "power_off")

    def power_on(self, context, instance, network_info, *args, **kwargs):
        self._set(instance, power_state.RUNNING, "power_on")

    def pause(self, instance):
        self._set(instance, power_state.PAUSED, "pause")

    def unpause(self, instance):
        self._set(instance, power_state.RUNNING, "unpause")

    def get_console_output(self, context, instance):
        return f"console of {instance.uuid}".encode()

    def snapshot(self, context, instance, image_id, update_task_state):
        self.calls.append(("snapshot", image_id))
