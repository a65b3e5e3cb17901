"""Disk images without a kernel: raw and qcow2 bases, the base cache, the raw backend."""

from __future__ import annotations

import os
import subprocess

import pytest

from nova_docker.virt import power_state
from nova_docker.virt.libvirt import imagebackend
from nova_docker.virt.libvirt.driver import LibvirtDriver
from tests.functional.libvirt import guestenv


@pytest.fixture(scope="module")
def raw_image(lv_catalog, lv_root):
    path = os.path.join(lv_root, "blank.raw")
    with open(path, "wb") as f:
        f.truncate(4 * 1024 * 1024)
    return lv_catalog.create("blank-raw", "bare", "raw", data_path=path)


def test_raw_image_runs_on_an_overlay_of_the_cached_base(lv_driver, raw_image, leftovers):
    first, second = guestenv.new_instance(memory_mb=64), guestenv.new_instance(memory_mb=64)
    meta = lv_driver.image_service.image_meta(raw_image["id"])
    base = lv_driver.image_cache.base_path(raw_image["id"], raw_image["checksum"])
    try:
        lv_driver.spawn(None, first, meta, [], None, None)
        # No kernel: the domain runs its BIOS (the blank disk boots nothing), which is enough.
        assert lv_driver.get_info(first).state == power_state.RUNNING
        disk = imagebackend.image_info(os.path.join(lv_driver.instance_dir(first), "disk"))
        assert disk["format"] == "qcow2"
        assert disk["backing-filename"] == base
        assert disk["backing-filename-format"] == "raw"
        assert os.stat(base).st_mode & 0o777 == 0o644
        inode = os.stat(base).st_ino
        lv_driver.spawn(None, second, meta, [], None, None, power_on=False)
        assert lv_driver.get_info(second).state == power_state.SHUTDOWN
        assert os.stat(base).st_ino == inode  # the cached base is reused, not fetched again
    finally:
        lv_driver.destroy(None, first, None)
        lv_driver.destroy(None, second, None)
    leftovers(first)
    leftovers(second)
    assert os.path.exists(base)  # the cache outlives its instances


def test_raw_backend_copies_the_base(lv_root, lv_catalog, lv_images):
    conf = guestenv.make_conf(lv_root, images_type="raw")
    drv = LibvirtDriver(conf=conf)
    drv.image_service = lv_catalog
    inst = guestenv.new_instance(root_gb=1)
    try:
        drv.spawn(
            None,
            inst,
            lv_catalog.image_meta(lv_images["disk"]["id"]),
            [],
            None,
            None,
            power_on=False,
        )
        info = imagebackend.image_info(os.path.join(drv.instance_dir(inst), "disk"))
        assert info["format"] == "raw"
        assert "backing-filename" not in info
        assert info["virtual-size"] == 1024**3
        assert drv.get_info(inst).state == power_state.SHUTDOWN
    finally:
        drv.destroy(None, inst, None)
        drv.cleanup_host(conf.compute.host)
    assert drv._host.lookup(inst.name) is None
    assert not os.path.exists(drv.instance_dir(inst))


def test_qcow2_overlay_without_root_gb_keeps_the_image_size(lv_driver, lv_images, leftovers):
    inst = guestenv.new_instance(root_gb=0)
    try:
        lv_driver.spawn(
            None,
            inst,
            lv_driver.image_service.image_meta(lv_images["disk"]["id"]),
            [],
            None,
            None,
            power_on=False,
        )
        disk = os.path.join(lv_driver.instance_dir(inst), "disk")
        out = subprocess.run(
            ["qemu-img", "info", "-U", disk], capture_output=True, text=True, check=True
        ).stdout
        assert "virtual size: 16 MiB" in out
    finally:
        lv_driver.destroy(None, inst, None)
    leftovers(inst)
