"""HybridDriver routing and merging, with two in-memory halves."""

from __future__ import annotations

import pytest

from nova_docker import exception, objects
from nova_docker.virt import hybrid, power_state, provider_tree
from tests.unit.compute.fake_driver import MemoryDriver


@pytest.fixture
def driver():
    docker = MemoryDriver(hypervisor_type="docker", vcpus=4, memory_mb=4096, local_gb=40)
    qemu = MemoryDriver(hypervisor_type="QEMU", vcpus=4, memory_mb=4096, local_gb=40)
    docker.get_addresses = lambda instance: {"bridge": ["172.17.0.2"]}
    docker.ensure_network = lambda name, labels=None: {"name": name, "labels": labels}
    return hybrid.HybridDriver(docker_driver=docker, libvirt_driver=qemu)


def _spawn(driver, container_format):
    instance = objects.Instance()
    image = objects.ImageMeta(id="img", container_format=container_format)
    driver.spawn(None, instance, image, [], None, None)
    return instance


def test_spawn_routes_by_container_format(driver):
    container = _spawn(driver, "docker")
    guest = _spawn(driver, "bare")
    ami = _spawn(driver, "ami")
    assert set(driver.docker.instances) == {container.uuid}
    assert set(driver.libvirt.instances) == {guest.uuid, ami.uuid}
    assert driver.hypervisor_for(container) == "docker"
    assert driver.hypervisor_for(guest) == "QEMU"
    assert driver.get_info(guest).hypervisor == "QEMU"


def test_later_calls_go_to_the_holding_half(driver):
    container, guest = _spawn(driver, "docker"), _spawn(driver, "qcow2")
    driver.pause(guest)
    driver.power_off(container)
    assert driver.libvirt.instances[guest.uuid]["state"] == power_state.PAUSED
    assert driver.docker.instances[container.uuid]["state"] == power_state.SHUTDOWN
    driver.destroy(None, guest, None)
    assert guest.uuid not in driver.libvirt.instances
    with pytest.raises(exception.InstanceNotFound):
        driver.get_info(guest)


def test_routing_rebuilt_at_init_host(driver):
    container, guest = _spawn(driver, "docker"), _spawn(driver, "bare")
    fresh = hybrid.HybridDriver(docker_driver=driver.docker, libvirt_driver=driver.libvirt)
    fresh.init_host("h")
    assert fresh.hypervisor_for(guest) == "QEMU"
    assert fresh.hypervisor_for(container) == "docker"
    # Without the map, each half is asked.
    other = hybrid.HybridDriver(docker_driver=driver.docker, libvirt_driver=driver.libvirt)
    assert other.hypervisor_for(guest) == "QEMU"
    assert not other.instance_exists(objects.Instance())


def test_lists_merge(driver):
    container, guest = _spawn(driver, "docker"), _spawn(driver, "bare")
    assert sorted(driver.list_instance_uuids()) == sorted([container.uuid, guest.uuid])
    assert sorted(driver.list_instances()) == sorted([container.name, guest.name])
    assert sorted(
        (i["uuid"], i["hypervisor"]) for i in driver.list_instances_with_hypervisor()
    ) == sorted([(container.uuid, "docker"), (guest.uuid, "QEMU")])


def test_resources_sum_and_type(driver):
    driver.docker.resources["memory_mb_used"] = 100
    res = driver.get_available_resource("h")
    assert res["hypervisor_type"] == "docker,QEMU"
    assert driver.hypervisor_type == "docker,QEMU"
    assert (res["vcpus"], res["memory_mb"], res["local_gb"], res["memory_mb_used"]) == (
        8,
        8192,
        80,
        100,
    )


def test_inventory_merge(driver):
    tree = provider_tree.ProviderTree()
    driver.update_provider_tree(tree, "h")
    inv = tree.data("h").inventory
    assert inv["VCPU"]["total"] == 8 and inv["VCPU"]["allocation_ratio"] == 4.0
    assert inv["MEMORY_MB"]["total"] == 8192 and inv["MEMORY_MB"]["max_unit"] == 4096


def test_docker_only_methods(driver):
    container, guest = _spawn(driver, "docker"), _spawn(driver, "bare")
    assert driver.get_addresses(container) == {"bridge": ["172.17.0.2"]}
    with pytest.raises(exception.NotSupported, match="QEMU guest"):
        driver.get_addresses(guest)
    assert driver.ensure_network("n", labels={"a": "b"}) == {"name": "n", "labels": {"a": "b"}}
    with pytest.raises(exception.NotSupported):
        driver.delete_network("n")


def test_driver_for_image_used_by_agent_checks(driver):
    assert driver.driver_for_image(objects.ImageMeta(container_format="docker")) is driver.docker
    assert driver.driver_for_image(objects.ImageMeta(container_format="bare")) is driver.libvirt
