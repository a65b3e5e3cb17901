"""The agent's endpoint logic against an in-memory driver (no broker)."""

from __future__ import annotations

import threading

import pytest

from nova_docker import exception, objects
from nova_docker.common import context
from nova_docker.compute import reports
from nova_docker.virt import power_state
from tests.unit.compute.fake_driver import MemoryDriver

CTXT = context.get_admin_context()


def _instance(**flavor):
    return objects.Instance(display_name="t", flavor=objects.Flavor(**flavor)).to_dict()


def test_spawn_records_and_returns_info(make_manager, images, store):
    mgr = make_manager()
    mgr.init_host()
    inst = _instance()
    info = mgr.spawn(
        CTXT, instance=inst, image_id=images.ids["docker"], injected_files=[["/a", "b"]]
    )
    assert info["state"] == power_state.RUNNING
    assert info["state_name"] == "running"
    assert info["hypervisor"] == "docker"
    assert info["uuid"] == inst["uuid"]
    assert store.load_instance(inst["uuid"])["image_id"] == images.ids["docker"]
    assert store.pending_spawns() == {}
    assert mgr.driver.instances[inst["uuid"]]["files"] == [("/a", "b")]
    listed = mgr.list_instances(CTXT)
    assert [(i["uuid"], i["hypervisor"], i["state"]) for i in listed] == [
        (inst["uuid"], "docker", power_state.RUNNING)
    ]


def test_lifecycle_by_uuid(make_manager, images, store):
    mgr = make_manager()
    mgr.init_host()
    uuid = _instance()["uuid"]
    mgr.spawn(CTXT, instance=_instance() | {"uuid": uuid}, image_id="busybox", power_on=False)
    assert mgr.get_info(CTXT, instance_uuid=uuid)["state"] == power_state.SHUTDOWN
    mgr.power_on(CTXT, instance_uuid=uuid)
    mgr.pause(CTXT, instance_uuid=uuid)
    assert mgr.get_info(CTXT, instance_uuid=uuid)["state_name"] == "paused"
    mgr.unpause(CTXT, instance_uuid=uuid)
    mgr.reboot(CTXT, instance_uuid=uuid, reboot_type="HARD")
    mgr.power_off(CTXT, instance_uuid=uuid, timeout=5)
    assert mgr.get_console_output(CTXT, instance_uuid=uuid) == f"console of {uuid}"
    image_id = mgr.snapshot(CTXT, instance_uuid=uuid, image_name="snap")
    assert images.show(image_id)["container_format"] == "docker"
    mgr.destroy(CTXT, instance_uuid=uuid)
    assert store.instances() == {}
    with pytest.raises(exception.InstanceNotFound):
        mgr.get_info(CTXT, instance_uuid=uuid)


def test_unsupported_driver_method_is_not_supported(make_manager, images):
    mgr = make_manager()
    mgr.init_host()
    uuid = mgr.spawn(CTXT, instance=_instance(), image_id="busybox")["uuid"]
    with pytest.raises(exception.NotSupported, match="suspend is not supported"):
        mgr.suspend(CTXT, instance_uuid=uuid)
    with pytest.raises(exception.NotSupported, match="docker or hybrid host"):
        mgr.ensure_network(CTXT, name="net")


def test_bad_inputs(make_manager, images, store):
    mgr = make_manager()
    mgr.init_host()
    with pytest.raises(exception.ImageNotFound):
        mgr.spawn(CTXT, instance=_instance(), image_id="no-such-image")
    with pytest.raises(exception.ImageUnacceptable, match="docker driver"):
        mgr.spawn(CTXT, instance=_instance(), image_id=images.ids["qcow2"])
    with pytest.raises(exception.FlavorTooLarge, match="MB of RAM"):
        mgr.spawn(CTXT, instance=_instance(memory_mb=10**7), image_id="busybox")
    with pytest.raises(exception.Invalid):
        mgr.spawn(CTXT, instance={"uuid": "../etc"}, image_id="busybox")
    with pytest.raises(exception.Invalid):
        mgr.spawn(CTXT, instance=_instance(vcpus=0), image_id="busybox")
    with pytest.raises(exception.Invalid):
        mgr.spawn(CTXT, instance=_instance(), image_id="busybox", injected_files=["x"])
    with pytest.raises(exception.Invalid):
        mgr.reboot(CTXT, instance_uuid="x", reboot_type="WARM")
    assert mgr.driver.instances == {}
    assert store.instances() == {} and store.pending_spawns() == {}


def test_libvirt_host_refuses_docker_image(make_manager, images):
    mgr = make_manager(MemoryDriver(hypervisor_type="QEMU"))
    with pytest.raises(exception.ImageUnacceptable, match="docker or hybrid host"):
        mgr.spawn(CTXT, instance=_instance(), image_id=images.ids["docker"])


def test_failed_spawn_is_cleaned_up(make_manager, store):
    driver = MemoryDriver()
    driver.fail_spawn = RuntimeError("engine said no")
    mgr = make_manager(driver)
    with pytest.raises(exception.NovaDockerException, match="engine said no"):
        mgr.spawn(CTXT, instance=_instance(), image_id="busybox")
    assert driver.instances == {}
    assert store.instances() == {} and store.pending_spawns() == {}


def test_duplicate_spawn_refused(make_manager):
    mgr = make_manager()
    inst = _instance()
    mgr.spawn(CTXT, instance=inst, image_id="busybox")
    with pytest.raises(exception.InstanceExists):
        mgr.spawn(CTXT, instance=inst, image_id="busybox")


def test_init_host_destroys_half_made_spawn(make_manager, store):
    driver = MemoryDriver()
    inst = objects.Instance()
    driver.instances[inst.uuid] = {"name": inst.name, "state": power_state.SHUTDOWN}
    store.begin_spawn(inst.uuid, {"instance": inst.to_dict(), "network_info": None})
    gone = objects.Instance()
    store.save_instance(gone.uuid, {"instance": gone.to_dict()})
    mgr = make_manager(driver)
    mgr.init_host()
    assert driver.instances == {}
    assert store.pending_spawns() == {} and store.instances() == {}
    assert {(r["uuid"], r["action"]) for r in mgr.reconciled} == {
        (inst.uuid, "destroyed"),
        (gone.uuid, "forgotten"),
    }


def test_state_survives_a_new_manager(make_manager, images, store):
    driver = MemoryDriver()
    uuid = make_manager(driver).spawn(CTXT, instance=_instance(), image_id="busybox")["uuid"]
    again = make_manager(driver)
    again.init_host()
    assert again.get_info(CTXT, instance_uuid=uuid)["state"] == power_state.RUNNING


def test_shutdown_refuses_orders_but_answers_queries(make_manager):
    mgr = make_manager()
    mgr.begin_shutdown()
    with pytest.raises(exception.ShuttingDown, match="host-a"):
        mgr.spawn(CTXT, instance=_instance(), image_id="busybox")
    assert mgr.ping(CTXT)["shutting_down"] is True
    assert mgr.list_instances(CTXT) == []
    assert mgr.wait_idle(0.1)


def test_wait_idle_waits_for_inflight(make_manager):
    driver = MemoryDriver()
    entered, release = threading.Event(), threading.Event()
    original = driver.spawn

    def slow_spawn(*args, **kwargs):
        entered.set()
        release.wait(10)
        return original(*args, **kwargs)

    driver.spawn = slow_spawn
    mgr = make_manager(driver)
    worker = threading.Thread(
        target=mgr.spawn, kwargs={"ctxt": CTXT, "instance": _instance(), "image_id": "busybox"}
    )
    worker.start()
    assert entered.wait(10)
    mgr.begin_shutdown()
    assert mgr.wait_idle(0.05) is False
    release.set()
    assert mgr.wait_idle(10) is True
    worker.join(10)
    assert len(driver.instances) == 1


def test_host_report_counts_allocations(make_manager):
    mgr = make_manager()
    mgr.spawn(CTXT, instance=_instance(memory_mb=256, vcpus=2, root_gb=3), image_id="busybox")
    report = mgr.get_host_report(CTXT)
    assert set(reports.REPORT_KEYS) <= set(report)
    assert report["binary"] == "nova-docker-compute"
    assert report["hypervisor_types"] == ["docker"]
    assert (report["vcpus"], report["memory_mb"], report["local_gb"]) == (4, 4096, 40)
    assert (report["vcpus_used"], report["memory_mb_used"], report["local_gb_used"]) == (2, 256, 3)
    assert report["instances"] == 1


def test_host_report_survives_driver_errors(make_manager):
    driver = MemoryDriver()
    driver.get_available_resource = lambda nodename: (_ for _ in ()).throw(OSError("down"))
    report = make_manager(driver).host_report()
    assert report["memory_mb"] == 0 and "down" in report["error"]
