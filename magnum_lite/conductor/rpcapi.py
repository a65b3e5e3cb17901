"""The conductor's RPC client, used by magnum-lite-api (the server side is manager.py).

Casts for the long operations (the API has already written the desired state and answers
202), calls for the certificate operations whose results the API returns.
"""

from __future__ import annotations

from typing import Any

import oslo_messaging as messaging
from oslo_config import cfg

from magnum_lite import conf as ml_conf
from magnum_lite.common import exception
from nova_docker.common import rpc


def _is_transport_error(exc: Exception) -> bool:
    """Broker-level failures (not errors the conductor raised and sent back)."""
    if isinstance(exc, messaging.MessageDeliveryFailure):
        return True
    return type(exc).__module__.split(".")[0] in ("kombu", "amqp")


#: 1.0 - the first version.
RPC_API_VERSION = "1.0"


class ConductorAPI:
    """Client of topic ``[conductor] topic`` (default magnum-lite-conductor)."""

    def __init__(
        self,
        transport: messaging.Transport | None = None,
        conf: cfg.ConfigOpts = ml_conf.CONF,
        timeout: float | None = None,
        retry: int | None = 3,
    ) -> None:
        self.conf = conf
        #: Connection retries of a cast before it fails (None: forever). A bounded number
        #: keeps an API request from hanging while the broker is down.
        self.retry = retry
        self.transport = transport or rpc.get_transport(conf)
        self.client = rpc.get_client(
            self.transport,
            conf.conductor.topic,
            RPC_API_VERSION,
            version_cap=RPC_API_VERSION,
            timeout=timeout,
        )

    def _cast(self, ctxt: Any, method: str, **kwargs: Any) -> None:
        try:
            self.client.prepare(retry=self.retry).cast(ctxt, method, **kwargs)
        except Exception as exc:  # a cast has no remote errors: all of these are transport's
            raise exception.ConductorUnavailable(reason=f"{type(exc).__name__}: {exc}") from exc

    def _call(self, ctxt: Any, method: str, **kwargs: Any) -> Any:
        try:
            return self.client.prepare(retry=self.retry).call(ctxt, method, **kwargs)
        except messaging.MessagingTimeout as exc:
            raise exception.ConductorUnavailable(
                reason=f"no answer to {method} in time; is magnum-lite-conductor running?"
            ) from exc
        except Exception as exc:
            if _is_transport_error(exc):
                raise exception.ConductorUnavailable(reason=f"{type(exc).__name__}: {exc}") from exc
            raise

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
