"""DockerDriver as real Nova loads it (``compute_driver = stackdock.DockerDriver``).

Nova 34 imports drivers only from ``nova.virt``; ``stackdock-nova-shim-install`` writes the
one-line module ``nova/virt/stackdock.py`` that imports the class below. It must be a
``nova.virt.driver.ComputeDriver`` (Nova checks with isinstance), and it adapts what Nova
passes differently from the compute agent:

- image properties outside Nova's ImageMetaProps schema (``stackdock_*``, ``docker_image``)
  are dropped from ``image_meta``; Nova keeps every Glance property in the instance's
  system_metadata as ``image_<key>``, so they are read back from there;
- an instance that was never saved has no ``id`` for ``instance_name_template``;
- get_info must return Nova's own InstanceInfo.
"""

from __future__ import annotations

from typing import Any

from nova.virt import driver as nova_driver
from nova.virt import hardware as nova_hardware

from nova_docker import objects
from nova_docker.virt.docker import driver as docker_driver

#: system_metadata image_* keys that are image attributes, not properties.
_NOT_PROPERTIES = {
    "container_format",
    "disk_format",
    "min_ram",
    "min_disk",
    "base_image_ref",
    "size",
    "checksum",
    "owner",
    "name",
    "id",
}


class _InstanceView:
    """A Nova Instance seen through the attribute names the driver reads."""

    def __init__(self, instance: Any) -> None:
        self._instance = instance

    def __getattr__(self, name: str) -> Any:
        return getattr(self._instance, name)

    @property
    def name(self) -> str:
        inst = self._instance
        if hasattr(inst, "obj_attr_is_set") and not inst.obj_attr_is_set("id"):
            return f"instance-{inst.uuid}"
        return inst.name

    def _field(self, name: str, default: Any = None) -> Any:
        inst = self._instance
        if hasattr(inst, "obj_attr_is_set") and not inst.obj_attr_is_set(name):
            return default
        return getattr(inst, name, default)

    @property
    def metadata(self) -> dict[str, str]:
        return dict(self._field("metadata") or {})

    @property
    def key_data(self) -> str | None:
        return self._field("key_data")

    @property
    def hostname(self) -> str | None:
        return self._field("hostname")

    @property
    def display_name(self) -> str:
        return self._field("display_name") or ""


def image_meta_from_nova(instance: Any, image_meta: Any) -> objects.ImageMeta:
    """Our ImageMeta from Nova's, with the properties Nova's schema dropped put back."""
    props: dict[str, Any] = {}
    system_metadata = {}
    if not hasattr(instance, "obj_attr_is_set") or instance.obj_attr_is_set("system_metadata"):
        system_metadata = dict(getattr(instance, "system_metadata", None) or {})
    for key, value in system_metadata.items():
        if key.startswith("image_") and key[len("image_") :] not in _NOT_PROPERTIES:
            props[key[len("image_") :]] = value
    nova_props = getattr(image_meta, "properties", None)
    if nova_props is not None and hasattr(nova_props, "fields"):
        for field in nova_props.fields:
            if nova_props.obj_attr_is_set(field):
                props[field] = getattr(nova_props, field)

    def attr(name: str, default: Any = "") -> Any:
        if hasattr(image_meta, "obj_attr_is_set") and not image_meta.obj_attr_is_set(name):
            return system_metadata.get(f"image_{name}", default)
        return getattr(image_meta, name, default)

    return objects.ImageMeta.from_dict(
        {
            "id": attr("id"),
            "name": attr("name"),
            "container_format": attr("container_format", None),
            "disk_format": attr("disk_format", None),
            "properties": props,
        }
    )


class DockerDriver(docker_driver.DockerDriver, nova_driver.ComputeDriver):
    """stackdock's DockerDriver, typed as a Nova ComputeDriver."""

    capabilities = dict(nova_driver.ComputeDriver.capabilities)
    capabilities.update(docker_driver.DockerDriver.capabilities)

    def __init__(self, virtapi: Any, read_only: bool = False) -> None:
        docker_driver.DockerDriver.__init__(self, virtapi, read_only)

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
        super().spawn(
            context,
            _InstanceView(instance),
            image_meta_from_nova(instance, image_meta),
            injected_files,
            admin_password,
            allocations,
            network_info=network_info,
            block_device_info=block_device_info,
            power_on=power_on,
            accel_info=accel_info,
        )

    def get_info(self, instance: Any, use_cache: bool = True) -> nova_hardware.InstanceInfo:
        info = super().get_info(instance, use_cache)
        return nova_hardware.InstanceInfo(state=info.state, internal_id=info.internal_id)

    def snapshot(self, context: Any, instance: Any, image_id: str, update_task_state: Any) -> None:
        # Nova expects the bits in Glance; the local catalog is not Glance.
        raise NotImplementedError("snapshot under Nova needs the Glance image service")
