"""What spawn builds before libvirt sees anything: image checks, instance files, domain XML.

Functions of the configuration and the image service only (no libvirt connection), so the
benchmark can prepare exactly the guest the driver would boot, and a failure here has
created nothing but files inside the instance directory.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from typing import Any

from oslo_config import cfg

from nova_docker import exception
from nova_docker.virt.libvirt import config, configdrive, imagebackend

GiB = 1024**3
DEFAULT_CMDLINE = "root=/dev/vda console=ttyS0"
_DOCKER_REASON = (
    "container_format docker is a Docker image; the libvirt driver boots disk images "
    "(qcow2, raw) and kernel/ramdisk images"
)


def instance_dir(conf: cfg.ConfigOpts, instance: Any) -> str:
    return os.path.join(conf.libvirt.instances_path, instance.uuid)


def console_log_path(conf: cfg.ConfigOpts, instance: Any) -> str:
    log_dir = conf.libvirt.console_log_dir
    if log_dir:
        return os.path.join(log_dir, f"{instance.name}.log")
    return os.path.join(instance_dir(conf, instance), "console.log")


def cpu_config(conf: cfg.ConfigOpts) -> config.GuestCPU:
    """cpu_mode, defaulting as Nova does: host-model with kvm, none with qemu."""
    lv = conf.libvirt
    mode = lv.cpu_mode or ("host-model" if lv.virt_type == "kvm" else "none")
    return config.GuestCPU(mode=mode, model=(lv.cpu_models or [None])[0])


def image_record(image_service: Any, image_id: str, role: str = "image") -> dict[str, Any]:
    if not image_id:
        raise exception.ImageNotFound(image_id=f"<no {role} id>")
    return image_service.show(image_id)


def check_image(image_service: Any, image_meta: Any) -> dict[str, Any]:
    """The catalog record of a bootable image (ImageNotFound / ImageUnacceptable)."""
    image_id = getattr(image_meta, "id", "") or ""
    if getattr(image_meta, "container_format", None) == "docker":
        raise exception.ImageUnacceptable(image_id=image_id, reason=_DOCKER_REASON)
    image = image_record(image_service, image_id)
    if image.get("container_format") == "docker":
        raise exception.ImageUnacceptable(image_id=image["id"], reason=_DOCKER_REASON)
    if image.get("disk_format") not in imagebackend.DISK_FORMATS:
        raise exception.ImageUnacceptable(
            image_id=image["id"],
            reason=f"disk_format {image.get('disk_format')} cannot be a root disk "
            f"(accepted: {', '.join(sorted(imagebackend.DISK_FORMATS))})",
        )
    return image


def merged_properties(image: dict[str, Any], image_meta: Any) -> dict[str, Any]:
    """The catalog's properties, overridden by those the caller passed."""
    props = dict(image.get("properties") or {})
    given = getattr(image_meta, "properties", None)
    if given is not None:
        props.update(given.to_dict() if hasattr(given, "to_dict") else dict(given))
    return props


def kernel_cmdline(props: dict[str, Any]) -> str:
    cmdline = props.get("os_command_line") or DEFAULT_CMDLINE
    # The console log (get_console_output) needs the kernel on the first serial port.
    if "console=ttyS0" not in cmdline.split():
        cmdline += " console=ttyS0"
    return cmdline


def _boot_file(
    cache: imagebackend.ImageCache, image_service: Any, image_id: str, role: str, fmt: str
) -> str:
    record = image_record(image_service, image_id, role)
    if record.get("disk_format") not in (fmt, "raw"):
        raise exception.ImageUnacceptable(
            image_id=record["id"],
            reason=f"a {role} must have disk_format {fmt}, not {record.get('disk_format')}",
        )
    return cache.fetch(image_service, record)


def _root_disk(
    conf: cfg.ConfigOpts,
    cache: imagebackend.ImageCache,
    image_service: Any,
    image: dict,
    flavor: Any,
    inst_dir: str,
) -> config.GuestDisk:
    base_format = imagebackend.DISK_FORMATS[image["disk_format"]]
    base = cache.fetch(image_service, image, probe=base_format)
    base_size = cache.virtual_size(base, base_format)
    root_bytes = int(flavor.root_gb or 0) * GiB
    if root_bytes and root_bytes < base_size:
        raise exception.FlavorDiskSmallerThanImage(flavor_size=root_bytes, image_size=base_size)
    path = os.path.join(inst_dir, "disk")
    if conf.libvirt.images_type == "raw":
        imagebackend.create_raw_copy(base, base_format, path, root_bytes or None)
        fmt = "raw"
    else:
        imagebackend.create_overlay(base, base_format, path, root_bytes or None)
        fmt = "qcow2"
    return config.GuestDisk(path, "vda", "virtio", fmt, cache=conf.libvirt.disk_cachemode)


def prepare(
    conf: cfg.ConfigOpts,
    image_service: Any,
    instance: Any,
    image: dict[str, Any],
    props: dict[str, Any],
) -> str:
    """Create the instance's files (root disk, config drive) and return its domain XML."""
    lv = conf.libvirt
    cache = imagebackend.ImageCache(lv.images_path)
    inst_dir = instance_dir(conf, instance)
    flavor = instance.flavor
    kernel = ramdisk = cmdline = None
    kernel_id = props.get("kernel_id")
    ramdisk_id = props.get("ramdisk_id")
    if kernel_id:
        kernel = _boot_file(cache, image_service, kernel_id, "kernel", "aki")
        if ramdisk_id:
            ramdisk = _boot_file(cache, image_service, ramdisk_id, "ramdisk", "ari")
        cmdline = kernel_cmdline(props)
    if os.path.isdir(inst_dir):  # a leftover of a crashed spawn (the caller saw no domain)
        shutil.rmtree(inst_dir)
    imagebackend.ensure_dir(inst_dir)
    disks = [_root_disk(conf, cache, image_service, image, flavor, inst_dir)]
    if configdrive.wants_config_drive(instance, props):
        drive = os.path.join(inst_dir, "disk.config")
        configdrive.make_drive(instance, drive)
        disks.append(config.GuestDisk(drive, "hdd", "ide", "raw", device="cdrom", readonly=True))
    log_path = console_log_path(conf, instance)
    if lv.console_log_dir:
        imagebackend.ensure_dir(lv.console_log_dir)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(log_path)
    guest = config.GuestConfig(
        name=instance.name,
        uuid=instance.uuid,
        virt_type=lv.virt_type,
        memory_mb=int(flavor.memory_mb),
        vcpus=int(flavor.vcpus),
        metadata=config.InstanceMetadata(
            uuid=instance.uuid,
            name=instance.name,
            display_name=getattr(instance, "display_name", "") or "",
            host=conf.compute.host,
            image_id=image["id"],
            kernel_id=kernel_id or "",
            ramdisk_id=ramdisk_id or "",
            flavor_name=getattr(flavor, "name", "") or "",
            memory_mb=int(flavor.memory_mb),
            vcpus=int(flavor.vcpus),
            root_gb=int(flavor.root_gb or 0),
        ),
        kernel=kernel,
        ramdisk=ramdisk,
        cmdline=cmdline,
        cpu=cpu_config(conf),
        disks=disks,
        serial_log=config.GuestSerialLog(log_path),
    )
    return guest.to_xml()
