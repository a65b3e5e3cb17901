"""Images named in the cluster label ``preload_images``, loaded into every node engine.

Bays have no registry to pull from, so the images their services need are saved once
(from the image catalog when it holds a ``docker save`` tarball, else from the host Docker
engine) into a temp file and loaded into each node engine over its TLS API.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from typing import Any

import docker
import docker.errors
from oslo_config import cfg
from oslo_log import log as logging

import magnum_lite.conf  # noqa: F401
from magnum_lite.common import exception

LOG = logging.getLogger(__name__)
CONF = cfg.CONF

LABEL = "preload_images"


def wanted(labels: dict[str, Any] | None) -> list[str]:
    """The image references of the label (comma or space separated), in order, deduplicated."""
    raw = str((labels or {}).get(LABEL) or "")
    refs: list[str] = []
    for item in raw.replace(",", " ").split():
        if item not in refs:
            refs.append(item)
    return refs


def _catalog_file(ref: str) -> str | None:
    """The catalog's data file for ``ref`` when it is a docker-save tarball."""
    try:
        from nova_docker.image import api as image_api

        catalog = image_api.LocalImageService()
        meta = catalog.show(ref)
        if meta.get("container_format") != "docker":
            return None
        return catalog.path(meta["id"])
    except Exception:  # noqa: BLE001  (not in the catalog, or no data file: use the engine)
        return None


@contextlib.contextmanager
def saved(refs: list[str]) -> Iterator[list[str]]:
    """Temp tarball paths (one per image) that are removed afterwards."""
    paths: list[str] = []
    tmp: list[str] = []
    host = None
    try:
        for ref in refs:
            path = _catalog_file(ref)
            if path:
                paths.append(path)
                continue
            if host is None:
                host = docker.DockerClient(base_url=CONF.swarm.preload_docker_url, timeout=300)
            try:
                image = host.images.get(ref)
            except docker.errors.ImageNotFound as exc:
                raise exception.Invalid(
                    reason=f"label {LABEL}: image {ref} is neither in the image catalog nor "
                    "in the host Docker engine"
                ) from exc
            fd, path = tempfile.mkstemp(prefix="stackdock-preload-", suffix=".tar")
            tmp.append(path)
            with os.fdopen(fd, "wb") as f:
                # named=True keeps the repository tag (a bare image id would not be found).
                for chunk in image.save(named=True):
                    f.write(chunk)
            paths.append(path)
        yield paths
    finally:
        if host is not None:
            host.close()
        for path in tmp:
            with contextlib.suppress(OSError):
                os.unlink(path)


def load(cli: Any, paths: list[str]) -> None:
    """Load the saved images into one node engine."""
    for path in paths:
        with open(path, "rb") as f:
            cli.api.load_image(f)
