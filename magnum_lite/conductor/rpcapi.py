"""The conductor's RPC client, used by magnum-lite-api (the server side is manager.py).

Casts for the long operations (the API has already written the desired state and answers
202), calls for the certificate operations whose results the API returns.
"""

from __future__ import annotations

from typing import Any

import oslo_messaging as messaging
from oslo_config import cfg

from magnum_lite import conf as ml_conf
from nova_docker.common import rpc

#: 1.0 - the first version.
RPC_API_VERSION = "1.0"


class ConductorAPI:
    """Client of topic ``[conductor] topic`` (default magnum-lite-conductor)."""

    def __init__(
        self,
        transport: messaging.Transport | None = None,
        conf: cfg.ConfigOpts = ml_conf.CONF,
        timeout: float | None = None,
    ) -> None:
        self.conf = conf
        self.transport = transport or rpc.get_transport(conf)
        self.client = rpc.get_client(
            self.transport,
            conf.conductor.topic,
            RPC_API_VERSION,
            version_cap=RPC_API_VERSION,
            timeout=timeout,
        )

    def _cast(self, ctxt: Any, method: str, **kwargs: Any) -> None:
        self.client.prepare().cast(ctxt, method, **kwargs)

    def _call(self, ctxt: Any, method: str, **kwargs: Any) -> Any:
        return self.client.prepare().call(ctxt, method, **kwargs)

    # -- casts -----------------------------------------------------------------------------
    def cluster_create(self, ctxt: Any, cluster_uuid: str, create_timeout: int) -> None:
        self._cast(ctxt, "cluster_create", cluster_uuid=cluster_uuid, create_timeout=create_timeout)

    def cluster_update(self, ctxt: Any, cluster_uuid: str, rollback: bool = False) -> None:
        self._cast(ctxt, "cluster_update", cluster_uuid=cluster_uuid, rollback=rollback)

    def cluster_delete(self, ctxt: Any, cluster_uuid: str) -> None:
        self._cast(ctxt, "cluster_delete", cluster_uuid=cluster_uuid)

    def cluster_resize(
        self,
        ctxt: Any,
        cluster_uuid: str,
        node_count: int,
        nodes_to_remove: list[str],
        nodegroup_uuid: str,
    ) -> None:
        self._cast(
            ctxt,
            "cluster_resize",
            cluster_uuid=cluster_uuid,
            node_count=node_count,
            nodes_to_remove=nodes_to_remove,
            nodegroup_uuid=nodegroup_uuid,
        )

    def nodegroup_create(self, ctxt: Any, cluster_uuid: str, nodegroup_uuid: str) -> None:
        self._cast(
            ctxt, "nodegroup_create", cluster_uuid=cluster_uuid, nodegroup_uuid=nodegroup_uuid
        )

    def nodegroup_update(self, ctxt: Any, cluster_uuid: str, nodegroup_uuid: str) -> None:
        self._cast(
            ctxt, "nodegroup_update", cluster_uuid=cluster_uuid, nodegroup_uuid=nodegroup_uuid
        )

    def nodegroup_delete(self, ctxt: Any, cluster_uuid: str, nodegroup_uuid: str) -> None:
        self._cast(
            ctxt, "nodegroup_delete", cluster_uuid=cluster_uuid, nodegroup_uuid=nodegroup_uuid
        )

    # -- calls -----------------------------------------------------------------------------
    def sign_certificate(self, ctxt: Any, cluster_uuid: str, csr: str) -> str:
        return self._call(ctxt, "sign_certificate", cluster_uuid=cluster_uuid, csr=csr)

    def get_ca_certificate(
        self, ctxt: Any, cluster_uuid: str, ca_cert_type: str | None = None
    ) -> str:
        return self._call(
            ctxt, "get_ca_certificate", cluster_uuid=cluster_uuid, ca_cert_type=ca_cert_type
        )

    def rotate_ca_certificate(self, ctxt: Any, cluster_uuid: str) -> Any:
        return self._call(ctxt, "rotate_ca_certificate", cluster_uuid=cluster_uuid)

    def ping(self, ctxt: Any) -> dict:
        return self._call(ctxt, "ping")
