"""oslo.messaging plumbing shared by the compute agent and magnum_lite (ironic's shape).

One transport per process and ConfigOpts, a serializer that carries the request context,
and factories for clients and servers. Servers use oslo.messaging's threading executor,
chosen automatically once the threading backend is selected (never pass ``executor=``).
"""

from __future__ import annotations

import threading
from typing import Any

import oslo_messaging as messaging
from oslo_config import cfg
from oslo_messaging.rpc import dispatcher

from nova_docker.common import context as ctx_module
from nova_docker.common import service

_transports: dict[int, messaging.Transport] = {}
_lock = threading.Lock()

#: Exceptions that may be re-raised on the client side with their own class.
ALLOWED_EXMODS = ["nova_docker.exception", "magnum_lite.common.exception"]


class RequestContextSerializer(messaging.Serializer):
    """Serializes entities with a base serializer and the context as a plain dict."""

    def __init__(self, base: messaging.Serializer | None = None) -> None:
        self._base = base or messaging.NoOpSerializer()

    def serialize_entity(self, context: Any, entity: Any) -> Any:
        return self._base.serialize_entity(context, entity)

    def deserialize_entity(self, context: Any, entity: Any) -> Any:
        return self._base.deserialize_entity(context, entity)

    def serialize_context(self, context: Any) -> dict:
        if context is None:
            return {}
        return context.to_dict()

    def deserialize_context(self, context: dict) -> ctx_module.RequestContext:
        return ctx_module.RequestContext.from_dict(context or {})


def get_transport(conf: cfg.ConfigOpts = cfg.CONF, url: str | None = None) -> messaging.Transport:
    """The process's RPC transport for ``conf`` (created once, reused)."""
    service.init_threading_backend()
    key = id(conf) if url is None else hash((id(conf), url))
    with _lock:
        transport = _transports.get(key)
        if transport is None:
            transport = messaging.get_rpc_transport(
                conf, url=url, allowed_remote_exmods=ALLOWED_EXMODS
            )
            _transports[key] = transport
        return transport


def cleanup() -> None:
    """Close every transport this process opened (tests and clean shutdown)."""
    with _lock:
        for transport in _transports.values():
            transport.cleanup()
        _transports.clear()


def get_client(
    transport: messaging.Transport,
    topic: str,
    version: str,
    version_cap: str | None = None,
    serializer: messaging.Serializer | None = None,
    timeout: float | None = None,
) -> messaging.RPCClient:
    target = messaging.Target(topic=topic, version=version)
    return messaging.get_rpc_client(
        transport,
        target,
        version_cap=version_cap,
        serializer=RequestContextSerializer(serializer),
        timeout=timeout,
    )


def get_server(
    transport: messaging.Transport,
    topic: str,
    server: str,
    endpoints: list[Any],
    serializer: messaging.Serializer | None = None,
) -> messaging.MessageHandlingServer:
    target = messaging.Target(topic=topic, server=server)
    return messaging.get_rpc_server(
        transport,
        target,
        endpoints,
        serializer=RequestContextSerializer(serializer),
        access_policy=dispatcher.DefaultRPCAccessPolicy,
    )
