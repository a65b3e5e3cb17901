"""Docker clients built from Heat's configuration, never from template secrets.

A template names an endpoint (``docker_endpoint: edge``); the URL and TLS files come from
``[heat_docker_endpoint:edge]`` in heat.conf, or from ``[heat_docker]`` for the default.

Seam for other targets (magnum_lite bays later): a name ``<scheme>:<ref>`` such as
``bay:<uuid>`` is handed to the resolver registered for ``scheme`` — via
``register_resolver()`` or an entry point in the ``heat_plugins.endpoint_resolvers`` group
— which returns an :class:`Endpoint` (URL plus TLS files it fetched for the bay).
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from importlib import metadata
from typing import Any

import docker
from docker import tls
from oslo_config import cfg

from heat_plugins import conf as plugin_conf
from nova_docker.common import docker_client

CONF = cfg.CONF
plugin_conf.register_opts(CONF)

RESOLVER_GROUP = "heat_plugins.endpoint_resolvers"
DEFAULT = "default"


class EndpointNotFound(ValueError):
    """A template asked for a Docker endpoint the operator did not configure."""


@dataclasses.dataclass(frozen=True)
class Endpoint:
    name: str
    url: str
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    tls_verify: bool = True
    api_version: str = "auto"
    timeout: int = 60

    @property
    def uses_tls(self) -> bool:
        return bool(self.cert_file or self.ca_file)


Resolver = Callable[[str, Any], Endpoint]
_resolvers: dict[str, Resolver] = {}
_clients: dict[Endpoint, docker.DockerClient] = {}
_lock = threading.Lock()


def register_resolver(scheme: str, resolver: Resolver) -> None:
    """Let names ``<scheme>:<ref>`` resolve through ``resolver(ref, context)``."""
    _resolvers[scheme] = resolver


def _find_resolver(scheme: str) -> Resolver | None:
    if scheme in _resolvers:
        return _resolvers[scheme]
    for ep in metadata.entry_points(group=RESOLVER_GROUP):
        if ep.name == scheme:
            _resolvers[scheme] = ep.load()
            return _resolvers[scheme]
    return None


def _from_group(name: str, group: Any) -> Endpoint:
    return Endpoint(
        name=name,
        url=group.url,
        ca_file=group.ca_file,
        cert_file=group.cert_file,
        key_file=group.key_file,
        tls_verify=group.tls_verify,
        api_version=group.api_version,
        timeout=group.timeout,
    )


def configured_names(conf: cfg.ConfigOpts = CONF) -> list[str]:
    return [DEFAULT, *conf.heat_docker.endpoints]


def resolve(name: str | None, context: Any = None, conf: cfg.ConfigOpts = CONF) -> Endpoint:
    """The endpoint a template selected (None or "default": the default endpoint).

    Raises EndpointNotFound with the configured names when ``name`` is unknown.
    """
    if not name or name == DEFAULT:
        return _from_group(DEFAULT, conf.heat_docker)
    if ":" in name and not name.startswith(("unix:", "tcp:", "http:", "https:")):
        scheme, ref = name.split(":", 1)
        resolver = _find_resolver(scheme)
        if resolver is None:
            raise EndpointNotFound(f"no resolver for Docker endpoint kind '{scheme}' ({name})")
        return resolver(ref, context)
    if name in conf.heat_docker.endpoints:
        group = plugin_conf.register_endpoint(conf, name)
        return _from_group(name, conf[group])
    raise EndpointNotFound(
        f"Docker endpoint '{name}' is not configured; known: {', '.join(configured_names(conf))}"
    )


def resolve_legacy(value: str | None, context: Any = None, conf: cfg.ConfigOpts = CONF) -> Endpoint:
    """Old templates gave a URL: accept it only when it is a configured endpoint's URL."""
    if value and "://" in value:
        for name in configured_names(conf):
            endpoint = resolve(name, context, conf)
            if endpoint.url.rstrip("/") == value.rstrip("/"):
                return endpoint
        raise EndpointNotFound(
            f"Docker endpoint URL '{value}' is not one configured in heat.conf "
            "([heat_docker] url or a named endpoint); URLs cannot come from templates"
        )
    return resolve(value, context, conf)


def _tls_config(endpoint: Endpoint) -> tls.TLSConfig | None:
    if not endpoint.uses_tls:
        return None
    cert = (endpoint.cert_file, endpoint.key_file) if endpoint.cert_file else None
    return tls.TLSConfig(
        client_cert=cert,
        ca_cert=endpoint.ca_file,
        verify=endpoint.ca_file
        if endpoint.tls_verify and endpoint.ca_file
        else endpoint.tls_verify,
    )


def _base_url(endpoint: Endpoint) -> str:
    # docker-py maps tcp:// to http://; with TLS it must be https://.
    if endpoint.uses_tls and endpoint.url.startswith("tcp://"):
        return "https://" + endpoint.url[len("tcp://") :]
    return endpoint.url


def get_client(endpoint: Endpoint) -> docker.DockerClient:
    """A cached client per endpoint (clients are thread-safe connection pools)."""
    with _lock:
        client = _clients.get(endpoint)
        if client is None:
            client = docker_client.DockerClient(
                base_url=_base_url(endpoint),
                version=endpoint.api_version,
                timeout=endpoint.timeout,
                tls=_tls_config(endpoint) or False,
            )
            _clients[endpoint] = client
        return client


def reset_cache() -> None:
    with _lock:
        for client in _clients.values():
            client.close()
        _clients.clear()
