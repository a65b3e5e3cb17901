"""Driving clusters left *_IN_PROGRESS to a definite state.

Used at start (a conductor was killed mid-operation), by the periodic task for clusters
nobody works any more (their conductor died, or their cast was lost), and after an
operation found its final status overtaken by a newer order.
"""

from __future__ import annotations

from typing import Any

from oslo_log import log as logging

from magnum_lite.common import exception
from magnum_lite.conductor import states
from magnum_lite.conductor.handlers import cluster as cluster_handlers
from magnum_lite.conductor.handlers import common
from magnum_lite.conductor.runner import Task

LOG = logging.getLogger(__name__)

RESTART_REASON = "conductor restarted after the deadline"
ORPHAN_REASON = (
    "no conductor finished this operation before its deadline (its conductor stopped, "
    "or the order never reached one)"
)


def effective_deadline(hctx: common.HandlerContext, cluster: Any) -> Any:
    """The stored deadline, or for a create never started, created_at + create_timeout."""
    if cluster.deadline is not None:
        return cluster.deadline
    op = states.resume_op(cluster.status)
    if op == states.CREATE and cluster.created_at is not None:
        return states.compute_deadline(
            cluster.created_at, common.timeout_minutes(op, cluster, hctx.conf)
        )
    return None


def resume(hctx: common.HandlerContext, ctxt: Any, cluster_uuid: str, reason: str) -> Any:
    """Finish what the cluster's status asks for, or fail it when its time is up."""
    try:
        cluster = hctx.db.get_cluster_by_uuid(cluster_uuid)
    except exception.ClusterNotFound:
        return None
    op = states.resume_op(cluster.status)
    if op is None:
        return None
    if op == states.DELETE:
        # A delete is always safe to run again, and gets a fresh deadline to do so.
        try:
            hctx.db.update_cluster(
                cluster_uuid, {"deadline": None}, expected_status=states.DELETE_IN_PROGRESS
            )
        except (exception.ClusterStatusChanged, exception.ClusterNotFound):
            return None
        LOG.info("Resuming the delete of cluster %s", cluster_uuid)
        return cluster_handlers.delete(hctx, ctxt, cluster_uuid)
    deadline = effective_deadline(hctx, cluster)
    if states.deadline_passed(deadline):
        failed = states.failed_for(cluster.status)
        LOG.warning("Cluster %s: %s; marking %s", cluster_uuid, reason, failed)
        faults = common.nodegroup_statuses(hctx, cluster_uuid, failed, reason)
        return common.finish(hctx, cluster_uuid, cluster.status, failed, reason, faults)
    LOG.info("Resuming %s of cluster %s (was %s)", op, cluster_uuid, cluster.status)
    if op == states.CREATE:
        return cluster_handlers.create(hctx, ctxt, cluster_uuid, resuming=True)
    rollback = cluster.status == states.ROLLBACK_IN_PROGRESS
    return cluster_handlers.update(hctx, ctxt, cluster_uuid, rollback=rollback, resuming=True)


def task_for(hctx: common.HandlerContext, ctxt: Any, cluster_uuid: str, reason: str) -> Task | None:
    """A runner task resuming the cluster, or None when it needs nothing."""
    try:
        cluster = hctx.db.get_cluster_by_uuid(cluster_uuid)
    except exception.ClusterNotFound:
        return None
    op = states.resume_op(cluster.status)
    if op is None:
        return None
    return Task(op, lambda: resume(hctx, ctxt, cluster_uuid, reason))
