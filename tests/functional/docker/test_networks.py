"""Docker networks as Nova VIFs: fixed IPs and MACs, attach/detach, managed networks."""

from __future__ import annotations

import ipaddress

import pytest

from nova_docker import exception
from tests.functional.docker.conftest import container_names


def vif(net: dict, ip: str | None = None, mac: str | None = None, vif_id: str = "v") -> dict:
    network: dict = {"label": net["name"]}
    if ip:
        network["subnets"] = [{"ips": [{"address": ip}]}]
    return {"id": vif_id, "address": mac, "network": network}


def host_ip(net: dict, n: int) -> str:
    return str(ipaddress.ip_network(net["subnets"][0])[n])


def test_ensure_network_is_idempotent_and_delete_refuses_foreign(
    driver, network_factory, docker_api, test_labels, run_id
):
    net = network_factory("idem")
    assert net["created"] is True
    assert net["labels"]["stackdock.managed"] == "true"
    again = driver.ensure_network(net["name"])
    assert again["created"] is False
    assert again["id"] == net["id"]

    foreign = f"sd-foreign-{run_id}"
    docker_api.create_network(foreign, driver="bridge", labels=test_labels)
    with pytest.raises(exception.Invalid, match="not created by stackdock"):
        driver.delete_network(foreign)
    assert [n for n in docker_api.networks(names=[foreign]) if n["Name"] == foreign]
    docker_api.remove_network(foreign)

    driver.delete_network(net["name"])
    assert not [n for n in docker_api.networks(names=[net["name"]]) if n["Name"] == net["name"]]
    driver.delete_network(net["name"])  # already gone: fine


def test_spawn_on_networks_with_fixed_ip_and_mac(driver, instances, network_factory, busybox_image):
    net1 = network_factory("a")
    net2 = network_factory("b")
    inst = instances()
    ip1, ip2 = host_ip(net1, 50), host_ip(net2, 60)
    mac = "02:42:de:ad:be:01"
    network_info = [vif(net1, ip1, mac, "v1"), vif(net2, ip2, None, "v2")]
    driver.spawn(None, inst, busybox_image(), [], None, None, network_info=network_info)
    addrs = driver.get_addresses(inst)["networks"]
    assert set(addrs) == {net1["name"], net2["name"]}
    assert addrs[net1["name"]]["ip"] == ip1
    assert addrs[net1["name"]]["mac"] == mac
    assert addrs[net2["name"]]["ip"] == ip2


def test_attach_and_detach_interface(driver, instances, network_factory, busybox_image):
    net1 = network_factory("c")
    net2 = network_factory("d")
    inst = instances()
    image = busybox_image()
    driver.spawn(None, inst, image, [], None, None, network_info=[vif(net1)])
    ip = host_ip(net2, 70)
    driver.attach_interface(None, inst, image, vif(net2, ip))
    addrs = driver.get_addresses(inst)["networks"]
    assert addrs[net2["name"]]["ip"] == ip
    with pytest.raises(exception.InterfaceAttachFailed):
        driver.attach_interface(None, inst, image, vif(net2))  # already attached
    driver.detach_interface(None, inst, vif(net2))
    assert set(driver.get_addresses(inst)["networks"]) == {net1["name"]}
    driver.detach_interface(None, inst, vif(net2))  # not attached any more: fine
    # A reboot keeps the interfaces (a classic nova-docker complaint).
    driver.reboot(None, inst, None, "HARD")
    assert set(driver.get_addresses(inst)["networks"]) == {net1["name"]}


def test_attach_to_missing_network(driver, instances, busybox_image, run_id):
    inst = instances()
    image = busybox_image()
    driver.spawn(None, inst, image, [], None, None)
    missing = {"id": "x", "address": None, "network": {"label": f"sd-missing-{run_id}"}}
    with pytest.raises(exception.NetworkNotFound, match=f"sd-missing-{run_id}"):
        driver.attach_interface(None, inst, image, missing)
    ghost = instances()
    with pytest.raises(exception.InstanceNotFound):
        driver.detach_interface(None, ghost, missing)


@pytest.mark.parametrize("position", ["first", "second"])
def test_spawn_on_missing_network_leaves_nothing(
    driver, instances, network_factory, busybox_image, docker_api, run_id, position
):
    good = vif(network_factory("e"))
    missing = {"id": "m", "address": None, "network": {"label": f"sd-nonet-{run_id}"}}
    network_info = [missing, good] if position == "first" else [good, missing]
    inst = instances()
    with pytest.raises(exception.NetworkNotFound, match=f"sd-nonet-{run_id}"):
        driver.spawn(None, inst, busybox_image(), [], None, None, network_info=network_info)
    assert container_names(docker_api, f"nova-{inst.uuid}") == []
