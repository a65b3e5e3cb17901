"""LibvirtDriver: KVM/QEMU guests through libvirt-python, with Nova's driver contract.

Each instance is a persistent domain named ``instance-<uuid>`` (domain uuid = instance
uuid) carrying a ``stackdock:instance`` metadata element; only such domains are listed.
Its files live in ``instances_path/<uuid>/``: ``disk`` (qcow2 overlay on a cached base, or
a raw copy), ``disk.config`` (NoCloud ISO) and ``console.log`` (unless console_log_dir).
Kernels and ramdisks are booted directly from the base cache.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterator
from typing import Any

import libvirt
from oslo_config import cfg

from nova_docker import exception
from nova_docker.conf import CONF
from nova_docker.virt import driver, hardware
from nova_docker.virt.libvirt import (
    builder,
    config,
    events,
    imagebackend,
    resources,
    snapshot,
)
from nova_docker.virt.libvirt import host as lv_host
from nova_docker.virt.libvirt.guest import Guest

LOG = logging.getLogger(__name__)

#: get_console_output returns at most the last this many bytes (as Nova's driver).
MAX_CONSOLE_BYTES = 100 * 1024


class LibvirtDriver(driver.ComputeDriver):
    capabilities = dict(
        driver.ComputeDriver.capabilities,
        has_imagecache=True,
        supports_image_type_aki=True,
        supports_image_type_ari=True,
        supports_image_type_ami=True,
        supports_image_type_qcow2=True,
        supports_image_type_raw=True,
    )

    def __init__(
        self, virtapi: Any = None, read_only: bool = False, conf: cfg.ConfigOpts = CONF
    ) -> None:
        super().__init__(virtapi, read_only)
        self.conf = conf
        self._host = lv_host.Host(
            conf.libvirt.connection_uri,
            read_only=read_only,
            event_handler=self._handle_event,
            domain_filter=self._is_ours,
        )
        # Instances seen by this driver: events of a domain already undefined (destroy's
        # "Stopped") can no longer be checked against its metadata.
        self._known_uuids: set[str] = set()
        self._image_service: Any = None
        self._locks: dict[str, threading.RLock] = {}
        self._locks_guard = threading.Lock()

    # -- configuration-derived names ------------------------------------------------------------
    @property
    def hypervisor_type(self) -> str:  # type: ignore[override]
        return "KVM" if self.conf.libvirt.virt_type == "kvm" else "QEMU"

    @property
    def image_service(self) -> Any:
        if self._image_service is None:
            from nova_docker.image.api import LocalImageService

            self._image_service = LocalImageService(self.conf)
        return self._image_service

    @image_service.setter
    def image_service(self, service: Any) -> None:
        self._image_service = service

    @property
    def image_cache(self) -> imagebackend.ImageCache:
        return imagebackend.ImageCache(self.conf.libvirt.images_path)

    def instance_dir(self, instance: Any) -> str:
        return builder.instance_dir(self.conf, instance)

    def console_log_path(self, instance: Any) -> str:
        return builder.console_log_path(self.conf, instance)

    @contextlib.contextmanager
    def _locked(self, instance: Any) -> Iterator[None]:
        """Serialize operations on one instance (the agent may run several at once)."""
        with self._locks_guard:
            lock = self._locks.setdefault(instance.uuid, threading.RLock())
        with lock:
            yield

    @contextlib.contextmanager
    def _operation(self, instance: Any, action: str) -> Iterator[None]:
        """Locked, with libvirt's errors turned into nova_docker exceptions (RPC-safe)."""
        with self._locked(instance):
            try:
                yield
            except libvirt.libvirtError as exc:
                code = exc.get_error_code()
                if code == libvirt.VIR_ERR_NO_DOMAIN:
                    raise exception.InstanceNotFound(instance_id=instance.uuid) from exc
                if code == libvirt.VIR_ERR_OPERATION_INVALID:
                    raise exception.InstanceInvalidState(
                        instance_uuid=instance.uuid,
                        state=exc.get_error_message(),
                        method=action,
                    ) from exc
                raise exception.NovaDockerException(
                    f"libvirt could not {action} {instance.name}: {exc.get_error_message()}"
                ) from exc

    # -- host -----------------------------------------------------------------------------
    def init_host(self, host: str) -> None:
        lv = self.conf.libvirt
        if lv.virt_type != "kvm" and lv.cpu_mode == "host-passthrough":
            raise exception.Invalid(
                reason="[libvirt] cpu_mode host-passthrough needs virt_type kvm, "
                f"not {lv.virt_type}"
            )
        self._host.initialize()
        if not self._host.supports_domain_type(lv.virt_type):
            raise exception.HypervisorUnavailable(
                reason=f"{lv.connection_uri} offers no '{lv.virt_type}' x86_64 guests; "
                "set [libvirt] virt_type = qemu where KVM is unusable"
            )
        if not self._host.read_only:
            imagebackend.ensure_dir(lv.instances_path)
            imagebackend.ensure_dir(lv.images_path)
        self._known_uuids.update(self.list_instance_uuids())

    def cleanup_host(self, host: str) -> None:
        self._host.close()

    def _mine(self, meta: config.InstanceMetadata | None) -> bool:
        """A stackdock domain of this agent's host (or of no recorded host)."""
        return meta is not None and meta.host in ("", self.conf.compute.host)

    def _is_ours(self, dom: libvirt.virDomain) -> bool:
        if dom.UUIDString() in self._known_uuids:
            return True
        meta = Guest(dom).metadata()
        if not self._mine(meta):
            return False
        self._known_uuids.add(meta.uuid)
        return True

    def _handle_event(self, event: events.LifecycleEvent) -> None:
        self.emit_event(event)

    def get_available_nodes(self, refresh: bool = False) -> list[str]:
        return [self.conf.compute.host]

    def get_nodenames_by_uuid(self, refresh: bool = False) -> dict[str, str]:
        return {self.conf.compute.host: self.conf.compute.host}

    def _resources(self) -> resources.HostResources:
        path = self.conf.libvirt.instances_path
        if not os.path.isdir(path):
            path = os.path.dirname(path.rstrip("/")) or "/"
        return resources.gather(self._host, path)

    def get_available_resource(self, nodename: str) -> dict[str, Any]:
        res = self._resources()
        guests = self._guests()
        vcpus_used = 0
        for guest, _ in guests:
            try:
                if guest.is_active():
                    vcpus_used += guest.info().num_cpu
            except libvirt.libvirtError:  # destroyed while we counted
                continue
        return resources.available_resource(
            res,
            nodename=nodename,
            hypervisor_type=self.hypervisor_type,
            hypervisor_version=self._host.hypervisor_version(),
            vcpus_used=vcpus_used,
            instances=len(guests),
        )

    def update_provider_tree(
        self, provider_tree: Any, nodename: str, allocations: dict | None = None
    ) -> None:
        inventory = resources.inventory(self._resources(), self.conf.libvirt)
        provider_tree.update_inventory(nodename, inventory)

    def get_host_uptime(self) -> str:
        with open("/proc/uptime") as f:
            seconds = float(f.read().split()[0])
        days, rest = divmod(int(seconds), 86400)
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        clock = f"{rest // 3600}:{rest % 3600 // 60:02d}"
        return f"{time.strftime('%H:%M:%S')} up {days} days, {clock}, load average: {load}"

    # -- listing ------------------------------------------------------------------------------
    def _guests(self) -> list[tuple[Guest, config.InstanceMetadata]]:
        """Our domains (stackdock metadata of this host) with their metadata."""
        out = []
        for dom in self._host.list_domains():
            guest = Guest(dom)
            meta = guest.metadata()
            if meta is not None and self._mine(meta):
                out.append((guest, meta))
        return out

    def list_instances(self) -> list[str]:
        return [g.name for g, _ in self._guests()]

    def list_instance_uuids(self) -> list[str]:
        return [m.uuid for _, m in self._guests()]

    def instance_exists(self, instance: Any) -> bool:
        return self._find(instance) is not None

    def _find(self, instance: Any) -> Guest | None:
        dom = self._host.lookup(instance.name)
        if dom is None:
            return None
        guest = Guest(dom)
        return guest if self._mine(guest.metadata()) else None

    def _guest(self, instance: Any) -> Guest:
        guest = self._find(instance)
        if guest is None:
            raise exception.InstanceNotFound(instance_id=instance.uuid)
        return guest

    def get_info(self, instance: Any, use_cache: bool = True) -> hardware.InstanceInfo:
        guest = self._guest(instance)
        try:
            return guest.info(hypervisor=self.hypervisor_type)
        except libvirt.libvirtError as exc:
            if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                raise exception.InstanceNotFound(instance_id=instance.uuid) from exc
            raise

    # -- spawn --------------------------------------------------------------------------------
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
        image = builder.check_image(self.image_service, image_meta)
        resources.check_flavor_fits(
            instance.flavor, self._resources(), self.conf.libvirt.reserved_host_memory_mb
        )
        props = builder.merged_properties(image, image_meta)
        with self._locked(instance):
            if self._host.lookup(instance.name) is not None:
                raise exception.InstanceExists(name=instance.name)
            inst_dir = self.instance_dir(instance)
            dom = None
            self._known_uuids.add(instance.uuid)
            try:
                xml = builder.prepare(self.conf, self.image_service, instance, image, props)
                dom = self._host.get_connection().defineXML(xml)
                if power_on:
                    Guest(dom).launch()
            except BaseException as exc:
                self._cleanup_failed_spawn(instance, dom, inst_dir)
                if isinstance(exc, libvirt.libvirtError):
                    raise exception.InstanceDeployFailure(
                        reason=f"libvirt refused {instance.name}: {exc.get_error_message()}"
                    ) from exc
                if isinstance(exc, OSError):  # e.g. instances_path full or not writable
                    raise exception.InstanceDeployFailure(
                        reason=f"cannot create the files of {instance.name}: {exc}"
                    ) from exc
                raise
        LOG.info("spawned %s from image %s", instance.name, image["id"])

    def _cleanup_failed_spawn(self, instance: Any, dom: Any, inst_dir: str) -> None:
        """Leave nothing behind: no domain, no instance directory, no console log."""
        try:
            if dom is not None:
                guest = Guest(dom)
                guest.poweroff()
                guest.undefine()
        except libvirt.libvirtError:
            LOG.exception("could not remove the domain of failed spawn %s", instance.name)
        self._remove_files(instance)

    def _remove_files(self, instance: Any) -> None:
        shutil.rmtree(self.instance_dir(instance), ignore_errors=True)
        with contextlib.suppress(FileNotFoundError, NotADirectoryError):
            os.unlink(self.console_log_path(instance))

    # -- destroy ------------------------------------------------------------------------------
    def destroy(
        self,
        context: Any,
        instance: Any,
        network_info: Any,
        block_device_info: Any = None,
        destroy_disks: bool = True,
        destroy_secrets: bool = True,
    ) -> None:
        """Power off and undefine; remove the instance's files. Never InstanceNotFound."""
        with self._locked(instance):
            try:
                guest = self._find(instance)  # never another agent's domain
                if guest is not None:
                    guest.poweroff()
                    guest.undefine()
            except libvirt.libvirtError as exc:
                raise exception.NovaDockerException(
                    f"libvirt could not destroy {instance.name}: {exc.get_error_message()}"
                ) from exc
            if destroy_disks:
                self._remove_files(instance)
        with self._locks_guard:
            self._locks.pop(instance.uuid, None)

    # -- power --------------------------------------------------------------------------------
    def _soft_reboot(self, guest: Guest) -> bool:
        """ACPI shutdown, wait, start. False when the guest ignored the button in time."""
        if guest.libvirt_state() != libvirt.VIR_DOMAIN_RUNNING:
            return False
        guest.shutdown()
        if not guest.wait_for_state(
            {libvirt.VIR_DOMAIN_SHUTOFF}, self.conf.libvirt.shutdown_timeout
        ):
            LOG.warning("%s ignored the ACPI shutdown; rebooting it hard", guest.name)
            return False
        guest.launch()
        return True

    def _hard_reboot(self, guest: Guest) -> None:
        guest.poweroff()
        if guest.has_managed_save():  # a hard reboot boots afresh
            guest.domain.managedSaveRemove(0)
        guest.launch()

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
        with self._operation(instance, "reboot"):
            guest = self._guest(instance)
            if reboot_type == driver.REBOOT_SOFT and self._soft_reboot(guest):
                return
            self._hard_reboot(guest)

    def power_off(self, instance: Any, timeout: int = 0, retry_interval: int = 0) -> None:
        """ACPI shutdown for up to timeout seconds (0: at once), then hard power off."""
        with self._operation(instance, "power off"):
            guest = self._guest(instance)
            if timeout and guest.libvirt_state() == libvirt.VIR_DOMAIN_RUNNING:
                deadline = time.monotonic() + timeout
                step = retry_interval if retry_interval > 0 else timeout
                while time.monotonic() < deadline:
                    guest.shutdown()
                    wait = min(step, max(deadline - time.monotonic(), 0))
                    if guest.wait_for_state({libvirt.VIR_DOMAIN_SHUTOFF}, wait):
                        break
            guest.poweroff()
            if guest.has_managed_save():  # powered off means off, not suspended
                guest.domain.managedSaveRemove(0)

    def power_on(
        self,
        context: Any,
        instance: Any,
        network_info: Any,
        block_device_info: Any = None,
        accel_info: Any = None,
        share_info: Any = None,
    ) -> None:
        with self._operation(instance, "power on"):
            guest = self._guest(instance)
            state = guest.libvirt_state()
            if state == libvirt.VIR_DOMAIN_PAUSED:
                guest.resume()
            elif not guest.is_active():
                guest.launch()

    def _invalid_state(self, instance: Any, guest: Guest, method: str) -> exception.Invalid:
        return exception.InstanceInvalidState(
            instance_uuid=instance.uuid,
            state=guest.power_state(),
            method=method,
        )

    def pause(self, instance: Any) -> None:
        with self._operation(instance, "pause"):
            guest = self._guest(instance)
            if guest.libvirt_state() != libvirt.VIR_DOMAIN_RUNNING:
                raise self._invalid_state(instance, guest, "pause")
            guest.pause()

    def unpause(self, instance: Any) -> None:
        with self._operation(instance, "unpause"):
            guest = self._guest(instance)
            if guest.libvirt_state() != libvirt.VIR_DOMAIN_PAUSED:
                raise self._invalid_state(instance, guest, "unpause")
            guest.resume()

    def suspend(self, context: Any, instance: Any) -> None:
        """Save the guest's memory to disk (managed save) and stop it."""
        with self._operation(instance, "suspend"):
            guest = self._guest(instance)
            if not guest.is_active():
                raise self._invalid_state(instance, guest, "suspend")
            guest.managed_save()

    def resume(
        self,
        context: Any,
        instance: Any,
        network_info: Any,
        block_device_info: Any = None,
        share_info: Any = None,
    ) -> None:
        with self._operation(instance, "resume"):
            guest = self._guest(instance)
            if guest.is_active():
                raise self._invalid_state(instance, guest, "resume")
            guest.launch()  # restores the managed save

    # -- console and snapshot -------------------------------------------------------------------
    def get_console_output(self, context: Any, instance: Any) -> str:
        self._guest(instance)
        path = self.console_log_path(instance)
        try:
            with open(path, "rb") as f:
                f.seek(0, os.SEEK_END)
                size = f.tell()
                f.seek(max(size - MAX_CONSOLE_BYTES, 0))
                data = f.read(MAX_CONSOLE_BYTES)
        except FileNotFoundError:
            return ""
        return data.decode("utf-8", errors="replace")

    def snapshot(self, context: Any, instance: Any, image_id: str, update_task_state: Any) -> None:
        with self._operation(instance, "snapshot"):
            guest = self._guest(instance)
            snapshot.take(
                guest,
                self.image_service,
                image_id,
                update_task_state,
                self.instance_dir(instance),
                instance.uuid,
            )
