"""Fixtures of the Heat plugin tests: one in-process Heat engine, a Docker client, sweeps."""

from __future__ import annotations

import shutil
import time
import urllib.error
import urllib.request

import docker
import pytest

from heat_plugins.resources.docker import base
from tests.functional.conftest import TEST_LABEL
from tests.functional.heat.harness import HeatEngine

IMAGE = "stackdock/busybox:latest"


@pytest.fixture(scope="session")
def docker_api():
    api = docker.APIClient(base_url="unix:///var/run/docker.sock", version="auto", timeout=120)
    api.inspect_image(IMAGE)  # built by tools/build-busybox-image.sh (make images)
    yield api
    api.close()


def owned(api: docker.APIClient, label: str) -> dict[str, list[str]]:
    """Containers, networks and volumes carrying ``label`` (key=value)."""
    return {
        "containers": [c["Id"] for c in api.containers(all=True, filters={"label": label})],
        "networks": [n["Id"] for n in api.networks(filters={"label": label})],
        "volumes": [v["Name"] for v in api.volumes(filters={"label": label})["Volumes"] or []],
    }


def stack_leftovers(api: docker.APIClient, stack_id: str) -> dict[str, list[str]]:
    return owned(api, f"{base.LABEL_STACK_ID}={stack_id}")


def sweep(api: docker.APIClient, label: str) -> None:
    found = owned(api, label)
    for cid in found["containers"]:
        try:
            api.remove_container(cid, force=True, v=True)
        except docker.errors.NotFound:
            pass
    for nid in found["networks"]:
        try:
            api.remove_network(nid)
        except docker.errors.NotFound:
            pass
    for name in found["volumes"]:
        try:
            api.remove_volume(name, force=True)
        except docker.errors.NotFound:
            pass


@pytest.fixture(scope="session", autouse=True)
def _sweep_run_objects(run_id):
    """Whatever any Heat test of this run left on Docker goes, even after failures."""
    yield
    api = docker.APIClient(base_url="unix:///var/run/docker.sock", version="auto", timeout=120)
    try:
        sweep(api, f"{TEST_LABEL}={run_id}")
    finally:
        api.close()


@pytest.fixture(scope="session")
def heat_engine(test_labels, docker_api):
    engine = HeatEngine(test_labels)
    engine.apply_config()
    yield engine
    try:
        engine.apply_config()
        engine.delete_all()
    finally:
        shutil.rmtree(engine.work_dir, ignore_errors=True)


@pytest.fixture(autouse=True)
def _heat_config(request):
    # Re-apply the engine's settings: other fixtures may have reset the global CONF.
    if "heat_engine" in request.fixturenames:
        request.getfixturevalue("heat_engine").apply_config()


def http_get(port: int, timeout: float = 60.0) -> str:
    """Body of http://127.0.0.1:port/, polling until it answers."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as resp:
                return resp.read().decode()
        except (urllib.error.URLError, ConnectionError, TimeoutError) as ex:
            if time.monotonic() > deadline:
                raise AssertionError(f"127.0.0.1:{port} did not answer: {ex}") from ex
            time.sleep(0.2)


def http_refused(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=3):
            return False
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return True
