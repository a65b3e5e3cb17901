"""A thin wrapper on virDomain: the operations the driver needs, with libvirt's quirks.

Power states use Nova's values; a shut-off domain holding a managed-save image is reported
SUSPENDED (that is what suspend() leaves behind).
"""

from __future__ import annotations

import logging
import time

import libvirt

from nova_docker.virt import hardware, power_state
from nova_docker.virt.libvirt import config

LOG = logging.getLogger(__name__)

#: libvirt domain state -> Nova power state.
STATE_MAP = {
    libvirt.VIR_DOMAIN_NOSTATE: power_state.NOSTATE,
    libvirt.VIR_DOMAIN_RUNNING: power_state.RUNNING,
    # A blocked domain is running but waiting (e.g. for I/O); Nova counts it as running.
    libvirt.VIR_DOMAIN_BLOCKED: power_state.RUNNING,
    libvirt.VIR_DOMAIN_PAUSED: power_state.PAUSED,
    libvirt.VIR_DOMAIN_SHUTDOWN: power_state.SHUTDOWN,
    libvirt.VIR_DOMAIN_SHUTOFF: power_state.SHUTDOWN,
    libvirt.VIR_DOMAIN_CRASHED: power_state.CRASHED,
    libvirt.VIR_DOMAIN_PMSUSPENDED: power_state.SUSPENDED,
}

_UNDEFINE_FLAGS = (
    libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
    | libvirt.VIR_DOMAIN_UNDEFINE_NVRAM
    | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
    | libvirt.VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA
)


def map_state(libvirt_state: int, has_managed_save: bool = False) -> int:
    state = STATE_MAP.get(libvirt_state, power_state.NOSTATE)
    if state == power_state.SHUTDOWN and has_managed_save:
        return power_state.SUSPENDED
    return state


def _code(exc: libvirt.libvirtError) -> int:
    return exc.get_error_code()


class Guest:
    def __init__(self, domain: libvirt.virDomain) -> None:
        self._domain = domain

    @property
    def domain(self) -> libvirt.virDomain:
        return self._domain

    @property
    def uuid(self) -> str:
        return self._domain.UUIDString()

    @property
    def name(self) -> str:
        return self._domain.name()

    # -- state ----------------------------------------------------------------------------
    def libvirt_state(self) -> int:
        return self._domain.state()[0]

    def is_active(self) -> bool:
        return bool(self._domain.isActive())

    def has_managed_save(self) -> bool:
        try:
            return bool(self._domain.hasManagedSaveImage(0))
        except libvirt.libvirtError:
            return False

    def power_state(self) -> int:
        state = self.libvirt_state()
        managed = state == libvirt.VIR_DOMAIN_SHUTOFF and self.has_managed_save()
        return map_state(state, managed)

    def info(self, hypervisor: str = "") -> hardware.InstanceInfo:
        state, max_mem, mem, ncpu, cpu_time = self._domain.info()
        managed = state == libvirt.VIR_DOMAIN_SHUTOFF and self.has_managed_save()
        return hardware.InstanceInfo(
            state=map_state(state, managed),
            internal_id=self.uuid,
            max_mem_kb=int(max_mem),
            mem_kb=int(mem),
            num_cpu=int(ncpu),
            cpu_time_ns=int(cpu_time),
            hypervisor=hypervisor,
        )

    def wait_for_state(self, states: set[int], timeout: float, poll: float = 0.25) -> bool:
        """Poll until the libvirt state is one of states; False on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if self.libvirt_state() in states:
                    return True
            except libvirt.libvirtError as exc:
                if _code(exc) == libvirt.VIR_ERR_NO_DOMAIN:
                    return libvirt.VIR_DOMAIN_SHUTOFF in states
                raise
            if time.monotonic() >= deadline:
                return False
            time.sleep(poll)

    def metadata(self) -> config.InstanceMetadata | None:
        """Our metadata element, or None if the domain is not one of ours."""
        try:
            xml = self._domain.metadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, config.METADATA_NS, 0)
        except libvirt.libvirtError:
            return None
        try:
            return config.InstanceMetadata.from_xml(xml)
        except (ValueError, SyntaxError):
            return None

    # -- operations ---------------------------------------------------------------------------
    def launch(self, attempts: int = 5) -> None:
        """Start the domain (restoring a managed save if there is one).

        A start can fail transiently while a container that bind-mounts the cgroup
        filesystem (a docker-in-docker node on a hybrid host) is being created or removed:
        libvirt then picks that container's mount as the cgroup root and finds it gone.
        Such failures are retried; any other error is raised at once.
        """
        for attempt in range(attempts):
            try:
                self._domain.createWithFlags(0)
                return
            except libvirt.libvirtError as exc:
                transient = "cgroup" in (exc.get_error_message() or "")
                if not transient or attempt == attempts - 1 or self.is_active():
                    raise
                LOG.warning("start of %s failed (%s); retrying", self.name, exc)
                time.sleep(0.5 * (attempt + 1))

    def shutdown(self) -> None:
        """Press the ACPI power button (the guest decides what to do)."""
        try:
            self._domain.shutdownFlags(libvirt.VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN)
        except libvirt.libvirtError as exc:
            if _code(exc) != libvirt.VIR_ERR_OPERATION_INVALID:  # not running any more
                raise

    def poweroff(self, attempts: int = 5) -> None:
        """Hard power off (libvirt sends SIGTERM, then SIGKILL); a no-op when already off.

        Retried: on a loaded host QEMU can take longer to die than libvirt waits.
        """
        for attempt in range(attempts):
            try:
                if not self.is_active():
                    return
                self._domain.destroy()
                return
            except libvirt.libvirtError as exc:
                if _code(exc) in (libvirt.VIR_ERR_OPERATION_INVALID, libvirt.VIR_ERR_NO_DOMAIN):
                    return  # it stopped (or vanished) meanwhile
                if attempt == attempts - 1:
                    raise
                LOG.warning("destroy of %s failed (%s); retrying", self.name, exc)
                time.sleep(1.0)

    def undefine(self) -> None:
        """Remove the definition with its managed save, NVRAM and snapshot metadata."""
        try:
            self._domain.undefineFlags(_UNDEFINE_FLAGS)
        except libvirt.libvirtError as exc:
            if _code(exc) == libvirt.VIR_ERR_NO_DOMAIN:
                return
            if _code(exc) != libvirt.VIR_ERR_INVALID_ARG:
                raise
            # Older libvirt rejects unknown flags: drop the managed save, then plain undefine.
            if self.has_managed_save():
                self._domain.managedSaveRemove(0)
            self._domain.undefine()

    def pause(self) -> None:
        self._domain.suspend()

    def resume(self) -> None:
        self._domain.resume()

    def managed_save(self) -> None:
        self._domain.managedSave(0)

    def reset(self) -> None:
        self._domain.reset(0)
