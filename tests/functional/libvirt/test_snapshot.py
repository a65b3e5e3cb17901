"""Snapshot a running guest into the image catalog, and boot the snapshot."""

from __future__ import annotations

import base64

import pytest

from nova_docker import exception
from nova_docker.virt import power_state
from nova_docker.virt.libvirt import imagebackend
from tests.functional.libvirt import guestenv

BOOT_TIMEOUT = 120


def boots(drv, inst) -> int:
    return drv.get_console_output(None, inst).count(guestenv.BOOT_MARKER)


@pytest.fixture(scope="module")
def source(lv_driver, lv_images):
    inst = guestenv.new_instance(
        display_name="snapshot-source",
        user_data=base64.b64encode(b"snapshot source\n").decode(),
    )
    try:
        lv_driver.spawn(
            None, inst, lv_driver.image_service.image_meta(lv_images["disk"]["id"]), [], None, None
        )
        guestenv.wait_for(lambda: boots(lv_driver, inst) >= 1, BOOT_TIMEOUT, "source boot")
        yield inst
    finally:
        lv_driver.destroy(None, inst, None)


@pytest.fixture(scope="module")
def snapshot_image(lv_driver, lv_catalog, source):
    target = lv_catalog.create(f"snap-{source.uuid}", "bare", "qcow2")
    states = []

    def update_task_state(task_state, expected_state=None):
        states.append((task_state, expected_state))

    before = boots(lv_driver, source)
    lv_driver.snapshot(None, source, target["id"], update_task_state)
    return {
        "image": lv_catalog.show(target["id"]),
        "states": states,
        "boots_before": before,
    }


def test_snapshot_uploads_a_standalone_qcow2(lv_catalog, lv_images, source, snapshot_image):
    image = snapshot_image["image"]
    assert image["status"] == "active"
    assert snapshot_image["states"] == [
        ("image_pending_upload", None),
        ("image_uploading", "image_pending_upload"),
    ]
    info = imagebackend.image_info(lv_catalog.path(image["id"]))
    assert info["format"] == "qcow2"
    assert "backing-filename" not in info
    assert info["virtual-size"] == 1024**3
    props = image["properties"]
    src_props = lv_images["disk"]["properties"]
    for key in ("kernel_id", "ramdisk_id", "os_command_line", "img_config_drive"):
        assert props[key] == src_props[key]
    assert props["instance_uuid"] == source.uuid
    assert props["base_image_ref"] == lv_images["disk"]["id"]


def test_source_keeps_running_the_same_boot(lv_driver, source, snapshot_image):
    assert lv_driver.get_info(source).state == power_state.RUNNING
    assert boots(lv_driver, source) == snapshot_image["boots_before"]


def test_the_snapshot_boots(lv_driver, snapshot_image, leftovers):
    inst = guestenv.new_instance(
        display_name="from-snapshot",
        user_data=base64.b64encode(b"booted from a snapshot\n").decode(),
    )
    meta = lv_driver.image_service.image_meta(snapshot_image["image"]["id"])
    try:
        lv_driver.spawn(None, inst, meta, [], None, None)
        guestenv.wait_for(
            lambda: (
                "STACKDOCK-USERDATA: booted from a snapshot"
                in lv_driver.get_console_output(None, inst)
            ),
            BOOT_TIMEOUT,
            "the snapshot's guest to boot and read its config drive",
        )
        disk = imagebackend.image_info(lv_driver.instance_dir(inst) + "/disk")
        assert disk["backing-filename"].startswith(lv_driver.conf.libvirt.images_path)
    finally:
        lv_driver.destroy(None, inst, None)
    leftovers(inst)


def test_snapshot_into_an_unknown_image_fails_and_keeps_the_guest(lv_driver, source):
    with pytest.raises(exception.ImageNotFound):
        lv_driver.snapshot(None, source, "no-such-snapshot-image", None)
    assert lv_driver.get_info(source).state == power_state.RUNNING


def test_snapshot_of_an_unknown_instance(lv_driver, lv_catalog):
    target = lv_catalog.create("snap-of-nothing", "bare", "qcow2")
    with pytest.raises(exception.InstanceNotFound):
        lv_driver.snapshot(None, guestenv.new_instance(), target["id"], None)
    assert lv_catalog.show(target["id"])["status"] == "queued"
