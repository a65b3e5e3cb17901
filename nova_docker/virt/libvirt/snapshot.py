"""Cold snapshot of an instance's root disk into a new image of the image service.

A running (or paused) guest is saved with managedSave first: QEMU stops and has flushed
every write, so the overlay and its base form a consistent disk. The overlay is flattened
with ``qemu-img convert`` into one standalone file, the guest is restored at once, and only
then is the file uploaded. The new image gets the source image's properties (kernel_id,
ramdisk_id, os_command_line, img_config_drive ...) so that it boots like its source.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Callable
from typing import Any

from nova_docker import exception
from nova_docker.virt.libvirt import config, imagebackend
from nova_docker.virt.libvirt.guest import Guest

LOG = logging.getLogger(__name__)

# Nova's task states during a snapshot.
IMAGE_PENDING_UPLOAD = "image_pending_upload"
IMAGE_UPLOADING = "image_uploading"

#: Properties that describe the snapshot's origin, not how to boot it.
_NOT_COPIED = ("image_location", "image_state", "instance_uuid", "base_image_ref", "owner_id")


def _output_format(disk_format: str, image_id: str) -> str:
    if disk_format == "qcow2":
        return "qcow2"
    if disk_format in ("raw", "ami"):
        return "raw"
    raise exception.ImageUnacceptable(
        image_id=image_id,
        reason=f"snapshots are written as qcow2 or raw, not disk_format {disk_format}",
    )


def snapshot_properties(
    source: dict[str, Any] | None, meta: config.InstanceMetadata, instance_uuid: str
) -> dict[str, Any]:
    props = {
        k: v for k, v in ((source or {}).get("properties") or {}).items() if k not in _NOT_COPIED
    }
    # The domain remembers how it booted even if the source image is gone by now.
    if meta.kernel_id:
        props.setdefault("kernel_id", meta.kernel_id)
    if meta.ramdisk_id:
        props.setdefault("ramdisk_id", meta.ramdisk_id)
    props.update(
        image_location="snapshot",
        image_type="snapshot",
        instance_uuid=instance_uuid,
        base_image_ref=meta.image_id,
    )
    return props


def take(
    guest: Guest,
    image_service: Any,
    image_id: str,
    update_task_state: Callable[..., Any] | None,
    work_dir: str,
    instance_uuid: str,
) -> dict[str, Any]:
    """Snapshot guest's root disk into image_id; return the uploaded image's metadata."""
    target = image_service.show(image_id)  # ImageNotFound before touching the guest
    out_format = _output_format(target.get("disk_format") or "qcow2", image_id)
    meta = guest.metadata() or config.InstanceMetadata(uuid=instance_uuid, name=guest.name)
    source = None
    if meta.image_id:
        try:
            source = image_service.show(meta.image_id)
        except exception.ImageNotFound:
            LOG.warning("source image %s of %s is gone", meta.image_id, instance_uuid)
    disk = config.find_disk(guest.domain.XMLDesc(0), "vda")
    if disk is None:
        raise exception.NotSupported(reason=f"instance {instance_uuid} has no root disk file")
    disk_path, disk_format = disk

    if update_task_state is not None:
        update_task_state(task_state=IMAGE_PENDING_UPLOAD)
    fd, tmp = tempfile.mkstemp(prefix=".snapshot-", dir=work_dir)
    os.close(fd)
    try:
        saved = False
        if guest.is_active():
            guest.managed_save()
            saved = True
        try:
            imagebackend.convert_standalone(disk_path, disk_format, tmp, out_format)
        finally:
            if saved:
                guest.launch()  # restores the managed save: running or paused as before
        if update_task_state is not None:
            update_task_state(task_state=IMAGE_UPLOADING, expected_state=IMAGE_PENDING_UPLOAD)
        props = snapshot_properties(source, meta, instance_uuid)
        return image_service.upload(image_id, tmp, properties=props)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
