"""The libvirt connection, its event loop thread and host facts.

libvirt delivers domain events only to connections opened after an event implementation
was registered, and only while somebody runs that implementation's loop. So the process
registers libvirt's default implementation once and runs it in one daemon thread; each Host
opens its connection after that. Event callbacks only queue the event: a second thread per
Host, which may call libvirt again, turns them into LifecycleEvents for the driver.
"""

from __future__ import annotations

import logging
import queue
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable

import libvirt

from nova_docker import exception
from nova_docker.virt.libvirt import events

LOG = logging.getLogger(__name__)

_loop_lock = threading.Lock()
_loop_thread: threading.Thread | None = None


def _ensure_event_loop() -> None:
    """Register libvirt's default event implementation and run it (once per process)."""
    global _loop_thread
    with _loop_lock:
        if _loop_thread is not None:
            return
        libvirt.virEventRegisterDefaultImpl()

        def run() -> None:
            while True:
                try:
                    libvirt.virEventRunDefaultImpl()
                except Exception:  # never let one bad iteration end event delivery
                    LOG.exception("libvirt event loop iteration failed")

        _loop_thread = threading.Thread(target=run, name="libvirt-event-loop", daemon=True)
        _loop_thread.start()


def _quiet_error_handler(ctx: object, err: object) -> None:
    """libvirt prints every error to stderr by default; the exceptions carry them anyway."""


EventHandler = Callable[[events.LifecycleEvent], None]
#: (uuid of the domain, virDomain) -> True if the domain is one of ours.
DomainFilter = Callable[[libvirt.virDomain], bool]


class Host:
    """One libvirt connection with lifecycle events."""

    def __init__(
        self,
        uri: str,
        read_only: bool = False,
        event_handler: EventHandler | None = None,
        domain_filter: DomainFilter | None = None,
    ) -> None:
        libvirt.registerErrorHandler(_quiet_error_handler, None)
        self.uri = uri
        self.read_only = read_only
        self._event_handler = event_handler
        self._domain_filter = domain_filter
        self._conn: libvirt.virConnect | None = None
        self._conn_lock = threading.Lock()
        self._callback_ids: list[int] = []
        self._queue: queue.Queue = queue.Queue()
        self._dispatcher: threading.Thread | None = None
        self._closing = False

    # -- connection ------------------------------------------------------------------------
    def initialize(self) -> None:
        """Start event delivery and connect (raises HypervisorUnavailable)."""
        _ensure_event_loop()
        self._closing = False
        with self._conn_lock:
            if self._conn is not None and self._event_handler is not None:
                if not self._callback_ids:
                    # Opened lazily before the event loop existed: it would get no events.
                    try:
                        self._conn.close()
                    except libvirt.libvirtError:
                        pass
                    self._conn = None
        if self._event_handler is not None and self._dispatcher is None:
            self._dispatcher = threading.Thread(
                target=self._dispatch, name="libvirt-event-dispatch", daemon=True
            )
            self._dispatcher.start()
        self.get_connection()

    def get_connection(self) -> libvirt.virConnect:
        with self._conn_lock:
            conn = self._conn
            if conn is not None:
                try:
                    if conn.isAlive():
                        return conn
                except libvirt.libvirtError:
                    pass
                LOG.warning("libvirt connection to %s was lost; reconnecting", self.uri)
                self._conn = None
            self._conn = self._connect()
            return self._conn

    def _connect(self) -> libvirt.virConnect:
        try:
            if self.read_only:
                conn = libvirt.openReadOnly(self.uri)
            else:
                conn = libvirt.open(self.uri)
        except libvirt.libvirtError as exc:
            raise exception.HypervisorUnavailable(
                reason=f"cannot connect to {self.uri}: {exc.get_error_message()}"
            ) from exc
        if _loop_thread is not None:
            try:
                # Keepalive needs the event loop; it makes a dead daemon visible quickly.
                conn.setKeepAlive(5, 3)
            except libvirt.libvirtError:
                LOG.debug("keepalive not supported on %s", self.uri)
            if self._event_handler is not None:
                self._callback_ids = [
                    conn.domainEventRegisterAny(
                        None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, self._on_lifecycle, None
                    )
                ]
        return conn

    def close(self) -> None:
        """Deregister events, close the connection and stop the dispatcher."""
        self._closing = True
        with self._conn_lock:
            conn, self._conn = self._conn, None
            if conn is not None:
                for cb_id in self._callback_ids:
                    try:
                        conn.domainEventDeregisterAny(cb_id)
                    except libvirt.libvirtError:
                        pass
                self._callback_ids = []
                try:
                    conn.close()
                except libvirt.libvirtError:
                    pass
        if self._dispatcher is not None:
            self._queue.put(None)
            self._dispatcher.join(timeout=10)
            self._dispatcher = None

    # -- events --------------------------------------------------------------------------
    def _on_lifecycle(
        self, conn: libvirt.virConnect, dom: libvirt.virDomain, event: int, detail: int, opaque
    ) -> None:
        # Runs in the event loop thread: no libvirt calls here, just queue it.
        self._queue.put((dom, event, detail))

    def _dispatch(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            dom, event, detail = item
            try:
                if self._domain_filter is not None and not self._domain_filter(dom):
                    continue
                lifecycle = events.from_libvirt(dom.UUIDString(), event, detail)
                if lifecycle is not None and self._event_handler is not None:
                    self._event_handler(lifecycle)
            except Exception:
                LOG.exception("failed to deliver libvirt event %s/%s", event, detail)

    # -- domains and host facts --------------------------------------------------------------
    def lookup(self, name: str) -> libvirt.virDomain | None:
        """The domain with this name, or None."""
        try:
            return self.get_connection().lookupByName(name)
        except libvirt.libvirtError as exc:
            if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
                return None
            raise

    def list_domains(self) -> list[libvirt.virDomain]:
        return self.get_connection().listAllDomains(0)

    def node_info(self) -> list:
        """virNodeGetInfo: [arch, memory MiB, cpus, MHz, nodes, sockets, cores, threads]."""
        return self.get_connection().getInfo()

    def free_memory_mb(self) -> int:
        return int(self.get_connection().getFreeMemory() // (1024 * 1024))

    def hypervisor_version(self) -> int:
        return int(self.get_connection().getVersion())

    def hostname(self) -> str:
        return self.get_connection().getHostname()

    def capabilities_xml(self) -> str:
        return self.get_connection().getCapabilities()

    def supports_domain_type(self, virt_type: str, arch: str = "x86_64") -> bool:
        """Whether the host's capabilities list a guest of this domain type and arch."""
        caps = ET.fromstring(self.capabilities_xml())
        for guest in caps.findall("guest"):
            arch_el = guest.find("arch")
            if arch_el is None or arch_el.get("name") != arch:
                continue
            if any(d.get("type") == virt_type for d in arch_el.findall("domain")):
                return True
        return False
