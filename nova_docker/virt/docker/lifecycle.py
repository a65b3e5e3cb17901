"""Creating and removing instance containers: the hot path of spawn and destroy.

Spawn makes exactly the calls it needs (create, start, one inspect to catch a process that
exited at once); images are only looked at when the engine says it lacks one. Anything spawn
created is removed again if a later step fails.
"""

from __future__ import annotations

import time
from typing import Any

import docker.errors
from oslo_config import cfg
from oslo_log import log as logging

from nova_docker import exception
from nova_docker.virt.docker import client, files, images, networks
from nova_docker.virt.docker.spec import ContainerSpec

LOG = logging.getLogger(__name__)

_LOG_LINES_ON_FAILURE = 20


def _create_kwargs(api: Any, spec: ContainerSpec) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "image": spec.image,
        "name": spec.name,
        "labels": spec.labels,
        "detach": True,
        "host_config": api.create_host_config(**spec.host_config),
    }
    if spec.command:
        kwargs["command"] = spec.command
    if spec.environment:
        kwargs["environment"] = spec.environment
    if spec.ports:
        kwargs["ports"] = [tuple(p.split("/")) for p in spec.ports]
    if spec.hostname:
        kwargs["hostname"] = spec.hostname
    vif = spec.first_vif
    if vif is not None:
        kwargs["networking_config"] = api.create_networking_config(
            {vif.network: networks.endpoint_config(api, vif)}
        )
        if vif.mac:
            # API < 1.44 takes the first network's MAC from the container config.
            kwargs["mac_address"] = vif.mac
    return kwargs


def _network_missing(spec: ContainerSpec, exc: docker.errors.APIError) -> exception.NetworkNotFound:
    network = spec.host_config.get("network_mode") or "?"
    return exception.NetworkNotFound(
        f"Network {network} could not be found: {client.engine_message(exc)}", network_id=network
    )


def create(
    api: Any,
    conf: cfg.ConfigOpts,
    spec: ContainerSpec,
    image_id: str | None,
    image_service: Any,
) -> str:
    """Create the container (fetching the image if the engine lacks it); return its id."""
    if conf.docker.image_pull_policy == "always":
        images.pull(api, spec.image)
    kwargs = _create_kwargs(api, spec)
    for attempt in (1, 2):
        try:
            return api.create_container(**kwargs)["Id"]
        except docker.errors.ImageNotFound:
            if attempt == 2:
                raise exception.ImageNotFound(image_id=spec.image) from None
            images.provide(api, spec.image, image_id, image_service, conf.docker.image_pull_policy)
        except docker.errors.NotFound as exc:
            message = client.engine_message(exc)
            if "network" in message.lower():
                raise _network_missing(spec, exc) from exc
            raise exception.InstanceDeployFailure(reason=message) from exc
        except docker.errors.APIError as exc:
            message = client.engine_message(exc)
            if exc.status_code == 409:
                raise exception.InstanceExists(
                    f"Instance container {spec.name} already exists: {message}", name=spec.name
                ) from exc
            raise exception.InstanceDeployFailure(reason=message) from exc
    raise AssertionError("unreachable")


def last_log_lines(api: Any, container: str, lines: int = _LOG_LINES_ON_FAILURE) -> str:
    try:
        raw = api.logs(container, stdout=True, stderr=True, tail=lines)
    except docker.errors.APIError:
        return ""
    return raw.decode("utf-8", "replace").rstrip() if isinstance(raw, bytes) else str(raw)


def _check_running(api: Any, conf: cfg.ConfigOpts, container_id: str) -> None:
    """Fail if the container's process is gone (watching startup_check_seconds long)."""
    deadline = time.monotonic() + conf.docker.startup_check_seconds
    while True:
        state = api.inspect_container(container_id).get("State") or {}
        if not state.get("Running"):
            code = state.get("ExitCode")
            error = state.get("Error") or ""
            logs = last_log_lines(api, container_id)
            reason = f"the container's process exited at once (exit code {code})"
            if error:
                reason += f": {error}"
            reason += f"; last log lines:\n{logs}" if logs else "; it logged nothing"
            raise exception.InstanceDeployFailure(reason=reason)
        if time.monotonic() >= deadline:
            return
        time.sleep(0.2)


def finish(
    api: Any,
    conf: cfg.ConfigOpts,
    spec: ContainerSpec,
    container_id: str,
    injected: list[files._File],
    power_on: bool,
) -> None:
    """Steps after create: other networks, files, start. Raise on failure (caller cleans)."""
    for vif in spec.other_vifs:
        networks.connect(api, container_id, vif)
    if injected:
        api.put_archive(container_id, "/", files.tarball(injected))
    if power_on:
        api.start(container_id)
        _check_running(api, conf, container_id)


def remove(api: Any, container: str, wait: float = 60.0) -> bool:
    """Remove a container and its anonymous volumes; False if it was already gone."""
    deadline = time.monotonic() + wait
    while True:
        try:
            api.remove_container(container, force=True, v=True)
            return True
        except docker.errors.NotFound:
            return False
        except docker.errors.APIError as exc:
            # Another caller's removal is under way: wait for it to finish.
            if exc.status_code == 409 and time.monotonic() < deadline:
                time.sleep(0.2)
                continue
            raise


def spawn(
    api: Any,
    conf: cfg.ConfigOpts,
    spec: ContainerSpec,
    injected: list[files._File],
    power_on: bool,
    image_id: str | None,
    image_service: Any,
) -> str:
    container_id = create(api, conf, spec, image_id, image_service)
    try:
        finish(api, conf, spec, container_id, injected, power_on)
    except BaseException as exc:
        try:
            remove(api, container_id)
        except docker.errors.APIError:
            LOG.exception("Could not remove container %s after a failed spawn", container_id)
        if isinstance(exc, exception.NovaDockerException):
            raise
        if isinstance(exc, docker.errors.NotFound):
            # The engine checks network_mode only at start.
            message = client.engine_message(exc)
            vifs = [v for v in [spec.first_vif, *spec.other_vifs] if v is not None]
            for vif in vifs:
                if "network" in message.lower() and vif.network in message:
                    raise exception.NetworkNotFound(
                        f"Network {vif.network} could not be found: {message}",
                        network_id=vif.network,
                    ) from exc
        if isinstance(exc, docker.errors.APIError):
            raise exception.InstanceDeployFailure(reason=client.engine_message(exc)) from exc
        raise
    return container_id
