"""Nodegroup create, update and delete (the cluster is UPDATE_IN_PROGRESS meanwhile)."""

from __future__ import annotations

from typing import Any

from oslo_log import log as logging

from magnum_lite.common import exception
from magnum_lite.conductor import states
from magnum_lite.conductor.handlers import common

LOG = logging.getLogger(__name__)


def _run(
    hctx: common.HandlerContext,
    ctxt: Any,
    cluster_uuid: str,
    nodegroup_uuid: str,
    op: str,
    method: str,
    nodegroup_op: str | None = None,
) -> common.Outcome:
    def work(driver: Any, cluster: Any, deadline: float) -> None:
        nodegroup = hctx.db.get_nodegroup_by_uuid(cluster_uuid, nodegroup_uuid)
        getattr(driver, method)(ctxt, cluster, nodegroup, deadline)

    return common.run_op(
        hctx, cluster_uuid, op, work, nodegroup_uuids=[nodegroup_uuid], nodegroup_op=nodegroup_op
    )


def create(
    hctx: common.HandlerContext, ctxt: Any, cluster_uuid: str, nodegroup_uuid: str
) -> common.Outcome:
    return _run(
        hctx,
        ctxt,
        cluster_uuid,
        nodegroup_uuid,
        states.NODEGROUP_CREATE,
        "create_nodegroup",
        states.NODEGROUP_CREATE_STATUS,
    )


def update(
    hctx: common.HandlerContext, ctxt: Any, cluster_uuid: str, nodegroup_uuid: str
) -> common.Outcome:
    return _run(
        hctx, ctxt, cluster_uuid, nodegroup_uuid, states.NODEGROUP_UPDATE, "update_nodegroup"
    )


def delete(
    hctx: common.HandlerContext, ctxt: Any, cluster_uuid: str, nodegroup_uuid: str
) -> common.Outcome:
    outcome = _run(
        hctx,
        ctxt,
        cluster_uuid,
        nodegroup_uuid,
        states.NODEGROUP_DELETE,
        "delete_nodegroup",
        states.NODEGROUP_DELETE_STATUS,
    )
    if outcome.status == states.UPDATE_COMPLETE:
        try:
            hctx.db.destroy_nodegroup(nodegroup_uuid)
        except exception.NodeGroupNotFound:
            pass
    return outcome
