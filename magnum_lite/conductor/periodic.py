"""Periodic work of the conductor: heartbeats, health sync and the deadline watchdog.

* Heartbeat, every ``[conductor] report_interval`` s: ``service_heartbeat(host,
  "magnum-conductor")`` (the mservices API reads it; peers read it to tell a dead
  conductor from a busy one).
* Sync, every ``[conductor] sync_interval`` s:
  - health of *_COMPLETE clusters through ``driver.update_cluster_status``; each cluster is
    checked by one live conductor (clusters are shared out by uuid over the live ones);
  - watchdog: a cluster *_IN_PROGRESS past its deadline ends *_FAILED (a delete is
    retried instead); one nobody works (no live lock holder, untouched for a while) is
    resumed, so a lost cast or a dead conductor never leaves a cluster stuck.
"""

from __future__ import annotations

import datetime
import threading
import zlib
from collections.abc import Callable
from typing import Any

from oslo_log import log as logging

from magnum_lite.common import exception
from magnum_lite.conductor import locks as locks_mod
from magnum_lite.conductor import resume, states
from magnum_lite.conductor.handlers import common
from magnum_lite.conductor.runner import Runner, ShuttingDown
from nova_docker.common import context as context_module

LOG = logging.getLogger(__name__)

#: A running operation past its deadline by this much is failed by the watchdog even though
#: its thread has not returned (a driver step that hangs must not hold the status).
OVERRUN_GRACE = datetime.timedelta(seconds=30)


class Looper:
    """Calls ``fn`` every ``interval()`` seconds in a daemon thread until stopped."""

    def __init__(self, name: str, fn: Callable[[], None], interval: Callable[[], float]) -> None:
        self.name = name
        self.fn = fn
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, initial_delay: float = 0.0) -> None:
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, args=(initial_delay,), name=self.name, daemon=True
        )
        self._thread.start()

    def _run(self, initial_delay: float) -> None:
        if initial_delay and self._stop.wait(initial_delay):
            return
        while not self._stop.is_set():
            try:
                self.fn()
            except Exception:
                LOG.exception("Periodic task %s failed; retrying next round", self.name)
            self._stop.wait(self.interval())

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None


class PeriodicTasks:
    def __init__(
        self,
        hctx: common.HandlerContext,
        runner: Runner,
        locks: locks_mod.ClusterLocks,
        host: str,
    ) -> None:
        self.hctx = hctx
        self.runner = runner
        self.locks = locks
        self.host = host
        self.conf = hctx.conf
        self.sync_rounds = 0
        self._heartbeat = Looper(
            "conductor-heartbeat", self.heartbeat, lambda: self.conf.conductor.report_interval
        )
        interval = lambda: self.conf.conductor.sync_interval  # noqa: E731
        self._sync = Looper("conductor-watchdog", self.sync, interval)
        # Health checks talk to clusters (seconds each when one is down): their own thread,
        # so a slow one never delays the watchdog.
        self._health = Looper("conductor-health", self.health, interval)

    def start(self) -> None:
        self._heartbeat.start()
        self._sync.start(initial_delay=self.conf.conductor.sync_interval)
        self._health.start(initial_delay=self.conf.conductor.sync_interval)

    def stop(self) -> None:
        self._health.stop()
        self._sync.stop()
        self._heartbeat.stop()

    # -- heartbeat ---------------------------------------------------------------
    def heartbeat(self) -> None:
        self.hctx.db.service_heartbeat(self.host, locks_mod.BINARY)

    def live_conductors(self) -> list[str]:
        limit = datetime.timedelta(seconds=self.conf.conductor.service_down_time)
        now = states.utcnow()
        hosts = []
        for svc in self.hctx.db.list_services(binary=locks_mod.BINARY):
            seen = svc.last_seen_up or svc.updated_at
            if seen is not None and now - seen <= limit and not svc.disabled:
                hosts.append(svc.host)
        if self.host not in hosts:
            hosts.append(self.host)
        return sorted(hosts)

    # -- sync --------------------------------------------------------------------
    def sync(self) -> None:
        self.watchdog(context_module.get_admin_context())
        self.sync_rounds += 1

    def health(self) -> None:
        self.sync_health(context_module.get_admin_context())

    def _orphan_grace(self) -> datetime.timedelta:
        # Long enough for a cast sitting in the queue to reach a conductor and lock.
        return datetime.timedelta(seconds=max(60, 3 * self.conf.conductor.sync_interval))

    def watchdog(self, ctxt: Any) -> None:
        now = states.utcnow()
        busy = self.runner.busy()
        for cluster in self.hctx.db.list_clusters(filters={"status": list(states.IN_PROGRESS)}):
            try:
                self._watch_one(ctxt, cluster, now, busy)
            except ShuttingDown:
                return
            except Exception:
                LOG.exception("Watchdog could not handle cluster %s", cluster.uuid)

    def _watch_one(self, ctxt: Any, cluster: Any, now: datetime.datetime, busy: set) -> None:
        deadline = resume.effective_deadline(self.hctx, cluster)
        if cluster.uuid in busy:
            # Ours: the driver gives up at the deadline itself. Only if a step hangs well past
            # it (and its task has run that long) is the cluster failed here; the late result
            # is then discarded by the compare-and-set.
            running = self.runner.running_for(cluster.uuid)
            grace = OVERRUN_GRACE.total_seconds()
            if (
                deadline is not None
                and now >= deadline + OVERRUN_GRACE
                and running is not None
                and running >= grace
                and cluster.status != states.DELETE_IN_PROGRESS
            ):
                failed = states.failed_for(cluster.status)
                reason = (
                    f"timed out: the operation passed its deadline "
                    f"({deadline:%Y-%m-%d %H:%M:%S} UTC) and did not finish"
                )
                faults = common.nodegroup_statuses(self.hctx, cluster.uuid, failed, reason)
                common.finish(self.hctx, cluster.uuid, cluster.status, failed, reason, faults)
            return
        holder = self.locks.holder(cluster.uuid)
        if holder is not None and holder[1] and holder[0] != self.host:
            return  # a live peer works it; its own watchdog watches it
        touched = cluster.updated_at or cluster.created_at or now
        if holder is None and not states.deadline_passed(deadline, now):
            if now - touched < self._orphan_grace():
                return  # its cast may still be on the way
        LOG.info("Cluster %s is %s and nobody works it; resuming", cluster.uuid, cluster.status)
        task = resume.task_for(self.hctx, ctxt, cluster.uuid, resume.ORPHAN_REASON)
        if task is not None:
            self.runner.submit(cluster.uuid, task)

    def sync_health(self, ctxt: Any) -> None:
        live = self.live_conductors()
        mine = live.index(self.host)
        busy = self.runner.busy()
        for cluster in self.hctx.db.list_clusters(filters={"status": list(states.COMPLETE)}):
            if cluster.uuid in busy:
                continue
            if zlib.crc32(cluster.uuid.encode()) % len(live) != mine:
                continue
            try:
                self._sync_one(ctxt, cluster)
            except Exception as exc:
                LOG.warning("Health check of cluster %s failed: %s", cluster.uuid, exc)

    def _sync_one(self, ctxt: Any, cluster: Any) -> None:
        driver = self.hctx.driver_for(cluster)
        health, reason = driver.update_cluster_status(ctxt, cluster)
        if health == cluster.health_status and (reason or {}) == (
            cluster.health_status_reason or {}
        ):
            return
        try:
            self.hctx.db.update_cluster(
                cluster.uuid,
                {"health_status": health, "health_status_reason": reason or {}},
                expected_status=cluster.status,
            )
        except (exception.ClusterStatusChanged, exception.ClusterNotFound):
            pass  # an operation started meanwhile; the next round looks again
