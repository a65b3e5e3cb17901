"""Bad input and engine failures: clear exceptions, and nothing left behind."""

from __future__ import annotations

import pytest

from nova_docker import exception, objects
from nova_docker.virt.docker.driver import DockerDriver
from tests.functional.docker.conftest import container_names


def _spawn_fails(driver, inst, image, exc_type, match=None, **kwargs):
    with pytest.raises(exc_type, match=match) as info:
        driver.spawn(None, inst, image, kwargs.pop("files", []), None, None, **kwargs)
    return info.value


@pytest.fixture
def nothing_left(docker_api):
    def check(inst):
        assert container_names(docker_api, f"nova-{inst.uuid}") == []

    return check


def test_unknown_image(driver, instances, busybox_image, nothing_left, run_id):
    inst = instances()
    image = busybox_image(docker_image=f"stackdock-test/absent-{run_id}:nope")
    err = _spawn_fails(driver, inst, image, exception.ImageNotFound)
    assert f"absent-{run_id}" in str(err)
    assert "never" in str(err)
    nothing_left(inst)


def test_bare_image_is_unacceptable(driver, instances, catalog, nothing_left):
    meta = catalog.create("disk", "bare", "qcow2")
    inst = instances()
    err = _spawn_fails(driver, inst, objects.ImageMeta.from_dict(meta), exception.ImageUnacceptable)
    assert "container_format" in str(err)
    nothing_left(inst)


def test_flavor_larger_than_host(driver, instances, busybox_image, nothing_left):
    inst = instances(flavor=objects.Flavor(vcpus=100000, memory_mb=64))
    _spawn_fails(driver, inst, busybox_image(), exception.FlavorTooLarge, "vCPUs")
    inst = instances(flavor=objects.Flavor(vcpus=1, memory_mb=1024 * 1024 * 1024))
    _spawn_fails(driver, inst, busybox_image(), exception.FlavorTooLarge, "memory")
    nothing_left(inst)


def test_engine_error_carried_in_deploy_failure(driver, instances, busybox_image, nothing_left):
    inst = instances()
    image = busybox_image(os_command_line="/no/such/binary --flag")
    err = _spawn_fails(driver, inst, image, exception.InstanceDeployFailure)
    assert "/no/such/binary" in str(err)
    nothing_left(inst)


def test_process_exiting_at_once_reports_last_log_lines(
    conf, driver, instances, busybox_image, nothing_left
):
    conf.config(group="docker", startup_check_seconds=20)
    inst = instances()
    image = busybox_image(os_command_line="sh -c 'echo boom-marker-line; exit 3'")
    err = _spawn_fails(driver, inst, image, exception.InstanceDeployFailure)
    assert "exit code 3" in str(err)
    assert "boom-marker-line" in str(err)
    nothing_left(inst)


def test_privileged_refused_unless_configured(driver, instances, busybox_image, nothing_left):
    inst = instances()
    err = _spawn_fails(
        driver, inst, busybox_image(stackdock_privileged="true"), exception.ImageUnacceptable
    )
    assert "privileged" in str(err)
    nothing_left(inst)


@pytest.mark.parametrize(
    "props",
    [{"stackdock_env": "{not json"}, {"stackdock_publish_ports": "http"}],
)
def test_bad_image_properties(driver, instances, busybox_image, nothing_left, props):
    inst = instances()
    _spawn_fails(driver, inst, busybox_image(**props), exception.ImageUnacceptable)
    nothing_left(inst)


def test_bad_injected_file_path(driver, instances, busybox_image, nothing_left):
    inst = instances()
    _spawn_fails(
        driver, inst, busybox_image(), exception.Invalid, "not a plain", files=[("/a/../b", "x")]
    )
    nothing_left(inst)


def test_spawn_twice_keeps_the_first(driver, instances, busybox_image, docker_api):
    inst = instances()
    image = busybox_image()
    driver.spawn(None, inst, image, [], None, None)
    first = docker_api.inspect_container(f"nova-{inst.uuid}")["Id"]
    _spawn_fails(driver, inst, image, exception.InstanceExists)
    assert docker_api.inspect_container(f"nova-{inst.uuid}")["Id"] == first
    assert docker_api.inspect_container(first)["State"]["Running"] is True


def test_engine_unreachable(conf, catalog, busybox_image, instances, run_id):
    conf.config(group="docker", host_url=f"unix:///tmp/sd-nosock-{run_id}.sock")
    down = DockerDriver(image_service=catalog)  # constructing must not need the engine
    with pytest.raises(exception.HypervisorUnavailable, match="sd-nosock"):
        down.init_host("h")
    with pytest.raises(exception.HypervisorUnavailable):
        down.spawn(None, instances(), busybox_image(), [], None, None)
    with pytest.raises(exception.HypervisorUnavailable):
        down.list_instances()
