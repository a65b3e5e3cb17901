"""Snapshots: commit a container to a new Docker image and register it in the image service."""

from __future__ import annotations

import contextlib
import os
import tempfile
from typing import Any

import docker.errors
from oslo_config import cfg
from oslo_log import log as logging

from nova_docker import exception
from nova_docker.virt.docker import client

LOG = logging.getLogger(__name__)

# Nova's task states (nova.compute.task_states), as update_task_state expects them.
IMAGE_PENDING_UPLOAD = "image_pending_upload"
IMAGE_UPLOADING = "image_uploading"


def _register(image_service: Any, instance: Any, image_id: str, props: dict[str, Any]) -> None:
    fields = {"container_format": "docker", "disk_format": "raw", "status": "active"}
    try:
        image_service.show(image_id)
    except exception.ImageNotFound:
        name = f"snapshot of {getattr(instance, 'display_name', '') or instance.uuid}"
        image_service.create(name, "docker", "raw", properties=props, image_id=image_id)
    image_service.update(image_id, props, **fields)


def _save(api: Any, image_service: Any, ref: str, image_id: str) -> None:
    """Store a `docker save` tarball so other hosts can `docker load` the snapshot."""
    fd, tmp = tempfile.mkstemp(prefix="stackdock-snap-", suffix=".tar")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in api.get_image(ref):
                out.write(chunk)
        image_service.upload(image_id, tmp)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def snapshot(
    api: Any,
    conf: cfg.ConfigOpts,
    image_service: Any,
    instance: Any,
    image_id: str,
    update_task_state: Any,
) -> dict[str, Any]:
    """Commit the instance's container to <snapshot_repository>:<image_id> and register it."""
    name = client.container_name(instance.uuid)
    repository = conf.docker.snapshot_repository
    ref = f"{repository}:{image_id}"
    if update_task_state is not None:
        update_task_state(task_state=IMAGE_PENDING_UPLOAD)
    try:
        result = api.commit(
            name,
            repository=repository,
            tag=image_id,
            message=f"stackdock snapshot of instance {instance.uuid}",
            pause=True,
        )
    except docker.errors.NotFound as exc:
        raise exception.InstanceNotFound(instance_id=instance.uuid) from exc
    except docker.errors.APIError as exc:
        raise exception.NovaDockerException(
            f"snapshot of instance {instance.uuid} failed: {client.engine_message(exc)}"
        ) from exc
    if update_task_state is not None:
        update_task_state(task_state=IMAGE_UPLOADING, expected_state=IMAGE_PENDING_UPLOAD)
    props = {
        "docker_image": ref,
        "docker_image_id": result.get("Id"),
        "stackdock_snapshot_of": instance.uuid,
    }
    try:
        _register(image_service, instance, image_id, props)
        if conf.docker.snapshot_save:
            _save(api, image_service, ref, image_id)
    except Exception:
        # The commit is useless without its catalog entry; leave nothing half-made.
        with contextlib.suppress(docker.errors.APIError):
            api.remove_image(ref)
        raise
    LOG.info("Snapshot of instance %s is image %s (%s)", instance.uuid, image_id, ref)
    return image_service.show(image_id)
