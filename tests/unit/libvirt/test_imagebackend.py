"""Base cache naming, fill, verification, and overlays (real qemu-img on temp files)."""

from __future__ import annotations

import hashlib
import os
import shutil

import pytest

from nova_docker import exception
from nova_docker.virt.libvirt import imagebackend


class FakeCatalog:
    """An image service with path() and/or download(), counting calls."""

    def __init__(self, files: dict[str, str], with_path: bool = True) -> None:
        self.files = files
        self.calls: list[str] = []
        if not with_path:
            self.path = None  # type: ignore[assignment]

    def path(self, image_id: str) -> str:
        self.calls.append("path")
        return self.files[image_id]

    def download(self, image_id: str, dest: str) -> str:
        self.calls.append("download")
        shutil.copyfile(self.files[image_id], dest)
        return dest


def _image(path: str, image_id: str = "img-1", **kw) -> dict:
    data = open(path, "rb").read()
    return {"id": image_id, "checksum": hashlib.sha256(data).hexdigest(), **kw}


@pytest.fixture
def qcow2(tmp_path) -> str:
    path = str(tmp_path / "src.qcow2")
    imagebackend.qemu_img("create", "-q", "-f", "qcow2", path, "32M")
    return path


def test_base_path_is_keyed_by_id_and_checksum(tmp_path):
    cache = imagebackend.ImageCache(str(tmp_path))
    a = cache.base_path("img-1", "a" * 64)
    assert a == os.path.join(str(tmp_path), "img-1_" + "a" * 16)
    assert cache.base_path("img-1", "b" * 64) != a  # new data, new base
    assert cache.base_path("img-2", "a" * 64) != a
    assert cache.base_path("img-1", None) == os.path.join(str(tmp_path), "img-1")
    assert "/" not in os.path.basename(cache.base_path("../../etc/x", "c/d"))


def test_fetch_fills_once_and_verifies(tmp_path, qcow2):
    cache = imagebackend.ImageCache(str(tmp_path / "base"))
    catalog = FakeCatalog({"img-1": qcow2})
    image = _image(qcow2)
    base = cache.fetch(catalog, image, probe="qcow2")
    assert open(base, "rb").read() == open(qcow2, "rb").read()
    assert os.stat(base).st_mode & 0o777 == 0o644
    assert os.stat(str(tmp_path / "base")).st_mode & 0o777 == 0o755
    assert cache.fetch(catalog, image, probe="qcow2") == base
    assert catalog.calls == ["path"]  # the second fetch is a cache hit
    assert cache.virtual_size(base, "qcow2") == 32 * 1024**2
    assert os.path.exists(base + ".info")
    assert cache.virtual_size(base, "qcow2") == 32 * 1024**2


def test_fetch_falls_back_to_download(tmp_path, qcow2):
    cache = imagebackend.ImageCache(str(tmp_path / "base"))
    catalog = FakeCatalog({"img-1": qcow2}, with_path=False)
    cache.fetch(catalog, _image(qcow2), probe="qcow2")
    assert catalog.calls == ["download"]


def test_checksum_mismatch_leaves_nothing(tmp_path, qcow2):
    cache = imagebackend.ImageCache(str(tmp_path / "base"))
    image = dict(_image(qcow2), checksum="0" * 64)
    with pytest.raises(exception.ImageUnacceptable, match="checksum"):
        cache.fetch(FakeCatalog({"img-1": qcow2}), image, probe="qcow2")
    assert os.listdir(str(tmp_path / "base")) == ["img-1_0000000000000000.lock"]


def test_declared_raw_but_qcow2_is_refused(tmp_path, qcow2):
    cache = imagebackend.ImageCache(str(tmp_path / "base"))
    with pytest.raises(exception.ImageUnacceptable, match="data is qcow2"):
        cache.fetch(FakeCatalog({"img-1": qcow2}), _image(qcow2), probe="raw")


def test_image_with_a_backing_file_is_refused(tmp_path, qcow2):
    overlay = str(tmp_path / "overlay.qcow2")
    imagebackend.create_overlay(qcow2, "qcow2", overlay, None)
    cache = imagebackend.ImageCache(str(tmp_path / "base"))
    with pytest.raises(exception.ImageUnacceptable, match="backing file"):
        cache.fetch(FakeCatalog({"img-1": overlay}), _image(overlay), probe="qcow2")


def test_kernel_blobs_are_not_probed(tmp_path):
    blob = tmp_path / "vmlinuz"
    blob.write_bytes(b"\x7fELF not really a kernel")
    cache = imagebackend.ImageCache(str(tmp_path / "base"))
    base = cache.fetch(FakeCatalog({"k": str(blob)}), _image(str(blob), "k"))
    assert open(base, "rb").read() == blob.read_bytes()


def test_overlay_backs_onto_base_with_flavor_size(tmp_path, qcow2):
    dest = str(tmp_path / "disk")
    imagebackend.create_overlay(qcow2, "qcow2", dest, 1024**3)
    info = imagebackend.image_info(dest, "qcow2")
    assert info["backing-filename"] == qcow2
    assert info["backing-filename-format"] == "qcow2"
    assert info["virtual-size"] == 1024**3
    assert imagebackend.backing_file(dest) == qcow2
    imagebackend.create_overlay(qcow2, "qcow2", str(tmp_path / "d2"), None)
    assert imagebackend.virtual_size(str(tmp_path / "d2"), "qcow2") == 32 * 1024**2


def test_raw_copy_and_flatten(tmp_path, qcow2):
    raw = str(tmp_path / "disk.raw")
    imagebackend.create_raw_copy(qcow2, "qcow2", raw, 64 * 1024**2)
    assert os.path.getsize(raw) == 64 * 1024**2
    assert imagebackend.image_info(raw)["format"] == "raw"
    overlay = str(tmp_path / "overlay")
    imagebackend.create_overlay(qcow2, "qcow2", overlay, None)
    flat = str(tmp_path / "flat.qcow2")
    imagebackend.convert_standalone(overlay, "qcow2", flat)
    assert imagebackend.backing_file(flat) is None


def test_qemu_img_error_is_clear(tmp_path):
    with pytest.raises(imagebackend.QemuImgError, match="qemu-img failed"):
        imagebackend.image_info(str(tmp_path / "missing"))
