"""Light stand-ins for nova.objects Instance, Flavor and ImageMeta.

The drivers only read attributes, and these classes use the same attribute names as
nova.objects, so real Nova objects can be passed to the drivers unchanged. They also
round-trip through plain dicts, which is how the compute agent's RPC carries them.
"""

from __future__ import annotations

import dataclasses
import uuid as uuidlib
from typing import Any


@dataclasses.dataclass
class Flavor:
    name: str = "m1.small"
    memory_mb: int = 512
    vcpus: int = 1
    root_gb: int = 1
    ephemeral_gb: int = 0
    swap: int = 0
    flavorid: str = ""
    extra_specs: dict[str, str] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Flavor:
        fields = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in fields})


class ImageMetaProps:
    """Image properties: attribute access like nova.objects.ImageMetaProps, plus get()."""

    def __init__(self, props: dict[str, Any] | None = None) -> None:
        self._props = dict(props or {})

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._props[name]
        except KeyError:
            raise AttributeError(name) from None

    def get(self, name: str, default: Any = None) -> Any:
        return self._props.get(name, default)

    def obj_attr_is_set(self, name: str) -> bool:
        return name in self._props

    def to_dict(self) -> dict[str, Any]:
        return dict(self._props)


@dataclasses.dataclass
class ImageMeta:
    id: str = ""
    name: str = ""
    container_format: str = "bare"
    disk_format: str = "raw"
    size: int = 0
    checksum: str = ""
    properties: ImageMetaProps = dataclasses.field(default_factory=ImageMetaProps)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImageMeta:
        props = data.get("properties") or {}
        if not isinstance(props, ImageMetaProps):
            props = ImageMetaProps(props)
        return cls(
            id=data.get("id", ""),
            name=data.get("name", ""),
            container_format=data.get("container_format") or "bare",
            disk_format=data.get("disk_format") or "raw",
            size=int(data.get("size") or 0),
            checksum=data.get("checksum") or "",
            properties=props,
        )

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["properties"] = self.properties.to_dict()
        return data


@dataclasses.dataclass
class Instance:
    uuid: str = dataclasses.field(default_factory=lambda: str(uuidlib.uuid4()))
    display_name: str = ""
    hostname: str = ""
    project_id: str = ""
    user_id: str = ""
    host: str = ""
    node: str = ""
    image_ref: str = ""
    flavor: Flavor = dataclasses.field(default_factory=Flavor)
    metadata: dict[str, str] = dataclasses.field(default_factory=dict)
    system_metadata: dict[str, str] = dataclasses.field(default_factory=dict)
    user_data: str | None = None  # base64, as in Nova
    key_name: str | None = None
    key_data: str | None = None
    vm_state: str = "building"
    task_state: str | None = None
    power_state: int = 0

    @property
    def name(self) -> str:
        # Nova derives the hypervisor-facing name from the uuid too (instance_name_template).
        return f"instance-{self.uuid}"

    @property
    def memory_mb(self) -> int:
        return self.flavor.memory_mb

    @property
    def vcpus(self) -> int:
        return self.flavor.vcpus

    @property
    def root_gb(self) -> int:
        return self.flavor.root_gb

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Nova's objects persist on save(); the agent keeps no instance table."""

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["flavor"] = self.flavor.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Instance:
        fields = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in fields}
        flavor = kwargs.get("flavor")
        if isinstance(flavor, dict):
            kwargs["flavor"] = Flavor.from_dict(flavor)
        return cls(**kwargs)
