"""The connection to the Docker engine, and translation of its errors.

The client is built lazily: Nova constructs drivers before init_host, and an engine that is
down at that moment must not stop the service from starting (it becomes
HypervisorUnavailable on first use instead).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import docker
import docker.errors
import requests
from oslo_config import cfg
from oslo_log import log as logging

from nova_docker import exception
from nova_docker.common import docker_client

LOG = logging.getLogger(__name__)

#: Label names the driver puts on everything it creates.
LABEL_MANAGED = "stackdock.managed"
LABEL_UUID = "stackdock.instance_uuid"
LABEL_NAME = "stackdock.instance_name"
LABEL_DISPLAY_NAME = "stackdock.display_name"
LABEL_META_PREFIX = "stackdock.meta."
LABEL_FLAVOR_PREFIX = "stackdock.flavor."


def container_name(uuid: str) -> str:
    return f"nova-{uuid}"


def engine_message(exc: BaseException) -> str:
    """The engine's own words for an error, without the SDK's URL noise."""
    if isinstance(exc, docker.errors.APIError):
        explanation = exc.explanation
        if isinstance(explanation, bytes):
            explanation = explanation.decode("utf-8", "replace")
        return str(explanation or exc).strip()
    return str(exc).strip()


def _tls_config(conf: cfg.ConfigOpts) -> docker.tls.TLSConfig | bool:
    group = conf.docker
    if not group.tls:
        return False
    cert = (group.cert_file, group.key_file) if group.cert_file and group.key_file else None
    if bool(group.cert_file) != bool(group.key_file):
        raise exception.Invalid(reason="[docker] cert_file and key_file must be set together")
    return docker.tls.TLSConfig(
        client_cert=cert,
        ca_cert=group.ca_file,
        verify=(group.ca_file or True) if not group.api_insecure else False,
    )


class EngineClient:
    """A lazily connected docker.APIClient plus the error translation the driver uses."""

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        self.conf = conf
        self._api: docker.APIClient | None = None
        self._lock = threading.Lock()

    @property
    def api(self) -> docker.APIClient:
        if self._api is None:
            with self._lock:
                if self._api is None:
                    self._api = self._connect()
        return self._api

    def _connect(self) -> docker.APIClient:
        group = self.conf.docker
        try:
            return docker_client.APIClient(
                base_url=group.host_url,
                version=group.api_version or "auto",
                timeout=group.api_timeout,
                tls=_tls_config(self.conf),
                # Ten concurrent spawns must not queue on the connection pool.
                max_pool_size=32,
            )
        except (docker.errors.DockerException, requests.RequestException, OSError) as exc:
            raise exception.HypervisorUnavailable(
                reason=f"cannot reach the Docker engine at {group.host_url}: {exc}"
            ) from exc

    def close(self) -> None:
        with self._lock:
            if self._api is not None:
                self._api.close()
                self._api = None

    @contextlib.contextmanager
    def unavailable_as_hypervisor_error(self) -> Iterator[None]:
        """Connection failures become HypervisorUnavailable; API errors pass through."""
        try:
            yield
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise exception.HypervisorUnavailable(
                reason=f"Docker engine at {self.conf.docker.host_url} did not answer: {exc}"
            ) from exc
        except docker.errors.DockerException as exc:
            if isinstance(exc, docker.errors.APIError):
                raise
            raise exception.HypervisorUnavailable(
                reason=f"Docker engine at {self.conf.docker.host_url}: {exc}"
            ) from exc

    def ping(self) -> None:
        with self.unavailable_as_hypervisor_error():
            try:
                self.api.ping()
            except docker.errors.APIError as exc:
                raise exception.HypervisorUnavailable(reason=engine_message(exc)) from exc
