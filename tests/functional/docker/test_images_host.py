"""Snapshots, images loaded from the catalog, host resources and reconcile at init_host."""

from __future__ import annotations

import os
import tempfile
import uuid

import docker.errors

from nova_docker import objects
from nova_docker.virt import power_state, provider_tree
from nova_docker.virt.docker.driver import DockerDriver
from tests.functional.docker.conftest import BUSYBOX, exec_out


def test_snapshot_boots_as_new_instance(driver, instances, busybox_image, catalog, docker_api):
    inst = instances()
    driver.spawn(None, inst, busybox_image(), [], None, None)
    name = f"nova-{inst.uuid}"
    exec_out(docker_api, name, ["sh", "-c", "echo snapshot-state > /marker"])
    queued = catalog.create("my-snapshot", "docker", "raw")
    assert queued["status"] == "queued"
    calls = []

    driver.snapshot(None, inst, queued["id"], lambda **kw: calls.append(kw))

    assert [c["task_state"] for c in calls] == ["image_pending_upload", "image_uploading"]
    meta = catalog.show(queued["id"])
    assert meta["status"] == "active"
    assert meta["container_format"] == "docker"
    assert meta["properties"]["stackdock_snapshot_of"] == inst.uuid
    ref = meta["properties"]["docker_image"]
    assert docker_api.inspect_image(ref)["Id"] == meta["properties"]["docker_image_id"]
    # The source keeps running after the commit.
    assert driver.get_info(inst).state == power_state.RUNNING

    clone = instances()
    driver.spawn(None, clone, objects.ImageMeta.from_dict(meta), [], None, None)
    assert exec_out(docker_api, f"nova-{clone.uuid}", ["cat", "/marker"]) == "snapshot-state\n"
    assert driver.get_info(clone).state == power_state.RUNNING


def test_snapshot_registers_unknown_image_id(driver, instances, busybox_image, catalog):
    inst = instances()
    driver.spawn(None, inst, busybox_image(), [], None, None)
    image_id = str(uuid.uuid4())
    driver.snapshot(None, inst, image_id, None)
    meta = catalog.show(image_id)
    assert meta["status"] == "active"
    assert meta["properties"]["docker_image"].endswith(f":{image_id}")


def test_image_loaded_from_catalog_tarball(driver, instances, catalog, docker_api, run_id):
    repo = f"stackdock-test/load-{run_id}"
    ref = f"{repo}:v1"
    docker_api.tag(BUSYBOX, repo, "v1")
    tar_dir = tempfile.mkdtemp(prefix="sd-tar-")
    tar = os.path.join(tar_dir, "image.tar")
    try:
        with open(tar, "wb") as out:
            for chunk in docker_api.get_image(ref):
                out.write(chunk)
        docker_api.remove_image(ref)  # now only the catalog has it
        props = {"docker_image": ref, "os_command_line": "sleep 3600"}
        meta = catalog.create("loadable", "docker", "raw", properties=props, data_path=tar)
        inst = instances()
        driver.spawn(None, inst, objects.ImageMeta.from_dict(meta), [], None, None)
        assert driver.get_info(inst).state == power_state.RUNNING
        assert docker_api.inspect_image(ref)["Id"]
        driver.destroy(None, inst, None)
    finally:
        try:
            docker_api.remove_image(ref)
        except docker.errors.NotFound:
            pass
        os.unlink(tar)
        os.rmdir(tar_dir)


def test_available_resource_and_provider_tree(conf, driver, instances, busybox_image, docker_api):
    inst = instances(flavor=objects.Flavor(vcpus=1, memory_mb=64, root_gb=1))
    driver.spawn(None, inst, busybox_image(), [], None, None)
    res = driver.get_available_resource("functional-host")
    assert res["hypervisor_type"] == "docker"
    assert res["hypervisor_hostname"] == "functional-host"
    assert res["vcpus"] == docker_api.info()["NCPU"]
    assert res["memory_mb"] > 0
    assert res["local_gb"] > 0
    assert res["vcpus_used"] >= 1
    assert res["memory_mb_used"] >= 64
    assert res["hypervisor_version"] > 1_000_000
    assert '"arch"' in res["cpu_info"]

    conf.config(group="docker", cpu_allocation_ratio=4.0, ram_allocation_ratio=1.5)
    tree = provider_tree.ProviderTree()
    driver.update_provider_tree(tree, "functional-host")
    inventory = tree.data("functional-host").inventory
    assert inventory["VCPU"]["total"] == res["vcpus"]
    assert inventory["VCPU"]["allocation_ratio"] == 4.0
    assert inventory["MEMORY_MB"]["allocation_ratio"] == 1.5
    assert inventory["MEMORY_MB"]["reserved"] == 512
    assert inventory["DISK_GB"]["total"] == res["local_gb"]
    assert driver.get_available_nodes() == ["functional-host"]
    uptime = driver.get_host_uptime()
    assert " up " in uptime and "load average" in uptime


def test_init_host_reconciles_labelled_containers(conf, driver, docker_api, test_labels, catalog):
    orphan = str(uuid.uuid4())
    labels = dict(test_labels)
    labels.update(
        {
            "stackdock.managed": "true",
            "stackdock.instance_uuid": orphan,
            "stackdock.instance_name": f"instance-{orphan}",
        }
    )
    docker_api.create_container(BUSYBOX, ["sleep", "3600"], name=f"nova-{orphan}", labels=labels)
    try:
        restarted = DockerDriver(image_service=catalog)  # a fresh agent process
        restarted.init_host("functional-host")
        report = restarted.last_reconcile
        assert orphan in report["unknown"]
        assert report["instances"][orphan]["power_state"] == power_state.SHUTDOWN
        assert orphan in restarted.list_instance_uuids()
        assert f"instance-{orphan}" in restarted.list_instances()
        assert orphan not in restarted.reconcile(known_uuids={orphan})["unknown"]
        ghost = objects.Instance(uuid=orphan)
        assert restarted.instance_exists(ghost)
        assert restarted.get_info(ghost).state == power_state.SHUTDOWN
    finally:
        docker_api.remove_container(f"nova-{orphan}", force=True)
