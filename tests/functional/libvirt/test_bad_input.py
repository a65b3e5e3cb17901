"""Bad input gets a clear error and leaves no domain and no file behind."""

from __future__ import annotations

import base64
import os

import pytest

from nova_docker import exception, objects
from nova_docker.virt.libvirt import imagebackend
from nova_docker.virt.libvirt.driver import LibvirtDriver
from tests.functional.libvirt import guestenv


def spawn(drv, inst, image_meta, **kw):
    drv.spawn(None, inst, image_meta, [], None, None, **kw)


def test_docker_image_is_refused(lv_driver, lv_catalog, leftovers):
    image = lv_catalog.register_docker_image("stackdock/busybox:latest")
    inst = guestenv.new_instance()
    with pytest.raises(exception.ImageUnacceptable, match="docker"):
        spawn(lv_driver, inst, lv_catalog.image_meta(image["id"]))
    leftovers(inst)


def test_unknown_image(lv_driver, leftovers):
    inst = guestenv.new_instance()
    meta = objects.ImageMeta(id="no-such-image", disk_format="qcow2")
    with pytest.raises(exception.ImageNotFound, match="no-such-image"):
        spawn(lv_driver, inst, meta)
    leftovers(inst)


def test_unknown_kernel(lv_driver, lv_catalog, lv_images, leftovers):
    image = lv_catalog.create(
        "bad-kernel",
        "bare",
        "qcow2",
        properties={"kernel_id": "no-such-kernel"},
        data_path=lv_catalog.path(lv_images["disk"]["id"]),
    )
    inst = guestenv.new_instance()
    with pytest.raises(exception.ImageNotFound, match="no-such-kernel"):
        spawn(lv_driver, inst, lv_catalog.image_meta(image["id"]))
    leftovers(inst)


@pytest.mark.parametrize(
    "flavor",
    [
        {"memory_mb": 64 * 1024 * 1024},
        {"vcpus": 4096},
        {"root_gb": 1024 * 1024},
    ],
)
def test_flavor_larger_than_the_host(lv_driver, lv_images, leftovers, flavor):
    inst = guestenv.new_instance(**{"memory_mb": 64, "vcpus": 1, "root_gb": 1, **flavor})
    with pytest.raises(exception.FlavorTooLarge):
        spawn(lv_driver, inst, lv_driver.image_service.image_meta(lv_images["disk"]["id"]))
    leftovers(inst)


def test_root_disk_smaller_than_the_image(lv_driver, lv_catalog, lv_root, leftovers):
    path = os.path.join(lv_root, "big.qcow2")
    imagebackend.qemu_img("create", "-q", "-f", "qcow2", path, "3G")
    image = lv_catalog.create("big-virtual", "bare", "qcow2", data_path=path)
    inst = guestenv.new_instance(root_gb=1)
    with pytest.raises(exception.FlavorDiskSmallerThanImage):
        spawn(lv_driver, inst, lv_catalog.image_meta(image["id"]))
    leftovers(inst)


def test_disk_format_that_lies_is_refused(lv_driver, lv_catalog, lv_images, leftovers):
    # Declared raw, really qcow2: booting it as raw would be a format-confusion hole.
    image = lv_catalog.create(
        "liar", "bare", "raw", data_path=lv_catalog.path(lv_images["disk"]["id"])
    )
    inst = guestenv.new_instance()
    with pytest.raises(exception.ImageUnacceptable, match="data is qcow2"):
        spawn(lv_driver, inst, lv_catalog.image_meta(image["id"]), power_on=False)
    leftovers(inst)
    assert not os.path.exists(lv_driver.image_cache.base_path(image["id"], image["checksum"]))


def test_corrupted_image_data_is_refused(lv_driver, lv_catalog, lv_root, leftovers):
    path = os.path.join(lv_root, "tamper.raw")
    with open(path, "wb") as f:
        f.write(b"\0" * 65536)
    image = lv_catalog.create("tampered", "bare", "raw", data_path=path)
    with open(lv_catalog.path(image["id"]), "r+b") as f:
        f.write(b"evil")
    inst = guestenv.new_instance()
    with pytest.raises(exception.ImageUnacceptable, match="checksum"):
        spawn(lv_driver, inst, lv_catalog.image_meta(image["id"]), power_on=False)
    leftovers(inst)


def test_kernel_image_cannot_be_the_root_disk(lv_driver, lv_catalog, lv_images, leftovers):
    inst = guestenv.new_instance()
    with pytest.raises(exception.ImageUnacceptable, match="aki"):
        spawn(lv_driver, inst, lv_catalog.image_meta(lv_images["kernel"]["id"]))
    leftovers(inst)


def test_user_data_that_is_not_base64(lv_driver, lv_images, leftovers):
    inst = guestenv.new_instance(user_data="this is not base64!")
    with pytest.raises(exception.Invalid, match="base64"):
        spawn(lv_driver, inst, lv_driver.image_service.image_meta(lv_images["disk"]["id"]))
    leftovers(inst)


def test_spawning_the_same_instance_twice(lv_driver, lv_images, leftovers):
    inst = guestenv.new_instance(user_data=base64.b64encode(b"x").decode())
    meta = lv_driver.image_service.image_meta(lv_images["disk"]["id"])
    try:
        spawn(lv_driver, inst, meta, power_on=False)
        with pytest.raises(exception.InstanceExists):
            spawn(lv_driver, inst, meta, power_on=False)
        assert lv_driver.instance_exists(inst)  # the first one is untouched
        with pytest.raises(exception.InstanceInvalidState):
            lv_driver.pause(inst)  # it is shut off
        with pytest.raises(exception.InstanceInvalidState):
            lv_driver.suspend(None, inst)
    finally:
        lv_driver.destroy(None, inst, None)
    leftovers(inst)


def test_operations_on_an_unknown_instance(lv_driver):
    inst = guestenv.new_instance()
    lv_driver.destroy(None, inst, None)  # destroy never raises InstanceNotFound
    for call in (
        lambda: lv_driver.get_info(inst),
        lambda: lv_driver.reboot(None, inst, None, "SOFT"),
        lambda: lv_driver.power_off(inst),
        lambda: lv_driver.power_on(None, inst, None),
        lambda: lv_driver.pause(inst),
        lambda: lv_driver.unpause(inst),
        lambda: lv_driver.suspend(None, inst),
        lambda: lv_driver.resume(None, inst, None),
        lambda: lv_driver.get_console_output(None, inst),
    ):
        with pytest.raises(exception.InstanceNotFound):
            call()
    assert not lv_driver.instance_exists(inst)


def test_unreachable_libvirt_is_a_clear_error(lv_root):
    conf = guestenv.make_conf(
        lv_root, connection_uri="qemu:///system?socket=/tmp/stackdock-no-such-libvirt.sock"
    )
    drv = LibvirtDriver(conf=conf)
    with pytest.raises(exception.HypervisorUnavailable, match="cannot connect"):
        drv.init_host(conf.compute.host)
    drv.cleanup_host(conf.compute.host)


def test_libvirt_refusing_the_domain_leaves_nothing(lv_root, lv_catalog, lv_images):
    # Fails inside libvirt (after the files exist and the domain is defined).
    conf = guestenv.make_conf(lv_root, cpu_mode="custom", cpu_models=["NoSuchCPU-model"])
    drv = LibvirtDriver(conf=conf)
    drv.image_service = lv_catalog
    inst = guestenv.new_instance()
    try:
        with pytest.raises(exception.InstanceDeployFailure, match="NoSuchCPU-model"):
            spawn(drv, inst, lv_catalog.image_meta(lv_images["disk"]["id"]))
        assert drv._host.lookup(inst.name) is None
        assert not os.path.exists(drv.instance_dir(inst))
        assert not os.path.exists(drv.console_log_path(inst))
    finally:
        drv.destroy(None, inst, None)
        drv.cleanup_host(conf.compute.host)


def test_another_agents_instances_are_invisible(lv_driver, lv_root, lv_catalog, lv_images):
    # Two agents (different [compute] host) sharing one libvirtd see only their own domains.
    conf = guestenv.make_conf(lv_root)
    conf.set_override("host", "some-other-agent", group="compute")
    other = LibvirtDriver(conf=conf)
    other.image_service = lv_catalog
    inst = guestenv.new_instance()
    try:
        spawn(other, inst, lv_catalog.image_meta(lv_images["disk"]["id"]), power_on=False)
        assert other.instance_exists(inst)
        assert inst.uuid in other.list_instance_uuids()
        assert inst.uuid not in lv_driver.list_instance_uuids()
        assert not lv_driver.instance_exists(inst)
        with pytest.raises(exception.InstanceNotFound):
            lv_driver.get_info(inst)
        with pytest.raises(exception.InstanceExists):  # the name is still taken
            spawn(lv_driver, inst, lv_catalog.image_meta(lv_images["disk"]["id"]))
        lv_driver.destroy(None, inst, None, destroy_disks=False)
        assert other.instance_exists(inst)  # not destroyed by the wrong agent
    finally:
        other.destroy(None, inst, None)
        other.cleanup_host(conf.compute.host)
    assert other._host.lookup(inst.name) is None


def test_unusable_instances_path_is_a_clear_error(lv_root, lv_catalog, lv_images):
    blocker = os.path.join(lv_root, "not-a-directory")
    with open(blocker, "w") as f:
        f.write("a file where the instances directory should be\n")
    conf = guestenv.make_conf(lv_root, instances_path=os.path.join(blocker, "instances"))
    drv = LibvirtDriver(conf=conf)
    drv.image_service = lv_catalog
    inst = guestenv.new_instance()
    try:
        with pytest.raises(exception.InstanceDeployFailure, match="cannot create the files"):
            spawn(drv, inst, lv_catalog.image_meta(lv_images["disk"]["id"]))
        assert drv._host.lookup(inst.name) is None
    finally:
        drv.destroy(None, inst, None)
        drv.cleanup_host(conf.compute.host)
