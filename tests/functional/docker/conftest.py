"""Fixtures of the DockerDriver functional tests (real engine, stackdock/busybox:latest).

Every container, network and image the tests make carries the run's ``stackdock.test``
label (the driver puts ``[docker] labels`` on what it creates), and a module fixture
removes anything with that label at the end, even after failures.
"""

from __future__ import annotations

import os
import random
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import docker
import docker.errors
import pytest

from nova_docker import objects
from nova_docker.image.api import LocalImageService
from nova_docker.virt.docker.driver import DockerDriver

BUSYBOX = "stackdock/busybox:latest"


@pytest.fixture(scope="session")
def docker_api() -> Iterator[docker.APIClient]:
    api = docker.APIClient(base_url="unix:///var/run/docker.sock", version="auto", timeout=120)
    api.ping()
    yield api
    api.close()


@pytest.fixture(scope="session")
def test_labels(test_labels: dict[str, str]) -> dict[str, str]:
    """The run's label plus this area's, so clean-up never touches other areas' objects."""
    return dict(test_labels, **{"stackdock.test.area": "docker-driver"})


def remove_labelled(api: docker.APIClient, label: list[str]) -> None:
    """Remove containers, networks and images carrying every one of the labels."""
    for c in api.containers(all=True, filters={"label": label}):
        try:
            api.remove_container(c["Id"], force=True, v=True)
        except docker.errors.NotFound:
            pass
    for n in api.networks(filters={"label": label}):
        try:
            api.remove_network(n["Id"])
        except docker.errors.NotFound:
            pass
    for img in api.images(filters={"label": label}):
        for tag in img.get("RepoTags") or []:
            if tag.startswith("stackdock/busybox"):
                continue
            try:
                api.remove_image(tag, force=True)
            except docker.errors.NotFound:
                pass


@pytest.fixture(scope="module", autouse=True)
def docker_cleanup(docker_api: docker.APIClient, test_labels: dict[str, str]) -> Iterator[None]:
    yield
    remove_labelled(docker_api, [f"{k}={v}" for k, v in test_labels.items()])


@pytest.fixture(scope="module")
def catalog_dir() -> Iterator[str]:
    path = tempfile.mkdtemp(prefix="sd-catalog-")
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def catalog(conf, catalog_dir: str) -> LocalImageService:
    conf.config(group="image", catalog_dir=catalog_dir)
    return LocalImageService()


@pytest.fixture
def driver(conf, test_labels, catalog) -> Iterator[DockerDriver]:
    conf.config(group="docker", labels=test_labels, image_pull_policy="never", stop_timeout=3)
    drv = DockerDriver(image_service=catalog)
    drv.init_host("functional-host")
    yield drv
    drv.cleanup_host("functional-host")


@pytest.fixture
def busybox_image(catalog: LocalImageService) -> Callable[..., objects.ImageMeta]:
    """Register busybox in the catalog with image properties; sleep 3600 by default."""

    def make(**props: Any) -> objects.ImageMeta:
        props.setdefault("os_command_line", "sleep 3600")
        name = f"busybox-{uuid.uuid4().hex[:8]}"
        ref = props.pop("docker_image", BUSYBOX)
        meta = catalog.register_docker_image(ref, name=name, properties=props)
        return objects.ImageMeta.from_dict(meta)

    return make


@pytest.fixture
def instances(driver: DockerDriver) -> Iterator[Callable[..., objects.Instance]]:
    """Make Instance objects; whatever the test spawned is destroyed afterwards."""
    made: list[objects.Instance] = []

    def make(**kwargs: Any) -> objects.Instance:
        kwargs.setdefault("display_name", "functional")
        flavor = kwargs.pop("flavor", None) or objects.Flavor(memory_mb=64, vcpus=1)
        inst = objects.Instance(flavor=flavor, **kwargs)
        made.append(inst)
        return inst

    yield make
    for inst in made:
        driver.destroy(None, inst, None)


def exec_out(api: docker.APIClient, container: str, cmd: list[str]) -> str:
    exec_id = api.exec_create(container, cmd)["Id"]
    out = api.exec_start(exec_id)
    return out.decode("utf-8", "replace")


def wait_for(predicate: Callable[[], Any], timeout: float = 90.0, interval: float = 0.2) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


def container_names(api: docker.APIClient, name: str) -> list[str]:
    """Containers called exactly name (the engine's filter matches substrings)."""
    return [
        c["Names"][0]
        for c in api.containers(all=True, filters={"name": name})
        if c["Names"][0].lstrip("/") == name
    ]


@pytest.fixture
def network_factory(driver: DockerDriver, run_id: str) -> Iterator[Callable[..., dict]]:
    """Create stackdock networks with a user-configured /24 (needed for fixed IPs)."""
    made: list[str] = []

    def make(prefix: str = "net") -> dict:
        name = f"sd-{prefix}-{run_id}-{uuid.uuid4().hex[:6]}"
        last: Exception | None = None
        for _ in range(20):
            # A random private /24; another test's network may already hold it.
            subnet = f"10.{random.randint(100, 250)}.{random.randint(0, 255)}.0/24"
            try:
                net = driver.ensure_network(name, subnet=subnet)
            except Exception as exc:  # the pool overlaps: pick another
                last = exc
                continue
            made.append(name)
            return net
        raise AssertionError(f"no free subnet for {name}: {last}")

    yield make
    for name in made:
        try:
            driver.delete_network(name)
        except Exception:
            pass
