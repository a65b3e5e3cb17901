"""Restart the Docker engine under running instances: a new driver finds them again.

The shared engine must never be restarted, so each test runs a private dockerd
(``private_engine.PrivateEngine``: own socket, data root, exec root, containerd and bridge;
instances use network ``none``), loads stackdock/busybox into it, spawns three instances
(running, stopped, paused), stops the engine with SIGTERM, checks that the driver reports
the outage as HypervisorUnavailable, starts the engine again on the same data root and
checks what a fresh DockerDriver sees.

What survives a restart:

- without live-restore, dockerd stops every container when it stops (SIGTERM, SIGKILL after
  ``--shutdown-timeout``; a paused one is thawed first), so afterwards all three are
  ``exited`` and report SHUTDOWN; power_on brings them back;
- with ``--live-restore`` the containers keep running while the engine is down (same
  process), and afterwards report RUNNING, SHUTDOWN and PAUSED as before.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from nova_docker import exception, objects
from nova_docker.virt import power_state
from nova_docker.virt.docker.driver import DockerDriver
from tests.functional.docker.conftest import BUSYBOX
from tests.functional.docker.private_engine import PrivateEngine

# Exits on SIGTERM within a second, so stopping the engine does not wait for SIGKILL.
COMMAND = "sh -c 'trap \"exit 0\" TERM; while :; do sleep 1; done'"


@pytest.fixture(params=[False, True], ids=["stop-containers", "live-restore"])
def engine(request: pytest.FixtureRequest) -> Iterator[PrivateEngine]:
    host_bridge_before = os.path.exists("/sys/class/net/docker0")
    eng = PrivateEngine(live_restore=request.param)
    try:
        eng.start()
        eng.load_image(BUSYBOX)
        yield eng
    finally:
        eng.cleanup()
    assert eng.leftovers() == [], f"private engine left {eng.leftovers()}"
    # The shared engine's docker0 must survive a private engine (it once did not).
    assert os.path.exists("/sys/class/net/docker0") == host_bridge_before


@pytest.fixture
def engine_conf(conf, engine: PrivateEngine, test_labels, catalog):
    conf.config(
        group="docker",
        host_url=engine.url,
        labels=test_labels,
        image_pull_policy="never",
        # Networking is not what this test is about: instances get no network at all.
        default_network="none",
        stop_timeout=3,
    )
    return conf


def _new_driver(catalog) -> DockerDriver:
    return DockerDriver(image_service=catalog)


def _states(drv: DockerDriver, insts: dict[str, objects.Instance]) -> dict[str, int]:
    return {role: drv.get_info(inst).state for role, inst in insts.items()}


def test_engine_restart_with_instances(engine_conf, engine, catalog, busybox_image):
    image = busybox_image(os_command_line=COMMAND)
    insts = {
        role: objects.Instance(
            flavor=objects.Flavor(memory_mb=64, vcpus=1), display_name=f"restart-{role}"
        )
        for role in ("running", "stopped", "paused")
    }
    uuids = {inst.uuid for inst in insts.values()}

    before = _new_driver(catalog)
    before.init_host("restart-host")
    before.spawn(None, insts["running"], image, [], None, None)
    before.spawn(None, insts["stopped"], image, [], None, None, power_on=False)
    before.spawn(None, insts["paused"], image, [], None, None)
    before.pause(insts["paused"])
    assert _states(before, insts) == {
        "running": power_state.RUNNING,
        "stopped": power_state.SHUTDOWN,
        "paused": power_state.PAUSED,
    }
    api = engine.api()
    try:
        old_pid = api.inspect_container(f"nova-{insts['running'].uuid}")["State"]["Pid"]
    finally:
        api.close()
    assert old_pid > 0

    assert engine.stop() == 0, engine.log_tail()

    # Engine down: a clear HypervisorUnavailable, never a raw requests/docker error.
    with pytest.raises(exception.HypervisorUnavailable, match=engine.socket):
        before.list_instance_uuids()
    with pytest.raises(exception.HypervisorUnavailable):
        before.get_info(insts["running"])
    with pytest.raises(exception.HypervisorUnavailable):
        before.instance_exists(insts["stopped"])
    with pytest.raises(exception.HypervisorUnavailable):
        _new_driver(catalog).init_host("restart-host")
    if engine.live_restore:
        assert os.path.exists(f"/proc/{old_pid}"), "live-restore kept the process running"

    engine.start()

    if engine.live_restore:
        expected = {
            "running": power_state.RUNNING,
            "stopped": power_state.SHUTDOWN,
            "paused": power_state.PAUSED,
        }
    else:
        expected = dict.fromkeys(insts, power_state.SHUTDOWN)

    after = _new_driver(catalog)
    after.init_host("restart-host")
    report = after.last_reconcile
    assert report["unknown"] == sorted(uuids)
    assert report["unlabelled"] == []
    assert {
        role: report["instances"][inst.uuid]["power_state"] for role, inst in insts.items()
    } == expected
    assert {report["instances"][u]["display_name"] for u in uuids} == {
        f"restart-{role}" for role in insts
    }
    assert sorted(after.list_instance_uuids()) == sorted(uuids)
    assert sorted(after.list_instances()) == sorted(inst.name for inst in insts.values())
    assert _states(after, insts) == expected
    # The driver that lived through the outage reconnects by itself.
    assert _states(before, insts) == expected
    before.cleanup_host("restart-host")

    api = engine.api()
    try:
        pid = api.inspect_container(f"nova-{insts['running'].uuid}")["State"]["Pid"]
    finally:
        api.close()
    if engine.live_restore:
        assert pid == old_pid
    else:
        assert pid == 0

    for inst in insts.values():
        after.power_on(None, inst, None)
    assert _states(after, insts) == dict.fromkeys(insts, power_state.RUNNING)

    for inst in insts.values():
        after.destroy(None, inst, None)
        assert not after.instance_exists(inst)
    assert after.list_instance_uuids() == []
    api = engine.api()
    try:
        assert api.containers(all=True) == []
    finally:
        api.close()
    after.cleanup_host("restart-host")
