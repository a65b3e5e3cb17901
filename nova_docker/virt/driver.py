"""The ComputeDriver contract, with Nova 34's method names and signatures.

Drivers here subclass this class; the same driver classes also load inside real Nova
through a one-line module in nova/virt/ (see doc/nova_docker.md), so argument names and
order must stay exactly Nova's. Methods a driver does not support raise NotImplementedError,
which Nova's compute manager understands.
"""

from __future__ import annotations

from typing import Any

from nova_docker.virt import hardware

# Reboot types, as Nova passes them.
REBOOT_SOFT = "SOFT"
REBOOT_HARD = "HARD"


class ComputeDriver:
    """Base class for compute drivers (Nova 34's nova.virt.driver.ComputeDriver)."""

    #: The hypervisor_type reported in get_available_resource.
    hypervisor_type = "unknown"

    capabilities: dict[str, bool] = {
        "has_imagecache": False,
        "supports_evacuate": False,
        "supports_migrate_to_same_host": False,
        "supports_attach_interface": False,
        "supports_device_tagging": False,
        "supports_tagged_attach_interface": False,
        "supports_tagged_attach_volume": False,
        "supports_extend_volume": False,
        "supports_multiattach": False,
        "supports_trusted_certs": False,
        "supports_pcpus": False,
        "supports_accelerators": False,
        "supports_bfv_rescue": False,
        "supports_vtpm": False,
        "supports_secure_boot": False,
        "supports_socket_pci_numa_affinity": False,
        "supports_remote_managed_ports": False,
        "supports_address_space_passthrough": False,
        "supports_address_space_emulated": False,
        "supports_ephemeral_encryption": False,
        "supports_ephemeral_encryption_luks": False,
        "supports_ephemeral_encryption_plain": False,
        "supports_virtio_fs": False,
        "supports_mem_backing_file": False,
        "supports_image_type_aki": False,
        "supports_image_type_ami": False,
        "supports_image_type_ari": False,
        "supports_image_type_iso": False,
        "supports_image_type_qcow2": False,
        "supports_image_type_raw": False,
        "supports_image_type_vdi": False,
        "supports_image_type_vhd": False,
        "supports_image_type_vhdx": False,
        "supports_image_type_vmdk": False,
        "supports_image_type_ploop": False,
    }

    # Nova's compute manager reads these.
    requires_allocation_refresh = False
    rebalances_nodes = False

    def __init__(self, virtapi: Any = None, read_only: bool = False) -> None:
        self.virtapi = virtapi
        self._compute_event_callback = None

    # -- host ---------------------------------------------------------------
    def init_host(self, host: str) -> None:
        """Connect to the hypervisor and reconcile with what already runs there."""
        raise NotImplementedError()

    def cleanup_host(self, host: str) -> None:
        """Release what init_host took (connections, event threads)."""

    def get_available_nodes(self, refresh: bool = False) -> list[str]:
        raise NotImplementedError()

    def get_nodenames_by_uuid(self, refresh: bool = False) -> dict[str, str]:
        raise NotImplementedError()

    def get_available_resource(self, nodename: str) -> dict[str, Any]:
        raise NotImplementedError()

    def update_provider_tree(
        self, provider_tree: Any, nodename: str, allocations: dict | None = None
    ) -> None:
        raise NotImplementedError()

    def get_host_uptime(self) -> str:
        raise NotImplementedError()

    def get_host_ip_addr(self) -> str:
        raise NotImplementedError()

    def node_is_available(self, nodename: str) -> bool:
        return nodename in self.get_available_nodes()

    def register_event_listener(self, callback: Any) -> None:
        """Nova registers the compute manager's handler for lifecycle events here."""
        self._compute_event_callback = callback

    def emit_event(self, event: Any) -> None:
        if self._compute_event_callback is not None:
            self._compute_event_callback(event)

    # -- instances ----------------------------------------------------------
    def instance_exists(self, instance: Any) -> bool:
        try:
            return instance.uuid in self.list_instance_uuids()
        except NotImplementedError:
            return instance.name in self.list_instances()

    def list_instances(self) -> list[str]:
        raise NotImplementedError()

    def list_instance_uuids(self) -> list[str]:
        raise NotImplementedError()

    def get_info(self, instance: Any, use_cache: bool = True) -> hardware.InstanceInfo:
        raise NotImplementedError()

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
        raise NotImplementedError()

    def destroy(
        self,
        context: Any,
        instance: Any,
        network_info: Any,
        block_device_info: Any = None,
        destroy_disks: bool = True,
        destroy_secrets: bool = True,
    ) -> None:
        raise NotImplementedError()

    def cleanup(
        self,
        context: Any,
        instance: Any,
        network_info: Any,
        block_device_info: Any = None,
        destroy_disks: bool = True,
        migrate_data: Any = None,
        destroy_vifs: bool = True,
        destroy_secrets: bool = True,
    ) -> None:
        """Nova calls cleanup after destroy; destroy already removed everything here."""

    def reboot(
        self,
        context: Any,
        instance: Any,
        network_info: Any,
        reboot_type: str,
        block_device_info: Any = None,
        bad_volumes_callback: Any = None,
        accel_info: Any = None,
        share_info: Any = None,
    ) -> None:
        raise NotImplementedError()

    def power_off(self, instance: Any, timeout: int = 0, retry_interval: int = 0) -> None:
        raise NotImplementedError()

    def power_on(
        self,
        context: Any,
        instance: Any,
        network_info: Any,
        block_device_info: Any = None,
        accel_info: Any = None,
        share_info: Any = None,
    ) -> None:
        raise NotImplementedError()

    def pause(self, instance: Any) -> None:
        raise NotImplementedError()

    def unpause(self, instance: Any) -> None:
        raise NotImplementedError()

    def suspend(self, context: Any, instance: Any) -> None:
        raise NotImplementedError()

    def resume(
        self,
        context: Any,
        instance: Any,
        network_info: Any,
        block_device_info: Any = None,
        share_info: Any = None,
    ) -> None:
        raise NotImplementedError()

    def get_console_output(self, context: Any, instance: Any) -> str:
        raise NotImplementedError()

    def snapshot(self, context: Any, instance: Any, image_id: str, update_task_state: Any) -> None:
        raise NotImplementedError()

    def rescue(
        self,
        context: Any,
        instance: Any,
        network_info: Any,
        image_meta: Any,
        rescue_password: str | None,
        block_device_info: Any,
        share_info: Any,
    ) -> None:
        raise NotImplementedError()

    def unrescue(self, context: Any, instance: Any) -> None:
        raise NotImplementedError()

    # -- networking -----------------------------------------------------------
    def plug_vifs(self, instance: Any, network_info: Any) -> None:
        """Networks are connected at spawn; nothing to plug separately."""

    def unplug_vifs(self, instance: Any, network_info: Any) -> None:
        """Networks are disconnected at destroy."""

    def attach_interface(self, context: Any, instance: Any, image_meta: Any, vif: Any) -> None:
        raise NotImplementedError()

    def detach_interface(self, context: Any, instance: Any, vif: Any) -> None:
        raise NotImplementedError()

    # -- Nova hooks these drivers answer trivially -------------------------------
    def get_instance_disk_info(self, instance: Any, block_device_info: Any = None) -> str:
        return "[]"

    def manage_image_cache(self, context: Any, all_instances: list) -> None:
        """Image caches are pruned by the operator (docker image prune, base cache dir)."""

    def get_volume_connector(self, instance: Any) -> dict[str, Any]:
        raise NotImplementedError()

    def need_legacy_block_device_info(self) -> bool:
        return False

    def instance_on_disk(self, instance: Any) -> bool:
        return False

    def get_device_name_for_instance(self, instance: Any, bdms: list, block_device_obj: Any) -> str:
        raise NotImplementedError()
