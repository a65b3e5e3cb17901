"""RPC endpoints of magnum-lite-conductor (the client is rpcapi.py).

Casts queue a cluster operation in the runner and return at once; calls answer with their
result (certificates) or an exception the API turns into an HTTP error. Arguments are
plain JSON values: cluster and nodegroup uuids, never objects; the database holds the
desired state the API wrote before casting.
"""

from __future__ import annotations

import socket
import time
from typing import Any

import oslo_messaging as messaging
from oslo_log import log as logging

from magnum_lite.common import exception
from magnum_lite.conductor import rpcapi, states
from magnum_lite.conductor.handlers import certificate, cluster, common, nodegroup
from magnum_lite.conductor.runner import Runner, Task

LOG = logging.getLogger(__name__)


class ConductorManager:
    """The endpoint object given to the RPC server."""

    target = messaging.Target(version=rpcapi.RPC_API_VERSION)

    def __init__(self, hctx: common.HandlerContext, runner: Runner, host: str) -> None:
        self.hctx = hctx
        self.runner = runner
        self.host = host
        self.started = time.time()

    # -- helpers -----------------------------------------------------------------
    def _queue(self, cluster_uuid: str, kind: str, fn: Any) -> None:
        if not cluster_uuid or not isinstance(cluster_uuid, str):
            LOG.warning("Ignoring %s without a cluster uuid", kind)
            return
        self.runner.submit(cluster_uuid, Task(kind, fn))

    # -- casts -------------------------------------------------------------------
    def cluster_create(
        self, ctxt: Any, cluster_uuid: str, create_timeout: int | None = None
    ) -> None:
        if create_timeout:
            # The API stored it already; accept the cast's value for rows that lack it.
            try:
                row = self.hctx.db.get_cluster_by_uuid(cluster_uuid)
                if not row.create_timeout:
                    self.hctx.db.update_cluster(cluster_uuid, {"create_timeout": create_timeout})
            except exception.ClusterNotFound:
                return
        self._queue(
            cluster_uuid, states.CREATE, lambda: cluster.create(self.hctx, ctxt, cluster_uuid)
        )

    def cluster_update(self, ctxt: Any, cluster_uuid: str, rollback: bool = False) -> None:
        self._queue(
            cluster_uuid,
            states.UPDATE,
            lambda: cluster.update(self.hctx, ctxt, cluster_uuid, rollback=bool(rollback)),
        )

    def cluster_delete(self, ctxt: Any, cluster_uuid: str) -> None:
        self._queue(
            cluster_uuid, states.DELETE, lambda: cluster.delete(self.hctx, ctxt, cluster_uuid)
        )

    def cluster_resize(
        self,
        ctxt: Any,
        cluster_uuid: str,
        node_count: int,
        nodes_to_remove: list[str] | None = None,
        nodegroup_uuid: str | None = None,
    ) -> None:
        # Not merged with a waiting resize: each carries its own nodes_to_remove.
        kind = f"{states.RESIZE}:{nodegroup_uuid}:{node_count}:{sorted(nodes_to_remove or [])}"
        self._queue(
            cluster_uuid,
            kind,
            lambda: cluster.resize(
                self.hctx, ctxt, cluster_uuid, node_count, nodes_to_remove, nodegroup_uuid
            ),
        )

    def nodegroup_create(self, ctxt: Any, cluster_uuid: str, nodegroup_uuid: str) -> None:
        self._queue(
            cluster_uuid,
            f"{states.NODEGROUP_CREATE}:{nodegroup_uuid}",
            lambda: nodegroup.create(self.hctx, ctxt, cluster_uuid, nodegroup_uuid),
        )

    def nodegroup_update(self, ctxt: Any, cluster_uuid: str, nodegroup_uuid: str) -> None:
        self._queue(
            cluster_uuid,
            f"{states.NODEGROUP_UPDATE}:{nodegroup_uuid}",
            lambda: nodegroup.update(self.hctx, ctxt, cluster_uuid, nodegroup_uuid),
        )

    def nodegroup_delete(self, ctxt: Any, cluster_uuid: str, nodegroup_uuid: str) -> None:
        self._queue(
            cluster_uuid,
            f"{states.NODEGROUP_DELETE}:{nodegroup_uuid}",
            lambda: nodegroup.delete(self.hctx, ctxt, cluster_uuid, nodegroup_uuid),
        )

    # -- calls -------------------------------------------------------------------
    # Errors a caller causes (unknown cluster, bad CSR) are answers, not server faults:
    # expected_exceptions keeps them out of the error log.
    @messaging.expected_exceptions(exception.MagnumLiteException)
    def sign_certificate(self, ctxt: Any, cluster_uuid: str, csr: str) -> str:
        return certificate.sign(self.hctx, ctxt, cluster_uuid, csr)

    @messaging.expected_exceptions(exception.MagnumLiteException)
    def get_ca_certificate(
        self, ctxt: Any, cluster_uuid: str, ca_cert_type: str | None = None
    ) -> str:
        return certificate.get_ca(self.hctx, ctxt, cluster_uuid, ca_cert_type)

    @messaging.expected_exceptions(exception.MagnumLiteException)
    def rotate_ca_certificate(self, ctxt: Any, cluster_uuid: str) -> dict[str, str]:
        """Checks the request now (errors reach the API), rotates in the background."""
        certificate.check_rotate(self.hctx, cluster_uuid)
        self._queue(
            cluster_uuid,
            states.ROTATE_CA,
            lambda: certificate.rotate(self.hctx, ctxt, cluster_uuid),
        )
        return {"cluster_uuid": cluster_uuid, "status": states.UPDATE_IN_PROGRESS}

    def ping(self, ctxt: Any) -> dict[str, Any]:
        return {
            "host": self.host,
            "hostname": socket.gethostname(),
            "binary": "magnum-conductor",
            "uptime": round(time.time() - self.started, 3),
            "busy_clusters": len(self.runner.busy()),
        }
