"""One test guest through its whole life on the real libvirtd (QEMU TCG).

The guest is a module-scoped fixture (each boot costs seconds of emulated CPU); the tests
run in file order and each leaves it running. Boots are counted by the marker its /init
prints on the serial console, which the driver logs to a file and appends across restarts.
"""

from __future__ import annotations

import base64
import os

import pytest

from nova_docker import exception
from nova_docker.virt import power_state
from nova_docker.virt.libvirt import imagebackend
from nova_docker.virt.provider_tree import ProviderTree
from tests.functional.libvirt import guestenv

BOOT_TIMEOUT = 120
#: One of these ends each boot of the test guest, after its ACPI button handler is in place.
READY = ("stackdock: config drive", "stackdock: no config drive")
USER_DATA = "hello from stackdock user data\nsecond line\n"


def console(drv, inst) -> str:
    return drv.get_console_output(None, inst)


def wait_console_count(drv, inst, marker: str, count: int) -> None:
    guestenv.wait_for(
        lambda: console(drv, inst).count(marker) >= count,
        BOOT_TIMEOUT,
        f"{count} x {marker!r} on the console of {inst.name}",
    )


def wait_ready(drv, inst, boots: int) -> None:
    guestenv.wait_for(
        lambda: sum(console(drv, inst).count(m) for m in READY) >= boots,
        BOOT_TIMEOUT,
        f"boot {boots} of {inst.name} to finish",
    )


def state(drv, inst) -> int:
    return drv.get_info(inst).state


def wait_state(drv, inst, wanted: int, timeout: float = 60) -> None:
    guestenv.wait_for(lambda: state(drv, inst) == wanted, timeout, f"power state {wanted}")


@pytest.fixture(scope="module")
def guest(lv_driver, lv_images):
    inst = guestenv.new_instance(
        display_name="lifecycle",
        user_data=base64.b64encode(USER_DATA.encode()).decode(),
        metadata={"role": "lifecycle-test"},
    )
    image_meta = lv_driver.image_service.image_meta(lv_images["disk"]["id"])
    try:
        lv_driver.spawn(None, inst, image_meta, [], None, None)
        yield inst
    finally:
        lv_driver.destroy(None, inst, None)


def test_spawn_boots_the_guest(lv_driver, guest):
    info = lv_driver.get_info(guest)
    assert info.state == power_state.RUNNING
    assert info.mem_kb == 192 * 1024
    assert info.num_cpu == 1
    assert info.hypervisor == "QEMU"
    wait_console_count(lv_driver, guest, guestenv.BOOT_MARKER, 1)


def test_user_data_reaches_the_guest_through_the_config_drive(lv_driver, guest):
    wait_console_count(lv_driver, guest, guestenv.USERDATA_MARKER + USER_DATA.splitlines()[0], 1)
    drive = os.path.join(lv_driver.instance_dir(guest), "disk.config")
    with open(drive, "rb") as f:
        f.seek(16 * 2048 + 40)  # ISO 9660 primary volume descriptor: volume identifier
        assert f.read(32).decode().strip() == "cidata"


def test_instance_is_listed_and_backed_by_the_cached_base(lv_driver, lv_images, guest):
    assert guest.name in lv_driver.list_instances()
    assert guest.uuid in lv_driver.list_instance_uuids()
    assert lv_driver.instance_exists(guest)
    disk = os.path.join(lv_driver.instance_dir(guest), "disk")
    info = imagebackend.image_info(disk, "qcow2")
    image = lv_images["disk"]
    assert info["backing-filename"] == lv_driver.image_cache.base_path(
        image["id"], image["checksum"]
    )
    assert info["backing-filename"].startswith(lv_driver.conf.libvirt.images_path)
    assert info["virtual-size"] == 1024**3  # the flavor's root_gb, not the image's 16 MiB
    xml = lv_driver._host.lookup(guest.name).XMLDesc(0)
    assert "https://stackdock.dev/xmlns/libvirt/instance/1.0" in xml
    assert "console=ttyS0" in xml


def test_power_off_gracefully_and_on(lv_driver, guest):
    boots = console(lv_driver, guest).count(guestenv.BOOT_MARKER)
    wait_ready(lv_driver, guest, boots)
    lv_driver.power_off(guest, timeout=90, retry_interval=10)
    assert state(lv_driver, guest) == power_state.SHUTDOWN
    # The guest saw the ACPI button and powered itself off (not a hard destroy).
    assert "STACKDOCK-GUEST-POWEROFF" in console(lv_driver, guest)
    lv_driver.power_on(None, guest, None)
    assert state(lv_driver, guest) == power_state.RUNNING
    wait_console_count(lv_driver, guest, guestenv.BOOT_MARKER, boots + 1)


def test_reboot_soft(lv_driver, guest):
    boots = console(lv_driver, guest).count(guestenv.BOOT_MARKER)
    wait_ready(lv_driver, guest, boots)
    lv_driver.reboot(None, guest, None, "SOFT")
    assert state(lv_driver, guest) == power_state.RUNNING
    wait_console_count(lv_driver, guest, guestenv.BOOT_MARKER, boots + 1)


def test_reboot_soft_right_after_start_still_comes_back(lv_driver, guest):
    # Straight after a (re)start the busybox init has no ACPI handler yet: the soft reboot
    # may time out and must then fall back to a hard one. Either way the guest comes back.
    lv_driver.reboot(None, guest, None, "HARD")
    boots = console(lv_driver, guest).count(guestenv.BOOT_MARKER)
    lv_driver.reboot(None, guest, None, "SOFT")
    assert state(lv_driver, guest) == power_state.RUNNING
    wait_console_count(lv_driver, guest, guestenv.BOOT_MARKER, boots + 1)


def test_reboot_hard(lv_driver, guest):
    boots = console(lv_driver, guest).count(guestenv.BOOT_MARKER)
    lv_driver.reboot(None, guest, None, "HARD")
    assert state(lv_driver, guest) == power_state.RUNNING
    wait_console_count(lv_driver, guest, guestenv.BOOT_MARKER, boots + 1)


def test_pause_and_unpause(lv_driver, guest):
    lv_driver.pause(guest)
    assert state(lv_driver, guest) == power_state.PAUSED
    with pytest.raises(exception.InstanceInvalidState):
        lv_driver.pause(guest)
    lv_driver.unpause(guest)
    assert state(lv_driver, guest) == power_state.RUNNING
    with pytest.raises(exception.InstanceInvalidState):
        lv_driver.unpause(guest)


def test_suspend_and_resume_restore_the_same_boot(lv_driver, guest):
    boots = console(lv_driver, guest).count(guestenv.BOOT_MARKER)
    lv_driver.suspend(None, guest)
    assert state(lv_driver, guest) == power_state.SUSPENDED
    assert lv_driver._host.lookup(guest.name).hasManagedSaveImage(0)
    lv_driver.resume(None, guest, None)
    assert state(lv_driver, guest) == power_state.RUNNING
    assert not lv_driver._host.lookup(guest.name).hasManagedSaveImage(0)
    # Restored from memory, not booted again.
    assert console(lv_driver, guest).count(guestenv.BOOT_MARKER) == boots


def test_lifecycle_events_are_emitted(lv_events, guest):
    wanted = {"Started", "Stopped", "Paused", "Resumed", "Suspended"}
    guestenv.wait_for(
        lambda: wanted <= set(lv_events.names_for(guest.uuid)), 30, f"events {wanted}"
    )
    assert all(e.source == "libvirt" for e in lv_events.events_for(guest.uuid))


def test_host_resources_and_inventory(lv_driver, guest):
    res = lv_driver.get_available_resource("node1")
    assert res["hypervisor_type"] == "QEMU"
    assert res["vcpus"] >= 1 and res["memory_mb"] > 0 and res["local_gb"] > 0
    assert res["vcpus_used"] >= 1  # this guest runs
    assert res["running_vms"] >= 1
    tree = ProviderTree()
    lv_driver.update_provider_tree(tree, "node1")
    inventory = tree.data("node1").inventory
    assert inventory["VCPU"]["total"] == res["vcpus"]
    assert inventory["MEMORY_MB"]["total"] == res["memory_mb"]
    assert inventory["MEMORY_MB"]["reserved"] == lv_driver.conf.libvirt.reserved_host_memory_mb
    assert inventory["DISK_GB"]["total"] == res["local_gb"]


def test_destroy_leaves_no_domain_and_no_files(lv_driver, lv_events, guest, leftovers):
    assert os.path.isdir(lv_driver.instance_dir(guest))
    assert lv_driver.get_info(guest).state == power_state.RUNNING
    stops = lv_events.names_for(guest.uuid).count("Stopped")
    lv_driver.destroy(None, guest, None)
    leftovers(guest)
    lv_driver.destroy(None, guest, None)  # idempotent
    # The domain is gone, yet its last "Stopped" still reaches the listener.
    guestenv.wait_for(
        lambda: lv_events.names_for(guest.uuid).count("Stopped") > stops, 30, "Stopped event"
    )
    with pytest.raises(exception.InstanceNotFound):
        lv_driver.get_info(guest)
    with pytest.raises(exception.InstanceNotFound):
        lv_driver.get_console_output(None, guest)
