"""Fixtures of the compute agent's unit tests: fake transport, image catalog, manager."""

from __future__ import annotations

import pytest
from oslo_messaging._drivers import impl_fake

from nova_docker.compute import journal, manager
from nova_docker.image.api import LocalImageService
from tests.unit.compute.fake_driver import MemoryDriver


@pytest.fixture
def images(tmp_path):
    service = LocalImageService(catalog_dir=str(tmp_path / "images"))
    docker = service.register_docker_image("stackdock/busybox:latest", name="busybox")
    disk = tmp_path / "disk.qcow2"
    disk.write_bytes(b"QFI\xfb" + b"\0" * 60)
    qcow2 = service.create("guest", "bare", "qcow2", data_path=str(disk))
    service.ids = {"docker": docker["id"], "qcow2": qcow2["id"]}
    return service


@pytest.fixture
def store(tmp_path):
    return journal.StateStore(str(tmp_path / "state"))


@pytest.fixture
def make_manager(conf, images, store):
    def _make(driver=None, host="host-a"):
        conf.config(group="compute", host=host)
        return manager.ComputeManager(
            driver or MemoryDriver(), image_api=images, store=store, host=host
        )

    return _make


@pytest.fixture
def fake_exchanges():
    """The fake driver keeps exchanges at class level: isolate each test."""
    impl_fake.FakeExchangeManager._exchanges = {}
    yield
    impl_fake.FakeExchangeManager._exchanges = {}
