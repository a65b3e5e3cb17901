"""Two real agents (docker, hybrid) over the real RabbitMQ, driving Docker and libvirt/QEMU."""

from __future__ import annotations

import contextlib
import os
import uuid as uuidlib

import docker
import libvirt
import pytest

from nova_docker import exception, objects
from nova_docker.common import context
from nova_docker.virt import power_state
from tests.functional.compute import agents

CTXT = context.RequestContext(user_id="compute-test", project_id="compute-test")


def _instance(tracked, name: str, **flavor) -> dict:
    flavor = {"name": "t.small", "memory_mb": 128, "vcpus": 1, "root_gb": 1} | flavor
    inst = objects.Instance(display_name=name, flavor=objects.Flavor(**flavor))
    tracked.add(inst.uuid)
    return inst.to_dict()


def _container(docker_client, uuid: str):
    with contextlib.suppress(docker.errors.NotFound):
        return docker_client.containers.get(f"nova-{uuid}")
    return None


def _domain_exists(uuid: str) -> bool:
    conn = libvirt.open("qemu:///system")
    try:
        conn.lookupByName(f"instance-{uuid}")
        return True
    except libvirt.libvirtError:
        return False
    finally:
        conn.close()


def test_reports_and_addressing(api, listener, docker_agent, hybrid_agent):
    hosts = {r["host"]: r for r in listener.hosts()}
    assert hosts[docker_agent.host]["hypervisor_types"] == ["docker"]
    assert hosts[hybrid_agent.host]["hypervisor_types"] == ["docker", "QEMU"]
    for report in (hosts[docker_agent.host], hosts[hybrid_agent.host]):
        assert report["binary"] == "nova-docker-compute"
        assert report["vcpus"] > 0 and report["memory_mb"] > 0 and report["local_gb"] > 0
    # Each order reaches the agent it names, and only that one.
    assert api.ping(CTXT, docker_agent.host)["host"] == docker_agent.host
    assert api.ping(CTXT, hybrid_agent.host)["host"] == hybrid_agent.host
    fresh = api.get_host_report(CTXT, hybrid_agent.host)
    assert fresh["host"] == hybrid_agent.host and fresh["hypervisor_types"] == ["docker", "QEMU"]


def test_container_lifecycle_on_docker_agent(
    api, catalog, docker_agent, hybrid_agent, docker_client, tracked
):
    host = docker_agent.host
    inst = _instance(tracked, "c1")
    uuid = inst["uuid"]
    try:
        info = api.spawn(
            CTXT,
            host,
            instance=inst,
            image_id=catalog.ids["busybox"],
            injected_files=[["/etc/stackdock-test", "hello"]],
        )
        assert info["hypervisor"] == "docker" and info["state"] == power_state.RUNNING
        assert _container(docker_client, uuid).status == "running"
        # The other agent received no such order and knows nothing of it.
        with pytest.raises(exception.InstanceNotFound):
            api.get_info(CTXT, hybrid_agent.host, uuid)
        assert uuid not in {i["uuid"] for i in api.list_instances(CTXT, hybrid_agent.host)}
        listed = {i["uuid"]: i for i in api.list_instances(CTXT, host)}
        assert listed[uuid]["hypervisor"] == "docker" and listed[uuid]["state_name"] == "running"

        api.pause(CTXT, host, uuid)
        assert api.get_info(CTXT, host, uuid)["state"] == power_state.PAUSED
        api.unpause(CTXT, host, uuid)
        api.power_off(CTXT, host, uuid, timeout=10)
        assert api.get_info(CTXT, host, uuid)["state"] == power_state.SHUTDOWN
        api.power_on(CTXT, host, uuid)
        api.reboot(CTXT, host, uuid, reboot_type="HARD")
        assert api.get_info(CTXT, host, uuid)["state"] == power_state.RUNNING
        agents.wait_for(
            lambda: "STACKDOCK-CONTAINER-UP" in api.get_console_output(CTXT, host, uuid),
            60,
            "the container's console output",
        )
        assert isinstance(api.get_addresses(CTXT, host, uuid), dict)
        with pytest.raises(exception.Invalid):
            api.reboot(CTXT, host, uuid, reboot_type="WARM")

        image_id = api.snapshot(CTXT, host, uuid, image_name=f"snap-{uuid[:8]}")
        try:
            snap = catalog.show(image_id)
            assert snap["container_format"] == "docker"
            assert snap["properties"]["instance_uuid"] == uuid
        finally:
            ref = catalog.show(image_id)["properties"].get("docker_image")
            if ref:
                with contextlib.suppress(docker.errors.ImageNotFound):
                    docker_client.images.remove(ref, force=True)
            catalog.delete(image_id)

        api.destroy(CTXT, host, uuid)
        assert _container(docker_client, uuid) is None
        with pytest.raises(exception.InstanceNotFound):
            api.get_info(CTXT, host, uuid)
        assert docker_agent.records() == [] and docker_agent.journal() == []
    finally:
        with contextlib.suppress(exception.InstanceNotFound):
            api.destroy(CTXT, host, uuid)


def test_vm_and_container_on_hybrid_agent(api, catalog, hybrid_agent, docker_client, tracked):
    host = hybrid_agent.host
    vm, ct = _instance(tracked, "vm1", memory_mb=256), _instance(tracked, "c2")
    try:
        ct_info = api.spawn(CTXT, host, instance=ct, image_id=catalog.ids["busybox"])
        vm_info = api.spawn(CTXT, host, instance=vm, image_id=catalog.ids["guest"])
        assert ct_info["hypervisor"] == "docker"
        assert vm_info["hypervisor"] == "QEMU" and vm_info["state"] == power_state.RUNNING
        assert _domain_exists(vm["uuid"]) and _container(docker_client, ct["uuid"]) is not None
        listed = {i["uuid"]: i["hypervisor"] for i in api.list_instances(CTXT, host)}
        assert listed == {vm["uuid"]: "QEMU", ct["uuid"]: "docker"}
        agents.wait_for(
            lambda: "STACKDOCK-GUEST-BOOTED" in api.get_console_output(CTXT, host, vm["uuid"]),
            240,
            "the guest's boot marker on its serial console",
            hybrid_agent,
            interval=1.0,
        )
        api.pause(CTXT, host, vm["uuid"])
        assert api.get_info(CTXT, host, vm["uuid"])["state"] == power_state.PAUSED
        api.unpause(CTXT, host, vm["uuid"])
        assert api.get_info(CTXT, host, vm["uuid"])["state"] == power_state.RUNNING
        report = api.get_host_report(CTXT, host)
        assert report["instances"] == 2 and report["memory_mb_used"] == 256 + 128
        # Docker networks exist on the hybrid's docker half, not on its guests.
        with pytest.raises(exception.NotSupported):
            api.get_addresses(CTXT, host, vm["uuid"])

        api.destroy(CTXT, host, vm["uuid"])
        api.destroy(CTXT, host, ct["uuid"])
        assert not _domain_exists(vm["uuid"])
        assert _container(docker_client, ct["uuid"]) is None
        instances_path = os.path.join(os.path.dirname(catalog.catalog_dir), "libvirt", "instances")
        assert not os.path.exists(os.path.join(instances_path, vm["uuid"]))
        assert api.list_instances(CTXT, host) == []
    finally:
        for inst in (vm, ct):
            with contextlib.suppress(exception.InstanceNotFound):
                api.destroy(CTXT, host, inst["uuid"])


def test_bad_input_leaves_nothing(api, catalog, docker_agent, hybrid_agent, docker_client, tracked):
    d, h = docker_agent.host, hybrid_agent.host
    tried = []

    def spawn(host, image_id, **flavor):
        inst = _instance(tracked, "bad", **flavor)
        tried.append(inst["uuid"])
        return api.spawn(CTXT, host, instance=inst, image_id=image_id)

    with pytest.raises(exception.ImageNotFound, match="no-such-image"):
        spawn(d, f"no-such-image-{uuidlib.uuid4().hex[:6]}")
    with pytest.raises(exception.ImageUnacceptable, match="docker driver"):
        spawn(d, catalog.ids["guest"])
    with pytest.raises(exception.FlavorTooLarge, match="MB of RAM"):
        spawn(d, catalog.ids["busybox"], memory_mb=64 * 1024 * 1024)
    with pytest.raises(exception.FlavorTooLarge, match="vCPUs"):
        spawn(h, catalog.ids["guest"], vcpus=4096)
    with pytest.raises(exception.Invalid):
        api.spawn(CTXT, d, instance={"uuid": "../../etc"}, image_id=catalog.ids["busybox"])
    with pytest.raises(exception.InstanceNotFound):
        api.destroy(CTXT, d, str(uuidlib.uuid4()))
    with pytest.raises(exception.Invalid, match="non-empty name"):
        api.ensure_network(CTXT, d, name="")
    for uuid in tried:
        assert _container(docker_client, uuid) is None
        assert not _domain_exists(uuid)
    for agent in (docker_agent, hybrid_agent):
        assert agent.journal() == []
        assert not set(tried) & set(agent.records())


def test_unknown_driver_exits_2(workdir, transport_url, run_id):
    agent = agents.Agent(workdir, transport_url, f"sd-bad-{run_id}", "xen")
    agent.start()
    try:
        assert agent.wait(timeout=120) == 2
    finally:
        agent.stop()
    log = agent.log()
    assert "Compute driver xen could not be found" in log
    assert "docker, hybrid, libvirt" in log
