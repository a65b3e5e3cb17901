"""Client side of the nova-docker-compute RPC API.

Every method is a ``call`` addressed to one agent (``server=host``) with a timeout taken
from ``[compute]``; an agent that does not answer in time raises
:class:`~nova_docker.exception.ComputeUnavailable`. Errors raised by the agent come back as
their own ``nova_docker.exception`` classes. Arguments and results are plain JSON values.

API versions:

* 1.0 - spawn, destroy, reboot, power_off/on, pause/unpause, suspend/resume, snapshot,
  get_info, get_console_output, list_instances, get_addresses, ensure_network,
  delete_network, get_host_report, ping.
"""

from __future__ import annotations

from typing import Any

import oslo_messaging as messaging
from oslo_config import cfg

from nova_docker import exception
from nova_docker.common import context as context_module
from nova_docker.common import rpc
from nova_docker.conf import CONF

#: The topic every agent listens on; the server name is the agent's ``[compute] host``.
TOPIC = "nova-docker-compute"
#: The latest API version this code speaks (client and server).
RPC_API_VERSION = "1.0"


class ComputeAPI:
    """RPC client of the compute agents (one instance can address every host)."""

    def __init__(
        self, transport: messaging.Transport | None = None, conf: cfg.ConfigOpts = CONF
    ) -> None:
        self.conf = conf
        self.transport = transport or rpc.get_transport(conf)
        self.version_cap = conf.compute.rpc_version_cap or RPC_API_VERSION
        self.client = rpc.get_client(
            self.transport, TOPIC, RPC_API_VERSION, version_cap=self.version_cap
        )

    # -- plumbing ----------------------------------------------------------------
    def _call(
        self,
        ctxt: Any,
        host: str,
        method: str,
        call_timeout: float | None = None,
        call_version: str = "1.0",
        **kwargs: Any,
    ) -> Any:
        if not host or not isinstance(host, str):
            raise exception.Invalid(reason=f"a compute host name is required, got {host!r}")
        timeout = self.conf.compute.rpc_timeout if call_timeout is None else call_timeout
        if ctxt is None:
            ctxt = context_module.get_admin_context()
        cctxt = self.client.prepare(server=host, version=call_version, timeout=timeout)
        try:
            return cctxt.call(ctxt, method, **kwargs)
        except messaging.MessagingTimeout as exc:
            raise exception.ComputeUnavailable(
                host=host,
                timeout=timeout,
                reason=f"no answer to {method}; the agent may be down or overloaded "
                f"(check its heartbeat reports) ({exc})",
            ) from exc

    def _long(self) -> float:
        return float(self.conf.compute.spawn_timeout)

    # -- lifecycle ---------------------------------------------------------------
    def spawn(
        self,
        ctxt: Any,
        host: str,
        instance: dict[str, Any],
        image_id: str,
        injected_files: list[list[str]] | None = None,
        network_info: list[dict[str, Any]] | None = None,
        power_on: bool = True,
    ) -> dict[str, Any]:
        """Create and (by default) start an instance; returns its info and hypervisor."""
        return self._call(
            ctxt,
            host,
            "spawn",
            call_timeout=self._long(),
            instance=instance,
            image_id=image_id,
            injected_files=injected_files,
            network_info=network_info,
            power_on=power_on,
        )

    def destroy(self, ctxt: Any, host: str, instance_uuid: str) -> None:
        return self._call(ctxt, host, "destroy", instance_uuid=instance_uuid)

    def reboot(self, ctxt: Any, host: str, instance_uuid: str, reboot_type: str = "SOFT") -> None:
        return self._call(
            ctxt,
            host,
            "reboot",
            call_timeout=self._long(),
            instance_uuid=instance_uuid,
            reboot_type=reboot_type,
        )

    def power_off(self, ctxt: Any, host: str, instance_uuid: str, timeout: int = 60) -> None:
        return self._call(
            ctxt,
            host,
            "power_off",
            call_timeout=self.conf.compute.rpc_timeout + max(int(timeout or 0), 0),
            instance_uuid=instance_uuid,
            timeout=timeout,
        )

    def power_on(self, ctxt: Any, host: str, instance_uuid: str) -> None:
        return self._call(ctxt, host, "power_on", instance_uuid=instance_uuid)

    def pause(self, ctxt: Any, host: str, instance_uuid: str) -> None:
        return self._call(ctxt, host, "pause", instance_uuid=instance_uuid)

    def unpause(self, ctxt: Any, host: str, instance_uuid: str) -> None:
        return self._call(ctxt, host, "unpause", instance_uuid=instance_uuid)

    def suspend(self, ctxt: Any, host: str, instance_uuid: str) -> None:
        return self._call(ctxt, host, "suspend", instance_uuid=instance_uuid)

    def resume(self, ctxt: Any, host: str, instance_uuid: str) -> None:
        return self._call(ctxt, host, "resume", instance_uuid=instance_uuid)

    def snapshot(self, ctxt: Any, host: str, instance_uuid: str, image_name: str) -> str:
        """Snapshot an instance into a new image; returns the new image's id."""
        return self._call(
            ctxt,
            host,
            "snapshot",
            call_timeout=self._long(),
            instance_uuid=instance_uuid,
            image_name=image_name,
        )

    # -- queries -----------------------------------------------------------------
    def get_info(self, ctxt: Any, host: str, instance_uuid: str) -> dict[str, Any]:
        return self._call(ctxt, host, "get_info", instance_uuid=instance_uuid)

    def get_console_output(self, ctxt: Any, host: str, instance_uuid: str) -> str:
        return self._call(ctxt, host, "get_console_output", instance_uuid=instance_uuid)

    def list_instances(self, ctxt: Any, host: str) -> list[dict[str, Any]]:
        """[{"uuid", "name", "hypervisor", "state", "state_name"}] of the host's instances."""
        return self._call(ctxt, host, "list_instances")

    # -- networks (Docker side) ----------------------------------------------------
    def get_addresses(self, ctxt: Any, host: str, instance_uuid: str) -> dict[str, Any]:
        return self._call(ctxt, host, "get_addresses", instance_uuid=instance_uuid)

    def ensure_network(
        self, ctxt: Any, host: str, name: str, labels: dict[str, str] | None = None
    ) -> dict[str, Any]:
        return self._call(ctxt, host, "ensure_network", name=name, labels=labels)

    def delete_network(self, ctxt: Any, host: str, name: str) -> None:
        return self._call(ctxt, host, "delete_network", name=name)

    # -- host ----------------------------------------------------------------------
    def get_host_report(self, ctxt: Any, host: str) -> dict[str, Any]:
        """The same capacity report the agent casts periodically, made now."""
        return self._call(ctxt, host, "get_host_report")

    def ping(self, ctxt: Any, host: str) -> dict[str, Any]:
        """A cheap round trip: {"host", "version", "time", "shutting_down"}."""
        return self._call(ctxt, host, "ping")
