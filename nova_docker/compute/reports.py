"""Heartbeat and capacity reports of the compute agents, and a listener that keeps them.

Every ``[compute] report_interval`` seconds an agent casts ``report_state(report=...)`` as a
fanout on topic ``stackdock-compute-reports``. Each :class:`ReportListener` has its own
fanout queue, keeps the latest report per host and ages it by the local monotonic clock
(never the sender's clock, which may be skewed), so a host whose agent died disappears
from :meth:`ReportListener.hosts` once its last report is older than ``service_down_time``.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import oslo_messaging as messaging
from oslo_config import cfg
from oslo_log import log as logging

from nova_docker.common import context as context_module
from nova_docker.common import rpc
from nova_docker.conf import CONF
from nova_docker.conf import compute as compute_conf

LOG = logging.getLogger(__name__)

TOPIC = "stackdock-compute-reports"
BINARY = "nova-docker-compute"
REPORT_API_VERSION = "1.0"

#: Keys every report carries (the contract with the schedulers that read them).
REPORT_KEYS = (
    "host",
    "binary",
    "hypervisor_types",
    "vcpus",
    "vcpus_used",
    "memory_mb",
    "memory_mb_used",
    "local_gb",
    "local_gb_used",
    "instances",
    "timestamp",
    "version",
)


class ReportSender:
    """A thread that casts ``make_report()`` every ``report_interval`` seconds."""

    def __init__(
        self,
        transport: messaging.Transport,
        make_report: Callable[[], dict[str, Any]],
        conf: cfg.ConfigOpts = CONF,
    ) -> None:
        self.conf = conf
        self._make_report = make_report
        self._client = rpc.get_client(transport, TOPIC, REPORT_API_VERSION)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def send_once(self) -> None:
        report = self._make_report()
        cctxt = self._client.prepare(fanout=True)
        cctxt.cast(context_module.get_admin_context(), "report_state", report=report)

    def _run(self) -> None:
        interval = self.conf.compute.report_interval
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self.send_once()
            except messaging.MessageDeliveryFailure as exc:
                # E.g. the fanout exchange vanished with the last listener: the next round
                # declares it again.
                LOG.warning("Could not send the compute report: %s", exc)
            except Exception:
                # Nothing may kill the heartbeat; the next round retries.
                LOG.exception("Could not send the compute report")
            self._stop.wait(max(interval - (time.monotonic() - started), 0.0))

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="compute-reports", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None


class _ReportEndpoint:
    target = messaging.Target(version=REPORT_API_VERSION)

    def __init__(self, listener: ReportListener) -> None:
        self._listener = listener

    def report_state(self, ctxt: Any, report: dict[str, Any]) -> None:
        self._listener.record(report)


class ReportListener:
    """Keeps the latest report of every compute host (for schedulers and health checks)."""

    def __init__(
        self,
        transport: messaging.Transport | None = None,
        conf: cfg.ConfigOpts = CONF,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.conf = conf
        self.transport = transport
        self._clock = clock
        self._lock = threading.Lock()
        self._reports: dict[str, tuple[float, dict[str, Any]]] = {}
        self._server: messaging.MessageHandlingServer | None = None
        self.name = f"listener-{uuid.uuid4().hex[:12]}"

    def start(self) -> None:
        if self._server is not None:
            return
        transport = self.transport or rpc.get_transport(self.conf)
        self._server = rpc.get_server(transport, TOPIC, self.name, [_ReportEndpoint(self)])
        self._server.start()

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.stop()
            server.wait()

    def record(self, report: dict[str, Any]) -> None:
        """Keep ``report`` as its host's latest (ignores malformed ones)."""
        host = report.get("host") if isinstance(report, dict) else None
        if not host or not isinstance(host, str):
            LOG.warning("Ignoring a compute report without a host: %r", report)
            return
        with self._lock:
            self._reports[host] = (self._clock(), dict(report))

    def hosts(self, max_age: float | None = None) -> list[dict[str, Any]]:
        """Latest report per host, only those received less than max_age seconds ago.

        Each report is a copy with an extra ``age`` (seconds since it was received).
        """
        if max_age is None:
            max_age = compute_conf.service_down_time(self.conf)
        now = self._clock()
        with self._lock:
            fresh = [
                dict(report, age=now - received)
                for received, report in self._reports.values()
                if now - received <= max_age
            ]
        return sorted(fresh, key=lambda r: r["host"])

    def get(self, host: str) -> dict[str, Any] | None:
        """The latest report of ``host`` however old (with ``age``), or None."""
        with self._lock:
            item = self._reports.get(host)
        if item is None:
            return None
        received, report = item
        return dict(report, age=self._clock() - received)

    def is_alive(self, host: str) -> bool:
        report = self.get(host)
        return report is not None and report["age"] <= compute_conf.service_down_time(self.conf)
