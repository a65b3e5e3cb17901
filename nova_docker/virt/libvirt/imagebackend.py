"""Base image cache and per-instance disks (qcow2 overlay on a cached base, or a raw copy).

The cache holds one read-only file per (image id, checksum) in ``images_path``; it is
filled once from the image service (``path()`` when the catalog is local, else
``download()``), checked (sha256 when the catalog gives one, and the real format probed by
qemu-img so a "raw" image cannot smuggle in a qcow2 header pointing at a host file), and
renamed into place, so a half-written base is never seen. Instances get a qcow2 overlay
backed by it, sized to the flavor's root disk. qemu-img runs as a subprocess (it is not
virsh; libvirt-python has no local image API).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from typing import Any

from nova_docker import exception

QEMU_IMG_TIMEOUT = 600
_CHUNK = 1024 * 1024
_SAFE = re.compile(r"[^A-Za-z0-9._-]")
#: disk_format values that are disk images, and the qemu format of their cached base.
DISK_FORMATS = {"qcow2": "qcow2", "raw": "raw", "ami": "raw"}

_thread_locks: dict[str, threading.Lock] = {}
_thread_locks_guard = threading.Lock()


class QemuImgError(exception.NovaDockerException):
    msg_fmt = "qemu-img failed: %(reason)s"


def qemu_img(*args: str, timeout: int = QEMU_IMG_TIMEOUT) -> str:
    """Run qemu-img and return its stdout (raises QemuImgError with its stderr)."""
    cmd = ["qemu-img", *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise QemuImgError(reason=f"{' '.join(cmd)}: {exc}") from exc
    if proc.returncode != 0:
        raise QemuImgError(reason=f"{' '.join(cmd)}: {proc.stderr.strip() or proc.returncode}")
    return proc.stdout


def image_info(path: str, fmt: str | None = None) -> dict[str, Any]:
    """qemu-img info as a dict (probing the format unless fmt is given).

    -U: reading the header is safe while a running domain holds the image's write lock.
    """
    args = ["info", "-U", "--output=json"]
    if fmt:
        args += ["-f", fmt]
    return json.loads(qemu_img(*args, path))


@contextlib.contextmanager
def file_lock(path: str) -> Iterator[None]:
    """Exclusive lock across threads (flock is per open file) and processes."""
    with _thread_locks_guard:
        tlock = _thread_locks.setdefault(path, threading.Lock())
    with tlock:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)


def ensure_dir(path: str) -> str:
    """Create a directory QEMU can traverse (0755 whatever the umask)."""
    os.makedirs(path, exist_ok=True)
    os.chmod(path, 0o755)
    return path


class ImageCache:
    """Cached base files in one directory, keyed by image id and checksum."""

    def __init__(self, base_dir: str) -> None:
        self.base_dir = base_dir

    def base_path(self, image_id: str, checksum: str | None) -> str:
        name = _SAFE.sub("_", image_id)
        if checksum:
            name += "_" + _SAFE.sub("_", checksum)[:16]
        return os.path.join(self.base_dir, name)

    def virtual_size(self, base: str, fmt: str) -> int:
        """Virtual size of a cached base, remembered next to it (bases never change)."""
        side = base + ".info"
        try:
            with open(side) as f:
                return int(json.load(f)["virtual-size"])
        except (OSError, ValueError, KeyError):
            pass
        size = virtual_size(base, fmt)
        fd, tmp = tempfile.mkstemp(prefix=".info-", dir=self.base_dir)
        with os.fdopen(fd, "w") as f:
            json.dump({"virtual-size": size, "format": fmt}, f)
        os.chmod(tmp, 0o644)
        os.replace(tmp, side)
        return size

    def fetch(self, image_service: Any, image: dict[str, Any], probe: str | None = None) -> str:
        """Path of the cached base of an image, filling the cache on first use.

        ``probe`` is the qemu format the file must really be (qcow2/raw) for disk images;
        None for kernels and ramdisks.
        """
        path = self.base_path(image["id"], image.get("checksum"))
        if os.path.exists(path):
            return path
        ensure_dir(self.base_dir)
        with file_lock(path + ".lock"):
            if os.path.exists(path):
                return path
            fd, tmp = tempfile.mkstemp(prefix=".fetch-", dir=self.base_dir)
            os.close(fd)
            try:
                self._copy_in(image_service, image["id"], tmp)
                self._verify(image, tmp, probe)
                os.chmod(tmp, 0o644)
                os.replace(tmp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        return path

    @staticmethod
    def _copy_in(image_service: Any, image_id: str, dest: str) -> None:
        """Copy from the catalog's own file when it has one (local), else download."""
        path_of = getattr(image_service, "path", None)
        src = None
        if callable(path_of):
            try:
                src = path_of(image_id)
            except NotImplementedError:
                src = None
        if src:
            shutil.copyfile(src, dest)
        else:
            image_service.download(image_id, dest)

    @staticmethod
    def _verify(image: dict[str, Any], path: str, probe: str | None) -> None:
        checksum = image.get("checksum") or ""
        if len(checksum) == 64:  # the local catalog records sha256
            digest = hashlib.sha256()
            with open(path, "rb") as f:
                while chunk := f.read(_CHUNK):
                    digest.update(chunk)
            if digest.hexdigest() != checksum:
                raise exception.ImageUnacceptable(
                    image_id=image["id"], reason="its data does not match its sha256 checksum"
                )
        if probe is None:
            return
        info = image_info(path)
        if info.get("format") != probe:
            raise exception.ImageUnacceptable(
                image_id=image["id"],
                reason=f"disk_format says {probe} but the data is {info.get('format')}",
            )
        if info.get("backing-filename"):
            raise exception.ImageUnacceptable(
                image_id=image["id"], reason="it has a backing file; upload a standalone image"
            )


def virtual_size(path: str, fmt: str) -> int:
    return int(image_info(path, fmt)["virtual-size"])


def create_overlay(base: str, base_format: str, dest: str, size_bytes: int | None) -> None:
    """A qcow2 file backed by base, of size_bytes (None: the base's virtual size)."""
    args = ["create", "-q", "-f", "qcow2", "-b", base, "-F", base_format, dest]
    if size_bytes:
        args.append(str(size_bytes))
    qemu_img(*args)
    os.chmod(dest, 0o644)


def create_raw_copy(base: str, base_format: str, dest: str, size_bytes: int | None) -> None:
    """A standalone raw copy of base, grown to size_bytes."""
    qemu_img("convert", "-q", "-f", base_format, "-O", "raw", base, dest)
    if size_bytes and os.path.getsize(dest) < size_bytes:
        os.truncate(dest, size_bytes)
    os.chmod(dest, 0o644)


def backing_file(path: str) -> str | None:
    """The backing file an overlay points at (None for a standalone image)."""
    return image_info(path, "qcow2").get("backing-filename")


def convert_standalone(src: str, src_format: str, dest: str, out_format: str = "qcow2") -> None:
    """Flatten src (and its backing chain) into one standalone image.

    -U: the domain may still hold QEMU's image lock (it is stopped or saved by the caller, so
    the data is quiescent).
    """
    qemu_img("convert", "-q", "-U", "-f", src_format, "-O", out_format, src, dest)
    os.chmod(dest, 0o644)
