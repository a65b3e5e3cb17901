"""OS::Docker::Network: a user-defined Docker network (bridge by default).

Docker cannot change a network in place, so every property change replaces it. Networks
cannot be renamed either: give ``name`` only when it must be fixed, and change it together
with other properties (the default name holds a per-resource id and never collides).
"""

from __future__ import annotations

from typing import Any

from docker import errors as docker_errors
from docker import types
from heat.engine import attributes, constraints
from heat.engine import properties as p

from heat_plugins.resources.docker import base
from heat_plugins.resources.docker.container_schema import ENDPOINT_SCHEMA

S = p.Schema
A = attributes.Schema


class DockerNetwork(base.DockerResource):
    PROPERTIES = (
        DOCKER_ENDPOINT, NAME, DRIVER, INTERNAL, ATTACHABLE, ENABLE_IPV6, SUBNETS, OPTIONS,
        LABELS,
    ) = (
        "docker_endpoint", "name", "driver", "internal", "attachable", "enable_ipv6",
        "subnets", "options", "labels",
    )  # fmt: skip
    ATTRIBUTES = (NETWORK_NAME, NETWORK_ID, INFO) = ("name", "id", "info")

    properties_schema = {
        DOCKER_ENDPOINT: ENDPOINT_SCHEMA,
        NAME: S(S.STRING, "Network name (default: derived from stack and resource names).",
                constraints=[constraints.Length(1, 128)]),
        DRIVER: S(S.STRING, "Network driver.", default="bridge"),
        INTERNAL: S(S.BOOLEAN, "No outside connectivity.", default=False),
        ATTACHABLE: S(S.BOOLEAN, "Attachable by standalone containers (overlay).",
                      default=False),
        ENABLE_IPV6: S(S.BOOLEAN, "Enable IPv6.", default=False),
        SUBNETS: S(S.LIST, "IPAM pools.", schema=S(S.MAP, schema={
            "subnet": S(S.STRING, "CIDR, e.g. 172.30.0.0/24.", required=True),
            "gateway": S(S.STRING, "Gateway address."),
            "ip_range": S(S.STRING, "Range containers get addresses from."),
        })),
        OPTIONS: S(S.MAP, "Driver options."),
        LABELS: S(S.MAP, "Extra labels on the network."),
    }  # fmt: skip

    attributes_schema = {
        NETWORK_NAME: A("Docker name of the network.", type=A.STRING),
        NETWORK_ID: A("Docker id of the network.", type=A.STRING),
        INFO: A("Network inspect data.", type=A.MAP, cache_mode=A.CACHE_NONE),
    }

    def handle_create(self) -> str:
        api = self.docker()
        subnets = self.properties[self.SUBNETS] or []
        ipam = None
        if subnets:
            ipam = types.IPAMConfig(
                pool_configs=[
                    types.IPAMPool(
                        subnet=s["subnet"], gateway=s.get("gateway"), iprange=s.get("ip_range")
                    )
                    for s in subnets
                ]
            )
        try:
            created = api.create_network(
                self.docker_name(self.properties[self.NAME]),
                driver=self.properties[self.DRIVER],
                options=self.properties[self.OPTIONS] or None,
                ipam=ipam,
                internal=self.properties[self.INTERNAL],
                attachable=self.properties[self.ATTACHABLE] or None,
                enable_ipv6=self.properties[self.ENABLE_IPV6] or None,
                labels=self.object_labels(self.properties[self.LABELS]),
                check_duplicate=True,
            )
        except docker_errors.APIError as ex:
            raise self.fail(f"cannot create network: {base.explain(ex)}") from None
        self.resource_id_set(created["Id"])
        return created["Id"]

    def handle_delete(self) -> None:
        if not self.resource_id:
            return
        try:
            self.docker().remove_network(self.resource_id)
        except docker_errors.NotFound:
            pass

    def handle_check(self) -> None:
        try:
            self.docker().inspect_network(self.resource_id)
        except docker_errors.NotFound:
            raise self.fail(f"network {self.resource_id} does not exist") from None

    def _show_resource(self) -> dict:
        return self.docker().inspect_network(self.resource_id)

    def resolve_docker_attribute(self, name: str) -> Any:
        info = self.docker().inspect_network(self.resource_id)
        return {self.NETWORK_NAME: info["Name"], self.NETWORK_ID: info["Id"]}.get(name, info)
