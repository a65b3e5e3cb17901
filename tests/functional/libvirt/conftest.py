"""Fixtures of the libvirt functional tests: one driver on a private directory per session.

The driver gets its own ConfigOpts (virt_type qemu, paths under a mkdtemp in
/var/lib/stackdock) and its own image catalog holding the test guest. At the end every
domain pointing into that directory is destroyed and the directory removed, whatever
happened in between.
"""

from __future__ import annotations

import threading

import pytest

from nova_docker.image.api import LocalImageService
from nova_docker.virt.libvirt.driver import LibvirtDriver
from tests.functional.libvirt import guestenv


class EventLog:
    """Lifecycle events the driver emitted, readable from the test thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list = []

    def __call__(self, event) -> None:
        with self._lock:
            self._events.append(event)

    def events_for(self, uuid: str) -> list:
        with self._lock:
            return [e for e in self._events if e.uuid == uuid]

    def names_for(self, uuid: str) -> list[str]:
        return [e.get_name() for e in self.events_for(uuid)]


@pytest.fixture(scope="session")
def lv_root():
    guestenv.guest_manifest()
    root = guestenv.make_root()
    try:
        yield root
    finally:
        guestenv.remove_root(root)


@pytest.fixture(scope="session")
def lv_conf(lv_root):
    return guestenv.make_conf(lv_root)


@pytest.fixture(scope="session")
def lv_catalog(lv_conf):
    return LocalImageService(lv_conf)


@pytest.fixture(scope="session")
def lv_images(lv_catalog):
    """The test guest, registered with a mandatory config drive."""
    return guestenv.register_test_guest(lv_catalog, img_config_drive="mandatory")


@pytest.fixture(scope="session")
def lv_events():
    return EventLog()


@pytest.fixture(scope="session")
def lv_driver(lv_conf, lv_catalog, lv_events, lv_root):
    drv = LibvirtDriver(conf=lv_conf)
    drv.image_service = lv_catalog
    drv.register_event_listener(lv_events)
    drv.init_host(lv_conf.compute.host)
    try:
        yield drv
    finally:
        drv.cleanup_host(lv_conf.compute.host)


@pytest.fixture
def leftovers(lv_driver, lv_conf):
    """Asserts, for an instance, that no domain and no file of it remains."""
    import os

    def check(instance) -> None:
        assert lv_driver._host.lookup(instance.name) is None, "domain left behind"
        assert instance.uuid not in lv_driver.list_instance_uuids()
        assert not os.path.exists(lv_driver.instance_dir(instance)), "instance dir left"
        assert not os.path.exists(lv_driver.console_log_path(instance)), "console log left"

    return check
