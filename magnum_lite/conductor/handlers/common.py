"""What every cluster operation shares: collaborators, deadlines and final statuses."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from oslo_config import cfg
from oslo_log import log as logging

import magnum_lite.conf  # noqa: F401
from magnum_lite.common import exception
from magnum_lite.conductor import states

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

#: Longest status_reason kept (the column is TEXT; keep API answers readable).
MAX_REASON = 1000


@dataclasses.dataclass
class HandlerContext:
    """The conductor's collaborators; drivers receive it as their ``conductor_ctx``."""

    db: Any
    compute: Any = None
    scheduler: Any = None
    certificates: Any = None
    reports: Any = None
    conf: cfg.ConfigOpts = dataclasses.field(default_factory=lambda: CONF)
    #: Test/driver hook: a callable (template) -> Driver; default loads by entry point.
    driver_loader: Callable[[Any, Any], Any] | None = None

    def driver_for(self, cluster: Any) -> Any:
        template = self.db.get_cluster_template_by_uuid(cluster.cluster_template_id)
        if self.driver_loader is not None:
            return self.driver_loader(template, self)
        from magnum_lite.drivers import base

        return base.get_driver_for_template(template, self)


@dataclasses.dataclass
class Outcome:
    """How an operation ended: the status written, or that a newer order superseded it."""

    status: str | None
    superseded: bool = False


def reason_of(exc: BaseException) -> str:
    """A status_reason a user can act on (never empty, never a bare class name)."""
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, exception.MagnumLiteException | exception.NovaDockerException):
        reason = text
    else:
        reason = f"{type(exc).__name__}: {text}"
    return reason[:MAX_REASON]


def is_timeout(exc: BaseException) -> bool:
    return isinstance(exc, exception.ClusterTimeout | TimeoutError) or (
        type(exc).__name__ == "ClusterTimeout"
    )


def timeout_minutes(op: str, cluster: Any, conf: cfg.ConfigOpts = CONF) -> float:
    if op == states.CREATE:
        return cluster.create_timeout or conf.conductor.default_create_timeout
    if op == states.DELETE:
        return conf.conductor.delete_timeout
    return conf.conductor.update_timeout


def begin(
    hctx: HandlerContext, cluster: Any, op: str, rollback: bool = False, resuming: bool = False
) -> Any:
    """Mark the cluster *_IN_PROGRESS for ``op`` and fix its wall-clock deadline.

    A create is timed from the request (the API stores created_at + create_timeout, or
    the conductor computes it), as Magnum's create_timeout is; a resumed operation keeps
    the deadline already stored, so a restart gives it no extra time. Every other order
    (update, resize, nodegroup change, delete) gets a fresh deadline from now.
    """
    status = states.in_progress(op, rollback)
    deadline = None
    if (op == states.CREATE or resuming) and cluster.status == status:
        deadline = cluster.deadline
    if deadline is None:
        if op == states.CREATE and cluster.created_at is not None:
            start = cluster.created_at
        else:
            start = states.utcnow()
        deadline = states.compute_deadline(start, timeout_minutes(op, cluster, hctx.conf))
    values = {"status": status, "deadline": deadline}
    if cluster.status != status:
        values["status_reason"] = None
    return hctx.db.update_cluster(cluster.uuid, values)


def finish(
    hctx: HandlerContext,
    cluster_uuid: str,
    expected: str,
    status: str,
    reason: str | None,
    nodegroups: dict[str, dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
) -> Outcome:
    """Write the final status unless someone changed the cluster's status meanwhile."""
    values = {"status": status, "status_reason": reason, "deadline": None, **(extra or {})}
    try:
        hctx.db.update_cluster(
            cluster_uuid, values, expected_status=expected, nodegroups=nodegroups
        )
    except exception.ClusterStatusChanged as exc:
        LOG.info("Cluster %s: not writing %s: %s", cluster_uuid, status, exc)
        return Outcome(None, superseded=True)
    except exception.NodeGroupNotFound:
        # A nodegroup went away meanwhile: write the cluster status alone.
        try:
            hctx.db.update_cluster(cluster_uuid, values, expected_status=expected)
        except exception.ClusterStatusChanged:
            return Outcome(None, superseded=True)
    except exception.ClusterNotFound:
        return Outcome(None, superseded=True)
    return Outcome(status)


def nodegroup_statuses(
    hctx: HandlerContext, cluster_uuid: str, status: str, reason: str | None = None
) -> dict[str, dict[str, Any]]:
    return {
        ng.uuid: {"status": status, "status_reason": reason}
        for ng in hctx.db.list_nodegroups(cluster_uuid)
    }


def run_op(
    hctx: HandlerContext,
    cluster_uuid: str,
    op: str,
    work: Callable[[Any, Any, float], None],
    rollback: bool = False,
    nodegroup_uuids: list[str] | None = None,
    on_success: Callable[[Any], dict[str, Any] | None] | None = None,
    resuming: bool = False,
    nodegroup_op: str | None = None,
) -> Outcome:
    """Run one operation: begin, ``work(driver, cluster, monotonic_deadline)``, finish.

    Any error (driver, scheduler, timeout, missing template) ends in *_FAILED with the
    error as status_reason; the nodegroups concerned carry it too (Magnum's ``faults``).
    ``nodegroup_op`` names the statuses the nodegroups get (a new nodegroup ends
    CREATE_COMPLETE while its cluster ends UPDATE_COMPLETE).
    """
    ng_op = nodegroup_op or op
    try:
        cluster = hctx.db.get_cluster_by_uuid(cluster_uuid)
    except exception.ClusterNotFound:
        LOG.info("Cluster %s is gone; nothing to %s", cluster_uuid, op)
        return Outcome(None, superseded=True)
    expected = states.in_progress(op, rollback)
    if cluster.status in states.IN_PROGRESS and cluster.status != expected:
        # A newer order (e.g. a delete) overrode this one before it started.
        LOG.info("Cluster %s is %s; skipping %s", cluster_uuid, cluster.status, op)
        return Outcome(None, superseded=True)
    cluster = begin(hctx, cluster, op, rollback, resuming=resuming)
    ngs = nodegroup_uuids
    try:
        if states.deadline_passed(cluster.deadline):
            raise _timeout(op, cluster)
        driver = hctx.driver_for(cluster)
        work(driver, cluster, states.to_monotonic(cluster.deadline))
    except Exception as exc:
        reason = reason_of(exc)
        if is_timeout(exc) and op == states.CREATE:
            reason = f"create_timeout of {timeout_minutes(op, cluster)} minutes passed: {reason}"
        LOG.warning("Cluster %s %s failed: %s", cluster_uuid, op, reason)
        if ngs is None:
            ngs = [ng.uuid for ng in hctx.db.list_nodegroups(cluster_uuid)]
        ng_failed = states.failed(ng_op, rollback)
        fault = {ng: {"status": ng_failed, "status_reason": reason} for ng in ngs}
        return finish(hctx, cluster_uuid, expected, states.failed(op, rollback), reason, fault)
    extra = on_success(cluster) if on_success else None
    done = states.complete(op, rollback)
    if ngs is None:
        ngs = [ng.uuid for ng in hctx.db.list_nodegroups(cluster_uuid)]
    ng_done = states.complete(ng_op, rollback)
    ok = {ng: {"status": ng_done, "status_reason": None} for ng in ngs}
    return finish(hctx, cluster_uuid, expected, done, None, ok, extra)


def _timeout(op: str, cluster: Any) -> Exception:
    reason = f"the deadline of this {op} ({cluster.deadline:%Y-%m-%d %H:%M:%S} UTC) has passed"
    return exception.ClusterTimeout(reason=reason)
