"""The local image catalog: what drivers boot from when no Glance is deployed.

Each image is a JSON metadata file ``<id>.json`` plus, for file images, a data file
``<id>.data`` in ``[image] catalog_dir``. Docker images are registered by reference only
(``properties["docker_image"]``); their bits stay in the Docker engine.

Writes go to a temporary file in the same directory and are renamed into place, so readers
never see half a file, and every change holds an exclusive ``fcntl`` lock on ``.lock`` so
several processes (agents, CLI, tests) can share one catalog. Directories are 0755 and files
0644: QEMU runs as another user and must read the data files.
"""

from __future__ import annotations

import contextlib
import datetime
import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from typing import IO, Any

from oslo_config import cfg

from nova_docker import exception, objects
from nova_docker.conf import CONF

#: container_format values the catalog accepts (Glance's list).
CONTAINER_FORMATS = ("bare", "ovf", "aki", "ari", "ami", "ova", "docker", "compressed")
#: disk_format values the catalog accepts (Glance's list).
DISK_FORMATS = (
    "raw",
    "qcow2",
    "vhd",
    "vhdx",
    "vmdk",
    "vdi",
    "iso",
    "ploop",
    "aki",
    "ari",
    "ami",
)

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_CHUNK = 1024 * 1024
_DIR_MODE = 0o755
_FILE_MODE = 0o644


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _validate_id(image_id: str) -> str:
    if not isinstance(image_id, str) or not _ID_RE.match(image_id):
        raise exception.Invalid(
            reason=f"image id {image_id!r} must be 1-128 letters, digits, '.', '_' or '-'"
        )
    return image_id


class LocalImageService:
    """A directory of images shared by all processes on one host."""

    def __init__(self, conf: cfg.ConfigOpts = CONF, catalog_dir: str | None = None) -> None:
        self.conf = conf
        self.catalog_dir = os.path.abspath(catalog_dir or conf.image.catalog_dir)

    # -- files ---------------------------------------------------------------------
    def _meta_file(self, image_id: str) -> str:
        return os.path.join(self.catalog_dir, f"{image_id}.json")

    def _data_file(self, image_id: str) -> str:
        return os.path.join(self.catalog_dir, f"{image_id}.data")

    def _ensure_dir(self) -> None:
        if os.path.isdir(self.catalog_dir):
            return
        try:
            os.makedirs(self.catalog_dir, mode=_DIR_MODE, exist_ok=True)
            # makedirs honours the umask; QEMU needs to traverse the directory.
            os.chmod(self.catalog_dir, _DIR_MODE)
        except OSError as exc:
            raise exception.Invalid(
                reason=f"cannot create image catalog directory {self.catalog_dir}: {exc}"
            ) from exc

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Exclusive lock over the catalog, across processes."""
        self._ensure_dir()
        path = os.path.join(self.catalog_dir, ".lock")
        fd = os.open(path, os.O_RDWR | os.O_CREAT, _FILE_MODE)
        try:
            deadline = time.monotonic() + self.conf.image.lock_timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() > deadline:
                        raise exception.NovaDockerException(
                            f"timed out waiting for the image catalog lock {path}"
                        ) from exc
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def _tmp(self, suffix: str) -> tuple[int, str]:
        return tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=self.catalog_dir)

    def _write_meta(self, meta: dict[str, Any]) -> None:
        fd, tmp = self._tmp(".json")
        try:
            with os.fdopen(fd, "w") as f:
                json.dump(meta, f, indent=2, sort_keys=True)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, _FILE_MODE)
            os.replace(tmp, self._meta_file(meta["id"]))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def _store_data(self, image_id: str, src: str | IO[bytes]) -> tuple[int, str]:
        """Copy src into the catalog as image_id's data file; return (size, sha256)."""
        digest = hashlib.sha256()
        size = 0
        fd, tmp = self._tmp(".data")
        try:
            with os.fdopen(fd, "wb") as out:
                with self._open_source(src) as inp:
                    while chunk := inp.read(_CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, _FILE_MODE)
            os.replace(tmp, self._data_file(image_id))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return size, digest.hexdigest()

    @staticmethod
    @contextlib.contextmanager
    def _open_source(src: str | IO[bytes]) -> Iterator[IO[bytes]]:
        if hasattr(src, "read"):
            yield src  # type: ignore[misc]
            return
        path = os.fspath(src)
        if not os.path.isfile(path):
            raise exception.Invalid(reason=f"image data file {path} does not exist")
        with open(path, "rb") as f:
            yield f

    def _load(self, image_id: str) -> dict[str, Any] | None:
        try:
            with open(self._meta_file(image_id)) as f:
                return json.load(f)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise exception.NovaDockerException(
                f"image catalog entry {image_id} is unreadable: {exc}"
            ) from exc

    # -- public API -------------------------------------------------------------------
    def create(
        self,
        name: str,
        container_format: str,
        disk_format: str,
        properties: dict[str, Any] | None = None,
        data_path: str | None = None,
        image_id: str | None = None,
    ) -> dict[str, Any]:
        """Add an image; with data_path its file is copied in and the image is active."""
        return self._create(
            name, container_format, disk_format, properties, data_path, image_id, "queued"
        )

    def _create(
        self,
        name: str,
        container_format: str,
        disk_format: str,
        properties: dict[str, Any] | None,
        data_path: str | None,
        image_id: str | None,
        status: str,
    ) -> dict[str, Any]:
        if not name or not isinstance(name, str):
            raise exception.Invalid(reason="an image needs a non-empty name")
        if container_format not in CONTAINER_FORMATS:
            raise exception.Invalid(
                reason=f"container_format {container_format!r} is not one of "
                f"{', '.join(CONTAINER_FORMATS)}"
            )
        if disk_format not in DISK_FORMATS:
            raise exception.Invalid(
                reason=f"disk_format {disk_format!r} is not one of {', '.join(DISK_FORMATS)}"
            )
        if properties is not None and not isinstance(properties, dict):
            raise exception.Invalid(reason="image properties must be a mapping")
        image_id = _validate_id(image_id) if image_id else str(uuid.uuid4())
        if data_path is not None and not os.path.isfile(data_path):
            raise exception.Invalid(reason=f"image data file {data_path} does not exist")
        now = _now()
        meta: dict[str, Any] = {
            "id": image_id,
            "name": name,
            "container_format": container_format,
            "disk_format": disk_format,
            "size": 0,
            "checksum": None,
            "status": status,
            "properties": dict(properties or {}),
            "created_at": now,
            "updated_at": now,
        }
        with self._locked():
            if os.path.exists(self._meta_file(image_id)):
                raise exception.Invalid(reason=f"image {image_id} already exists")
            if data_path is not None:
                meta["size"], meta["checksum"] = self._store_data(image_id, data_path)
                meta["status"] = "active"
            self._write_meta(meta)
        return meta

    def register_docker_image(
        self, docker_ref: str, name: str | None = None, properties: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Register an image that lives in the Docker engine (no data file)."""
        if (
            not isinstance(docker_ref, str)
            or not docker_ref.strip()
            or docker_ref != "".join(docker_ref.split())
        ):
            raise exception.Invalid(reason=f"{docker_ref!r} is not a Docker image reference")
        props = dict(properties or {})
        props["docker_image"] = docker_ref
        # The bits are in the engine, so the image is usable at once.
        return self._create(name or docker_ref, "docker", "raw", props, None, None, "active")

    def show(self, image_id_or_name: str) -> dict[str, Any]:
        """Metadata of an image by id, else by name (the newest of that name)."""
        if not image_id_or_name or not isinstance(image_id_or_name, str):
            raise exception.ImageNotFound(image_id=image_id_or_name)
        if _ID_RE.match(image_id_or_name):
            meta = self._load(image_id_or_name)
            if meta is not None:
                return meta
        named = [m for m in self.list() if m.get("name") == image_id_or_name]
        if not named:
            raise exception.ImageNotFound(image_id=image_id_or_name)
        return max(named, key=lambda m: m.get("created_at", ""))

    def list(self) -> list[dict[str, Any]]:
        if not os.path.isdir(self.catalog_dir):
            return []
        images = []
        for entry in sorted(os.listdir(self.catalog_dir)):
            if entry.startswith(".") or not entry.endswith(".json"):
                continue
            meta = self._load(entry[: -len(".json")])
            if meta is not None:
                images.append(meta)
        images.sort(key=lambda m: (m.get("created_at", ""), m["id"]))
        return images

    def path(self, image_id: str) -> str:
        """The data file of an image (raises if the image has none)."""
        meta = self.show(image_id)
        data = self._data_file(meta["id"])
        if not os.path.isfile(data):
            raise exception.ImageUnacceptable(
                image_id=meta["id"], reason=f"it has no data file (status {meta['status']})"
            )
        return data

    def download(self, image_id: str, dest_path: str) -> str:
        """Copy an image's data to dest_path (atomically) and return dest_path."""
        src = self.path(image_id)
        dest_dir = os.path.dirname(os.path.abspath(dest_path))
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=dest_dir)
        try:
            with os.fdopen(fd, "wb") as out, open(src, "rb") as inp:
                shutil.copyfileobj(inp, out, _CHUNK)
            os.chmod(tmp, _FILE_MODE)
            os.replace(tmp, dest_path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return dest_path

    def upload(
        self,
        image_id: str,
        src_path_or_fileobj: str | IO[bytes],
        properties: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Store data for an existing image (e.g. a snapshot) and mark it active."""
        with self._locked():
            meta = self._load(_validate_id(image_id))
            if meta is None:
                raise exception.ImageNotFound(image_id=image_id)
            meta["size"], meta["checksum"] = self._store_data(image_id, src_path_or_fileobj)
            meta["properties"].update(properties or {})
            meta["status"] = "active"
            meta["updated_at"] = _now()
            self._write_meta(meta)
        return meta

    #: Fields update() may change besides properties.
    UPDATABLE = ("name", "container_format", "disk_format", "status")

    def update(
        self, image_id: str, properties: dict[str, Any] | None = None, **fields: Any
    ) -> dict[str, Any]:
        """Merge properties into an image's metadata and set name/formats/status."""
        bad = set(fields) - set(self.UPDATABLE)
        if bad:
            raise exception.Invalid(reason=f"cannot update image fields {sorted(bad)}")
        if "container_format" in fields and fields["container_format"] not in CONTAINER_FORMATS:
            raise exception.Invalid(reason=f"container_format {fields['container_format']!r}")
        if "disk_format" in fields and fields["disk_format"] not in DISK_FORMATS:
            raise exception.Invalid(reason=f"disk_format {fields['disk_format']!r}")
        with self._locked():
            meta = self._load(_validate_id(image_id))
            if meta is None:
                raise exception.ImageNotFound(image_id=image_id)
            meta["properties"].update(properties or {})
            meta.update(fields)
            meta["updated_at"] = _now()
            self._write_meta(meta)
        return meta

    def delete(self, image_id: str) -> None:
        with self._locked():
            meta = self.show(image_id)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._data_file(meta["id"]))
            os.unlink(self._meta_file(meta["id"]))

    def image_meta(self, image_id_or_name: str) -> objects.ImageMeta:
        return objects.ImageMeta.from_dict(self.show(image_id_or_name))
