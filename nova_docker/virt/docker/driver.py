"""DockerDriver: Nova's ComputeDriver contract on a Docker engine.

Each instance is one container named ``nova-<uuid>``, labelled with its instance so the
engine is the source of truth (see doc/nova_docker.md). The modules next to this one do the
work: spec (arguments), lifecycle (create/remove), networks, images, state, host, snapshot.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

import docker.errors
from oslo_log import log as logging

from nova_docker import exception
from nova_docker.conf import CONF
from nova_docker.image.api import LocalImageService
from nova_docker.virt import driver, hardware
from nova_docker.virt.docker import client, files, host, lifecycle, networks, spec, state
from nova_docker.virt.docker import snapshot as snapshot_mod

LOG = logging.getLogger(__name__)


class DockerDriver(driver.ComputeDriver):
    hypervisor_type = "docker"

    capabilities = dict(
        driver.ComputeDriver.capabilities,
        supports_attach_interface=True,
        supports_image_type_raw=True,
    )

    def __init__(self, virtapi: Any = None, read_only: bool = False, image_service: Any = None):
        super().__init__(virtapi, read_only)
        self.conf = CONF
        self.client = client.EngineClient(CONF)
        self.image_service = image_service if image_service is not None else LocalImageService()
        self._nodename = socket.gethostname()
        self._host_info: dict[str, Any] | None = None
        self._version: dict[str, Any] | None = None
        # Docker has no suspend-to-disk: suspend freezes the container (docker pause), and
        # this set lets get_info tell a suspended instance from a paused one.
        self._suspended: set[str] = set()
        self._lock = threading.Lock()
        self.last_reconcile: dict[str, Any] = {}

    # -- plumbing ---------------------------------------------------------------------
    @property
    def api(self) -> Any:
        return self.client.api

    @contextlib.contextmanager
    def _engine(self, instance: Any = None, action: str = "") -> Iterator[None]:
        """Translate engine errors of one operation on an instance into our exceptions."""
        with self.client.unavailable_as_hypervisor_error():
            try:
                yield
            except docker.errors.NotFound as exc:
                if instance is not None:
                    raise exception.InstanceNotFound(instance_id=instance.uuid) from exc
                raise exception.NotFound(reason=client.engine_message(exc)) from exc
            except docker.errors.APIError as exc:
                message = client.engine_message(exc)
                if instance is not None and exc.status_code == 409:
                    raise exception.InstanceInvalidState(
                        f"Instance {instance.uuid} cannot {action}: {message}",
                        instance_uuid=instance.uuid,
                        method=action,
                    ) from exc
                raise exception.NovaDockerException(
                    f"{action or 'engine call'} failed: {message}"
                ) from exc

    def _name(self, instance: Any) -> str:
        return client.container_name(instance.uuid)

    def _label_filters(self) -> list[str]:
        extra = [f"{k}={v}" for k, v in sorted((self.conf.docker.labels or {}).items())]
        return [f"{client.LABEL_MANAGED}=true", *extra]

    def _managed(self) -> list[dict[str, Any]]:
        with self._engine(action="list containers"):
            return self.api.containers(all=True, filters={"label": self._label_filters()})

    def _info(self) -> dict[str, Any]:
        if self._host_info is None:
            with self._engine(action="read host information"):
                self._host_info = self.api.info()
        return self._host_info

    # -- host -------------------------------------------------------------------------
    def init_host(self, host: str) -> None:
        if host:
            self._nodename = host
        self.client.ping()
        self._host_info = None
        self._info()
        report = self.reconcile()
        for uuid in report["unknown"]:
            item = report["instances"][uuid]
            LOG.info(
                "Found container %s of instance %s (%s) on the engine",
                item["container_name"],
                uuid,
                item["status"],
            )
        for name in report["unlabelled"]:
            LOG.warning("Managed container %s carries no instance uuid label", name)

    def reconcile(self, known_uuids: set[str] | list[str] | None = None) -> dict[str, Any]:
        """Compare the engine's labelled containers with the instances a caller knows."""
        known = set(known_uuids) if known_uuids is not None else None
        self.last_reconcile = state.reconcile(self._managed(), known)
        return self.last_reconcile

    def cleanup_host(self, host: str) -> None:
        self.client.close()

    def get_available_nodes(self, refresh: bool = False) -> list[str]:
        return [self._nodename]

    def get_nodenames_by_uuid(self, refresh: bool = False) -> dict[str, str]:
        return {self._nodename: self._nodename}

    def get_host_ip_addr(self) -> str:
        return self.conf.docker.publish_host

    def get_available_resource(self, nodename: str) -> dict[str, Any]:
        info = self._info()
        with self._engine(action="read engine version"):
            self._version = self._version or self.api.version()
        return host.available_resource(info, self._version, self._managed(), nodename)

    def update_provider_tree(
        self, provider_tree: Any, nodename: str, allocations: dict | None = None
    ) -> None:
        resources = self.get_available_resource(nodename)
        provider_tree.update_inventory(nodename, host.inventory(resources, self.conf))

    def get_host_uptime(self) -> str:
        return host.uptime()

    # -- listing ------------------------------------------------------------------------
    def list_instances(self) -> list[str]:
        return [
            c["Labels"].get(client.LABEL_NAME) or c["Names"][0].lstrip("/")
            for c in self._managed()
            if c.get("Labels", {}).get(client.LABEL_UUID)
        ]

    def list_instance_uuids(self) -> list[str]:
        return [
            c["Labels"][client.LABEL_UUID]
            for c in self._managed()
            if (c.get("Labels") or {}).get(client.LABEL_UUID)
        ]

    def instance_exists(self, instance: Any) -> bool:
        with self.client.unavailable_as_hypervisor_error():
            try:
                attrs = self.api.inspect_container(self._name(instance))
            except docker.errors.NotFound:
                return False
        labels = (attrs.get("Config") or {}).get("Labels") or {}
        return labels.get(client.LABEL_UUID) == instance.uuid

    # -- lifecycle ----------------------------------------------------------------------
    def _host_fits(self, flavor: Any) -> None:
        info = self._info()
        spec.check_flavor_fits(
            flavor, int(info.get("NCPU") or 0), int(info.get("MemTotal") or 0) // host.MIB
        )

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
        container_spec = spec.build(instance, image_meta, network_info, self.conf)
        key = getattr(instance, "key_data", None) if self.conf.docker.inject_key else None
        injected = files.collect(injected_files, key)
        self._host_fits(instance.flavor)
        with self.client.unavailable_as_hypervisor_error():
            lifecycle.spawn(
                self.api,
                self.conf,
                container_spec,
                injected,
                power_on,
                getattr(image_meta, "id", None),
                self.image_service,
            )
        LOG.info("Spawned instance %s as container %s", instance.uuid, container_spec.name)

    def destroy(
        self,
        context: Any,
        instance: Any,
        network_info: Any,
        block_device_info: Any = None,
        destroy_disks: bool = True,
        destroy_secrets: bool = True,
    ) -> None:
        with self._engine(action="destroy"):
            lifecycle.remove(self.api, self._name(instance))
        self._suspended.discard(instance.uuid)

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
        timeout = 0 if reboot_type == driver.REBOOT_HARD else self.conf.docker.stop_timeout
        name = self._name(instance)
        with self._engine(instance, "reboot"):
            self._unfreeze(instance)
            self.api.restart(name, timeout=timeout)

    def _unfreeze(self, instance: Any) -> None:
        """A frozen (paused) container must thaw before it can stop or restart cleanly."""
        attrs = self.api.inspect_container(self._name(instance))
        if (attrs.get("State") or {}).get("Paused"):
            self.api.unpause(self._name(instance))
        self._suspended.discard(instance.uuid)

    def power_off(self, instance: Any, timeout: int = 0, retry_interval: int = 0) -> None:
        """Stop the container: SIGTERM, then SIGKILL after timeout seconds (0: at once)."""
        with self._engine(instance, "power off"):
            self._unfreeze(instance)
            self.api.stop(self._name(instance), timeout=int(timeout or 0))

    def power_on(
        self,
        context: Any,
        instance: Any,
        network_info: Any,
        block_device_info: Any = None,
        accel_info: Any = None,
        share_info: Any = None,
    ) -> None:
        with self._engine(instance, "power on"):
            self._unfreeze(instance)
            self.api.start(self._name(instance))

    def pause(self, instance: Any) -> None:
        with self._engine(instance, "pause"):
            try:
                self.api.pause(self._name(instance))
            except docker.errors.APIError as exc:
                if "already paused" not in client.engine_message(exc):
                    raise

    def unpause(self, instance: Any) -> None:
        with self._engine(instance, "unpause"):
            try:
                self.api.unpause(self._name(instance))
            except docker.errors.APIError as exc:
                if "is not paused" not in client.engine_message(exc):
                    raise
        self._suspended.discard(instance.uuid)

    def suspend(self, context: Any, instance: Any) -> None:
        """Freeze the container in memory (docker pause); there is no suspend-to-disk."""
        self.pause(instance)
        self._suspended.add(instance.uuid)

    def resume(
        self,
        context: Any,
        instance: Any,
        network_info: Any,
        block_device_info: Any = None,
        share_info: Any = None,
    ) -> None:
        self.unpause(instance)

    # -- inspection ------------------------------------------------------------------------
    def get_info(self, instance: Any, use_cache: bool = True) -> hardware.InstanceInfo:
        name = self._name(instance)
        with self._engine(instance, "get info"):
            attrs = self.api.inspect_container(name)
            stats = None
            if (attrs.get("State") or {}).get("Running"):
                try:
                    stats = self.api.stats(name, stream=False, one_shot=True)
                except docker.errors.APIError:
                    stats = None  # it stopped between the two calls
        return state.instance_info(attrs, stats, instance.uuid in self._suspended)

    def get_console_output(self, context: Any, instance: Any) -> str:
        limit = self.conf.docker.console_max_bytes
        with self._engine(instance, "read console"):
            # Lines are at least one byte: asking for `limit` lines is always enough.
            raw = self.api.logs(self._name(instance), stdout=True, stderr=True, tail=limit)
        return raw[-limit:].decode("utf-8", "replace")

    def get_addresses(self, instance: Any) -> dict[str, Any]:
        """The instance's network addresses and published ports (for the compute agent)."""
        with self._engine(instance, "read addresses"):
            return networks.addresses(self.api.inspect_container(self._name(instance)))

    def snapshot(self, context: Any, instance: Any, image_id: str, update_task_state: Any) -> None:
        with self.client.unavailable_as_hypervisor_error():
            snapshot_mod.snapshot(
                self.api, self.conf, self.image_service, instance, image_id, update_task_state
            )

    # -- networks -------------------------------------------------------------------------
    def ensure_network(
        self,
        name: str,
        labels: dict[str, str] | None = None,
        internal: bool = False,
        subnet: str | None = None,
        gateway: str | None = None,
    ) -> dict[str, Any]:
        """Create a stackdock bridge network unless it exists (not in Nova's contract)."""
        with self._engine(action=f"ensure network {name}"):
            return networks.ensure(self.api, self.conf, name, labels, internal, subnet, gateway)

    def delete_network(self, name: str) -> None:
        """Delete a stackdock-created network; missing is fine (not in Nova's contract)."""
        with self._engine(action=f"delete network {name}"):
            networks.delete(self.api, name)

    def attach_interface(self, context: Any, instance: Any, image_meta: Any, vif: Any) -> None:
        parsed = spec.parse_vif(vif)
        with self.client.unavailable_as_hypervisor_error():
            try:
                networks.connect(self.api, self._name(instance), parsed)
            except docker.errors.NotFound as exc:
                raise exception.InstanceNotFound(instance_id=instance.uuid) from exc
            except docker.errors.APIError as exc:
                raise exception.InterfaceAttachFailed(
                    instance_uuid=instance.uuid, reason=client.engine_message(exc)
                ) from exc

    def detach_interface(self, context: Any, instance: Any, vif: Any) -> None:
        parsed = spec.parse_vif(vif)
        with self.client.unavailable_as_hypervisor_error():
            if not self.instance_exists(instance):
                raise exception.InstanceNotFound(instance_id=instance.uuid)
            try:
                if not networks.disconnect(self.api, self._name(instance), parsed.network):
                    LOG.info(
                        "Instance %s was not on network %s; nothing to detach",
                        instance.uuid,
                        parsed.network,
                    )
            except docker.errors.APIError as exc:
                raise exception.InterfaceDetachFailed(
                    instance_uuid=instance.uuid, reason=client.engine_message(exc)
                ) from exc
