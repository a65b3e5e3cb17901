"""Runs cluster operations: a bounded pool of threads, one operation per cluster at a time.

Each cluster has a FIFO of pending operations. A second order for a cluster that is busy
waits in that FIFO (an identical order already waiting is merged into it: operations
converge to the state in the database, so running it once is enough). Before running, the
worker takes the cluster's lock in the database (locks.py), waiting while another live
conductor holds it. When an operation finds its final status overtaken by a newer order
(e.g. a delete arrived during a create), the runner queues the operation that newer
status asks for, so no order is lost even if its cast went to a busy peer.

Workers are daemon threads: a SIGTERM'd conductor waits a bounded time for running
operations, then exits; whatever was left *_IN_PROGRESS is resumed at the next start or
taken over by another conductor.
"""

from __future__ import annotations

import collections
import dataclasses
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from oslo_log import log as logging

from nova_docker import exception as nd_exception

LOG = logging.getLogger(__name__)

#: Seconds between attempts to take a cluster another live conductor holds.
LOCK_POLL = 1.0


@dataclasses.dataclass
class Task:
    kind: str
    fn: Callable[[], Any]


class ShuttingDown(nd_exception.NovaDockerException):
    msg_fmt = "The conductor is shutting down and accepts no new operations."
    code = 503


class Runner:
    def __init__(
        self,
        workers: int,
        locks: Any = None,
        follow_up: Callable[[str], Task | None] | None = None,
        lock_wait: float = 3600.0,
    ) -> None:
        self.locks = locks
        self.follow_up = follow_up
        self.lock_wait = lock_wait
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pending: dict[str, collections.deque[Task]] = {}
        self._active: dict[str, str | None] = {}  # cluster -> kind running (None: between)
        self._since: dict[str, float] = {}  # cluster -> monotonic start of its running task
        self._ready: queue.Queue[str | None] = queue.Queue()
        self._stopping = threading.Event()
        self._threads = [
            threading.Thread(target=self._worker, name=f"conductor-op-{i}", daemon=True)
            for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    # -- public ------------------------------------------------------------------
    def submit(self, cluster_uuid: str, task: Task) -> bool:
        """Queue ``task`` for the cluster; False if an identical one already waits."""
        with self._lock:
            if self._stopping.is_set():
                raise ShuttingDown()
            pending = self._pending.setdefault(cluster_uuid, collections.deque())
            if any(t.kind == task.kind for t in pending):
                LOG.info("Cluster %s: a %s is already queued; merged", cluster_uuid, task.kind)
                return False
            pending.append(task)
            if cluster_uuid not in self._active:
                self._active[cluster_uuid] = None
                self._ready.put(cluster_uuid)
            return True

    def is_busy(self, cluster_uuid: str) -> bool:
        with self._lock:
            return cluster_uuid in self._active

    def busy(self) -> set[str]:
        with self._lock:
            return set(self._active)

    def running_for(self, cluster_uuid: str) -> float | None:
        """Seconds the cluster's current task has been running (None: not running)."""
        with self._lock:
            since = self._since.get(cluster_uuid)
        return None if since is None else time.monotonic() - since

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no operation runs or waits; False if ``timeout`` passed first."""
        end = time.monotonic() + timeout
        with self._idle:
            while self._active:
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def stop(self, timeout: float) -> bool:
        """Refuse new work, drop what has not started, wait up to ``timeout`` for the rest."""
        with self._lock:
            self._stopping.set()
            for cluster_uuid, pending in self._pending.items():
                if pending:
                    LOG.info("Dropping %d queued operation(s) of %s", len(pending), cluster_uuid)
                pending.clear()
        idle = self.wait_idle(timeout)
        for _ in self._threads:
            self._ready.put(None)
        return idle

    # -- workers -----------------------------------------------------------------
    def _worker(self) -> None:
        while True:
            cluster_uuid = self._ready.get()
            if cluster_uuid is None:
                return
            try:
                self._drain(cluster_uuid)
            except Exception:  # never lose a worker thread
                LOG.exception("Operation loop of cluster %s failed", cluster_uuid)
                self._finish(cluster_uuid)

    def _take_lock(self, cluster_uuid: str) -> bool:
        if self.locks is None:
            return True
        end = time.monotonic() + self.lock_wait
        logged = False
        while not self._stopping.is_set():
            try:
                if self.locks.acquire(cluster_uuid):
                    return True
            except Exception:
                LOG.exception("Could not take the lock of cluster %s", cluster_uuid)
            if not logged:
                LOG.info("Cluster %s is worked by another conductor; waiting", cluster_uuid)
                logged = True
            if time.monotonic() > end:
                LOG.warning("Gave up waiting for cluster %s", cluster_uuid)
                return False
            self._stopping.wait(LOCK_POLL)
        return False

    def _next(self, cluster_uuid: str) -> Task | None:
        with self._lock:
            pending = self._pending.get(cluster_uuid)
            if pending:
                task = pending.popleft()
                self._active[cluster_uuid] = task.kind
                self._since[cluster_uuid] = time.monotonic()
                return task
            self._since.pop(cluster_uuid, None)
            return None

    def _finish(self, cluster_uuid: str) -> None:
        with self._lock:
            self._active.pop(cluster_uuid, None)
            if not self._pending.get(cluster_uuid):
                self._pending.pop(cluster_uuid, None)
            self._idle.notify_all()

    def _drain(self, cluster_uuid: str) -> None:
        locked = False
        try:
            while not self._stopping.is_set():
                task = self._next(cluster_uuid)
                if task is None:
                    return
                if not locked:
                    locked = self._take_lock(cluster_uuid)
                    if not locked:
                        continue  # another conductor kept it; drop this order
                outcome = None
                try:
                    outcome = task.fn()
                except Exception:
                    LOG.exception("Operation %s of cluster %s failed", task.kind, cluster_uuid)
                if getattr(outcome, "superseded", False) and self.follow_up is not None:
                    follow = self.follow_up(cluster_uuid)
                    if follow is not None:
                        with self._lock:
                            pending = self._pending.setdefault(cluster_uuid, collections.deque())
                            if not any(t.kind == follow.kind for t in pending):
                                pending.append(follow)
        finally:
            with self._lock:
                more = bool(self._pending.get(cluster_uuid)) and not self._stopping.is_set()
                if not more:
                    # Release before the cluster counts as idle: a new order must not
                    # start under a lock that is about to be dropped.
                    if locked and self.locks is not None:
                        try:
                            self.locks.release(cluster_uuid)
                        except Exception:
                            LOG.exception("Could not release the lock of %s", cluster_uuid)
                    self._active.pop(cluster_uuid, None)
                    self._pending.pop(cluster_uuid, None)
                    self._since.pop(cluster_uuid, None)
                    self._idle.notify_all()
            if more:
                self._ready.put(cluster_uuid)
