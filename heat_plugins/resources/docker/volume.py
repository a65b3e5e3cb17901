"""OS::Docker::Volume: a named Docker volume. Volumes cannot change; updates replace."""

from __future__ import annotations

from typing import Any

from docker import errors as docker_errors
from heat.engine import attributes, constraints
from heat.engine import properties as p

from heat_plugins.resources.docker import base
from heat_plugins.resources.docker.container_schema import ENDPOINT_SCHEMA

S = p.Schema
A = attributes.Schema


class DockerVolume(base.DockerResource):
    PROPERTIES = (DOCKER_ENDPOINT, NAME, DRIVER, DRIVER_OPTS, LABELS) = (
        "docker_endpoint", "name", "driver", "driver_opts", "labels",
    )  # fmt: skip
    ATTRIBUTES = (VOLUME_NAME, MOUNTPOINT, INFO) = ("name", "mountpoint", "info")

    properties_schema = {
        DOCKER_ENDPOINT: ENDPOINT_SCHEMA,
        NAME: S(S.STRING, "Volume name (default: derived from stack and resource names).",
                constraints=[constraints.Length(1, 128)]),
        DRIVER: S(S.STRING, "Volume driver.", default="local"),
        DRIVER_OPTS: S(S.MAP, "Driver options."),
        LABELS: S(S.MAP, "Extra labels on the volume."),
    }  # fmt: skip

    attributes_schema = {
        VOLUME_NAME: A("Docker name of the volume.", type=A.STRING),
        MOUNTPOINT: A("Where the volume lives on the engine's host.", type=A.STRING),
        INFO: A("Volume inspect data.", type=A.MAP, cache_mode=A.CACHE_NONE),
    }

    def handle_create(self) -> str:
        name = self.docker_name(self.properties[self.NAME])
        api = self.docker()
        try:
            api.inspect_volume(name)
        except docker_errors.NotFound:
            pass
        else:
            # Docker would silently hand back the existing volume: refuse to adopt it.
            raise self.fail(f"volume {name} already exists")
        try:
            created = api.create_volume(
                name,
                driver=self.properties[self.DRIVER],
                driver_opts=self.properties[self.DRIVER_OPTS] or None,
                labels=self.object_labels(self.properties[self.LABELS]),
            )
        except docker_errors.APIError as ex:
            raise self.fail(f"cannot create volume: {base.explain(ex)}") from None
        self.resource_id_set(created["Name"])
        return created["Name"]

    def handle_delete(self) -> None:
        if not self.resource_id:
            return
        try:
            self.docker().remove_volume(self.resource_id)
        except docker_errors.NotFound:
            pass

    def handle_check(self) -> None:
        try:
            self.docker().inspect_volume(self.resource_id)
        except docker_errors.NotFound:
            raise self.fail(f"volume {self.resource_id} does not exist") from None

    def _show_resource(self) -> dict:
        return self.docker().inspect_volume(self.resource_id)

    def resolve_docker_attribute(self, name: str) -> Any:
        info = self.docker().inspect_volume(self.resource_id)
        return {self.VOLUME_NAME: info["Name"], self.MOUNTPOINT: info.get("Mountpoint")}.get(
            name, info
        )
