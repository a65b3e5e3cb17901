"""Getting an instance's image into the engine: local, loaded from the catalog, or pulled."""

from __future__ import annotations

from typing import Any

import docker.errors
from oslo_log import log as logging

from nova_docker import exception
from nova_docker.virt.docker import client

LOG = logging.getLogger(__name__)


def _not_found(ref: str, why: str) -> exception.ImageNotFound:
    return exception.ImageNotFound(f"Image {ref} could not be found: {why}", image_id=ref)


def _catalog_file(image_service: Any, image_id: str | None) -> str | None:
    """The catalog's data file (a `docker save` tarball) for the image, if it holds one."""
    if not image_id or image_service is None:
        return None
    try:
        return image_service.path(image_id)
    except (exception.ImageNotFound, exception.ImageUnacceptable, exception.Invalid):
        return None


def load(api: Any, path: str, ref: str) -> None:
    """`docker load` a tarball, then make sure it held ref."""
    LOG.info("Loading Docker image %s from %s", ref, path)
    try:
        with open(path, "rb") as f:
            for _ in api.load_image(f):
                pass
        api.inspect_image(ref)
    except docker.errors.ImageNotFound:
        raise _not_found(ref, f"the catalog tarball {path} does not contain it") from None
    except docker.errors.APIError as exc:
        raise _not_found(ref, f"loading {path} failed: {client.engine_message(exc)}") from exc


def pull(api: Any, ref: str) -> None:
    LOG.info("Pulling Docker image %s", ref)
    repository, tag = ref, None
    last = ref.rsplit("/", 1)[-1]
    if ":" in last and "@" not in ref:
        repository, tag = ref.rsplit(":", 1)
    try:
        api.pull(repository, tag=tag or "latest")
    except docker.errors.APIError as exc:
        raise _not_found(ref, f"pull failed: {client.engine_message(exc)}") from exc


def provide(api: Any, ref: str, image_id: str | None, image_service: Any, policy: str) -> None:
    """Called when the engine lacks ref: load it from the catalog or pull it, by policy."""
    path = _catalog_file(image_service, image_id)
    if path:
        load(api, path, ref)
    elif policy in ("if_not_present", "always"):
        pull(api, ref)
    else:
        raise _not_found(
            ref,
            "the engine does not have it, the image catalog holds no tarball for it, and "
            "[docker] image_pull_policy is 'never'",
        )
