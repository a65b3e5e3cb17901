"""Killed and stopped agents: stale heartbeats, timeouts, and no half-made instances."""

from __future__ import annotations

import signal
import threading

import pytest

from nova_docker import exception
from nova_docker.compute import rpcapi
from nova_docker.virt import power_state
from tests.functional.compute import agents
from tests.functional.compute.test_agents import CTXT, _container, _instance


def _spawn_in_thread(api, host, inst, image_id):
    result: dict = {}

    def run():
        try:
            result["info"] = api.spawn(CTXT, host, instance=inst, image_id=image_id)
        except Exception as exc:  # the test inspects it
            result["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


@pytest.fixture(scope="module")
def short_api(transport):
    conf = agents.client_conf(rpc_timeout=5, spawn_timeout=10, report_interval=1)
    return rpcapi.ComputeAPI(transport, conf=conf)


def test_killed_agent_goes_stale_and_its_spawn_is_undone(
    start_agent, run_id, api, short_api, listener, catalog, docker_client, tracked
):
    host = f"sd-victim-{run_id}"
    victim = start_agent(host, "docker")
    inst = _instance(tracked, "killed")
    thread, result = _spawn_in_thread(short_api, host, inst, catalog.ids["busybox"])
    agents.wait_for(victim.journal, 60, "the spawn intent in the journal", victim, interval=0.005)
    victim.signal(signal.SIGKILL)
    assert victim.wait(timeout=30) == -signal.SIGKILL
    cut_short = bool(victim.journal())  # files are frozen now: was the spawn unfinished?

    # The heartbeat goes stale, and orders fail with a clear timeout error.
    agents.wait_for(lambda: not listener.is_alive(host), 60, f"{host} to be reported down")
    assert host not in {r["host"] for r in listener.hosts()}
    with pytest.raises(exception.ComputeUnavailable, match=f"{host} did not answer within 5"):
        short_api.ping(CTXT, host)
    thread.join(timeout=60)
    if cut_short:
        assert isinstance(result.get("error"), exception.ComputeUnavailable), result

    # Restarted on the same state, the agent removes what the killed spawn left behind.
    again = start_agent(host, "docker")
    assert again.journal() == []
    if cut_short:
        assert _container(docker_client, inst["uuid"]) is None
        assert again.records() == []
        with pytest.raises(exception.InstanceNotFound):
            api.get_info(CTXT, host, inst["uuid"])
    else:  # the spawn had just completed: a whole instance, still served
        assert api.get_info(CTXT, host, inst["uuid"])["state"] == power_state.RUNNING
        api.destroy(CTXT, host, inst["uuid"])


def test_sigterm_finishes_in_flight_spawn(
    start_agent, run_id, api, catalog, docker_client, tracked
):
    host = f"sd-term-{run_id}"
    agent = start_agent(host, "docker")
    inst = _instance(tracked, "terminated")
    thread, result = _spawn_in_thread(api, host, inst, catalog.ids["busybox"])
    agents.wait_for(agent.journal, 60, "the spawn intent in the journal", agent, interval=0.005)
    agent.signal(signal.SIGTERM)
    assert agent.wait(timeout=150) == 0, agent.log()
    thread.join(timeout=60)
    # The spawn in flight was finished, answered and recorded; nothing is half-made.
    assert result.get("info", {}).get("state") == power_state.RUNNING, result
    assert agent.journal() == [] and agent.records() == [inst["uuid"]]
    assert _container(docker_client, inst["uuid"]).status == "running"

    # The state survives the restart: the instance is served by uuid again.
    start_agent(host, "docker")
    assert api.get_info(CTXT, host, inst["uuid"])["state"] == power_state.RUNNING
    api.destroy(CTXT, host, inst["uuid"])
    assert _container(docker_client, inst["uuid"]) is None
