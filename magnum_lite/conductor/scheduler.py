"""Placement of cluster nodes on compute agents.

Input: the agents' capacity reports (``ReportListener.hosts()``). A host qualifies when its
report is fresh, it reports the wanted hypervisor type, and the node's flavor fits in its
free capacity (physical capacity x allocation ratio, minus what is used, minus what this
conductor placed there since the host's last report). Among qualifying hosts the node goes
to the one holding the fewest nodes of the same cluster, then the one with the most free
memory: nodes spread across hosts before a host fills up.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from oslo_config import cfg
from oslo_log import log as logging

import magnum_lite.conf  # noqa: F401  (registers [conductor])
from magnum_lite.common import exception
from nova_docker.conf import compute as compute_conf

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

#: Claims older than this are dropped even if no new report arrived (seconds).
CLAIM_TTL = 120.0


class NoValidHost(exception.MagnumLiteException):
    """No compute agent can take a node (the reason names what each host lacked)."""

    msg_fmt = "No valid host was found for %(what)s: %(reason)s"
    code = 503


class ReportSource(Protocol):
    def hosts(self, max_age: float | None = None) -> list[dict[str, Any]]: ...


def _num(report: dict[str, Any], key: str) -> float:
    value = report.get(key) or 0
    return float(value) if isinstance(value, int | float) else 0.0


class Scheduler:
    """Chooses compute hosts for nodes; safe to share between operation threads."""

    def __init__(
        self,
        reports: ReportSource,
        conf: cfg.ConfigOpts = CONF,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.reports = reports
        self.conf = conf
        self._clock = clock
        self._lock = threading.Lock()
        # host -> [(claimed_at, vcpus, memory_mb, disk_gb)] not yet visible in a report.
        self._claims: dict[str, list[tuple[float, float, float, float]]] = {}

    # -- capacity ----------------------------------------------------------------
    def _max_age(self) -> float:
        return self.conf.conductor.compute_report_max_age or compute_conf.service_down_time(
            self.conf
        )

    def _pending(self, host: str, report: dict[str, Any]) -> tuple[float, float, float]:
        """Resources this conductor claimed on ``host`` after its report was taken."""
        now = self._clock()
        age = _num(report, "age")
        report_taken = now - age
        live = [
            c
            for c in self._claims.get(host, [])
            if c[0] > report_taken - 1.0 and now - c[0] < CLAIM_TTL
        ]
        self._claims[host] = live
        return (
            sum(c[1] for c in live),
            sum(c[2] for c in live),
            sum(c[3] for c in live),
        )

    def free(self, report: dict[str, Any]) -> dict[str, float]:
        """Free vcpus/memory/disk of a host after ratios, usage and pending claims."""
        cpu_ratio = self.conf.conductor.cpu_allocation_ratio
        ram_ratio = self.conf.conductor.ram_allocation_ratio
        p_cpu, p_mem, p_disk = self._pending(report["host"], report)
        return {
            "vcpus": _num(report, "vcpus") * cpu_ratio - _num(report, "vcpus_used") - p_cpu,
            "memory_mb": _num(report, "memory_mb") * ram_ratio
            - _num(report, "memory_mb_used")
            - p_mem,
            "local_gb": _num(report, "local_gb") - _num(report, "local_gb_used") - p_disk,
        }

    # -- choice ------------------------------------------------------------------
    def select_hosts(
        self,
        count: int,
        vcpus: float = 1,
        memory_mb: float = 512,
        disk_gb: float = 0,
        hypervisor_type: str | None = None,
        existing: Iterable[str] = (),
        what: str = "a cluster node",
    ) -> list[str]:
        """Hosts for ``count`` nodes of the given size (one entry per node, may repeat).

        ``existing`` lists the hosts already holding nodes of the same cluster, so new nodes
        spread away from them. Raises NoValidHost naming why each host was rejected.
        """
        if count < 0:
            raise exception.Invalid(reason=f"cannot place {count} nodes")
        if count == 0:
            return []
        wanted = hypervisor_type or self.conf.conductor.hypervisor_type
        reports = self.reports.hosts(max_age=self._max_age())
        if not reports:
            raise NoValidHost(
                what=what,
                reason=f"no compute agent has reported in the last {self._max_age():g} s "
                "(is nova-docker-compute running and on the same transport_url?)",
            )
        chosen: list[str] = []
        with self._lock:
            spread: dict[str, int] = {}
            for host in existing:
                spread[host] = spread.get(host, 0) + 1
            for _ in range(count):
                host = self._pick_one(reports, wanted, vcpus, memory_mb, disk_gb, spread, what)
                spread[host] = spread.get(host, 0) + 1
                self._claims.setdefault(host, []).append(
                    (self._clock(), float(vcpus), float(memory_mb), float(disk_gb))
                )
                chosen.append(host)
        LOG.debug("Placed %d x %s on %s", count, what, chosen)
        return chosen

    def select_host(self, **kwargs: Any) -> str:
        return self.select_hosts(1, **kwargs)[0]

    def _pick_one(
        self,
        reports: list[dict[str, Any]],
        wanted: str,
        vcpus: float,
        memory_mb: float,
        disk_gb: float,
        spread: dict[str, int],
        what: str,
    ) -> str:
        candidates = []
        rejected = []
        for report in reports:
            host = report["host"]
            types = report.get("hypervisor_types") or []
            if wanted not in types:
                rejected.append(f"{host}: hypervisor types {sorted(types)} lack {wanted!r}")
                continue
            free = self.free(report)
            if free["vcpus"] < vcpus:
                rejected.append(f"{host}: {free['vcpus']:g} free vCPUs < {vcpus:g}")
                continue
            if free["memory_mb"] < memory_mb:
                rejected.append(f"{host}: {free['memory_mb']:g} MiB free memory < {memory_mb:g}")
                continue
            if disk_gb and _num(report, "local_gb") and free["local_gb"] < disk_gb:
                rejected.append(f"{host}: {free['local_gb']:g} GiB free disk < {disk_gb:g}")
                continue
            candidates.append((spread.get(host, 0), -free["memory_mb"], host))
        if not candidates:
            raise NoValidHost(what=what, reason="; ".join(rejected))
        candidates.sort()
        return candidates[0][2]

    def release(self, host: str, vcpus: float, memory_mb: float, disk_gb: float = 0) -> None:
        """Forget one claim (a spawn failed, so the capacity is free again)."""
        with self._lock:
            claims = self._claims.get(host, [])
            for i, claim in enumerate(claims):
                if claim[1:] == (float(vcpus), float(memory_mb), float(disk_gb)):
                    del claims[i]
                    return
