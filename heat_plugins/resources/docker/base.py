"""What every OS::Docker::* resource shares: endpoint choice, clients, labels, errors."""

from __future__ import annotations

from typing import Any

import docker
from docker import errors as docker_errors
from heat.common import exception
from heat.engine import resource, support
from oslo_config import cfg

from heat_plugins import client as docker_client

CONF = cfg.CONF

#: Labels every object created by the plugin carries, so operators (and tests) can find
#: what a stack owns even if Heat lost track of it.
LABEL_STACK_ID = "stackdock.heat.stack_id"
LABEL_STACK_NAME = "stackdock.heat.stack_name"
LABEL_RESOURCE = "stackdock.heat.resource"
LABEL_MANAGED = "stackdock.heat.managed"


def is_not_found(ex: Exception) -> bool:
    return isinstance(ex, docker_errors.NotFound)


def is_conflict(ex: Exception) -> bool:
    return isinstance(ex, docker_errors.APIError) and ex.status_code == 409


def explain(ex: Exception) -> str:
    """The engine's own words, without docker-py's request line."""
    if isinstance(ex, docker_errors.APIError) and ex.explanation:
        return str(ex.explanation)
    return str(ex)


class DockerResource(resource.Resource):
    """Base of the Docker resources; subclasses define schemas and handlers."""

    support_status = support.SupportStatus(version="27.0.0")
    DOCKER_ENDPOINT = "docker_endpoint"

    # -- endpoint and client -------------------------------------------------------------
    def endpoint(self) -> docker_client.Endpoint:
        return docker_client.resolve(self.properties[self.DOCKER_ENDPOINT], self.context)

    def docker(self) -> docker.APIClient:
        return docker_client.get_client(self.endpoint()).api

    # -- labels ------------------------------------------------------------------------------
    def object_labels(self, extra: dict | None = None) -> dict[str, str]:
        labels = {str(k): str(v) for k, v in (CONF.heat_docker.extra_labels or {}).items()}
        labels.update({str(k): str(v) for k, v in (extra or {}).items()})
        labels.update(
            {
                LABEL_MANAGED: "true",
                LABEL_STACK_ID: self.stack.id or "",
                LABEL_STACK_NAME: self.stack.name,
                LABEL_RESOURCE: self.name,
            }
        )
        return labels

    def docker_name(self, given: str | None) -> str:
        # physical_resource_name is <stack>-<resource>-<short id>: unique per resource.
        return given or self.physical_resource_name()

    # -- validation ----------------------------------------------------------------------
    def validate(self) -> None:
        super().validate()
        try:
            self.endpoint()
        except docker_client.EndpointNotFound as ex:
            raise exception.StackValidationFailed(message=str(ex), resource=self) from None

    def fail(self, message: str) -> exception.Error:
        return exception.Error(f"{self.type()} {self.name}: {message}")

    # -- shared handlers -----------------------------------------------------------------
    def _ignore_not_found(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except docker_errors.NotFound:
            return None

    def get_live_resource_data(self) -> dict:
        try:
            return self._show_resource()
        except docker_errors.NotFound:
            raise exception.EntityNotFound(entity="Resource", name=self.name) from None

    def _resolve_attribute(self, name: str) -> Any:
        if not self.resource_id:
            return None
        try:
            return self.resolve_docker_attribute(name)
        except docker_errors.NotFound:
            return None

    def resolve_docker_attribute(self, name: str) -> Any:
        raise NotImplementedError
