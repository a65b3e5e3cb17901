"""OS::Docker::* resources driven by a real Heat engine against the real Docker engine."""

from __future__ import annotations

from oslo_config import cfg

from tests.functional.heat import templates as t
from tests.functional.heat.conftest import http_get, http_refused, stack_leftovers
from tests.functional.net import free_port

CONF = cfg.CONF


def _inspect(docker_api, stk_outputs):
    return docker_api.inspect_container(stk_outputs["id"])


def test_create_outputs_http_and_clean_delete(heat_engine, docker_api, run_id):
    stk = heat_engine.create(f"web-{run_id}", t.web(greeting=f"hello-{run_id}"))
    try:
        assert stk.state == ("CREATE", "COMPLETE"), stk.status_reason
        out = heat_engine.outputs(stk)
        assert out["health"] == "healthy"
        assert out["ip"].count(".") == 3
        port = int(out["tcp_ports"])
        assert http_get(port).strip() == f"hello-{run_id}"

        info = _inspect(docker_api, out)
        labels = info["Config"]["Labels"]
        assert labels["stackdock.heat.stack_id"] == stk.id
        assert labels["stackdock.heat.resource"] == "web"
        assert labels["stackdock.test"] == run_id
        assert out["net_name"] in info["NetworkSettings"]["Networks"]
        assert info["Mounts"][0]["Name"] == out["volume"]
        assert info["HostConfig"]["PortBindings"]["8080/tcp"][0]["HostIp"] == "127.0.0.1"
        assert stack_leftovers(docker_api, stk.id)["volumes"] == [out["volume"]]
    finally:
        deleted = heat_engine.delete(stk)
    assert deleted.state == ("DELETE", "COMPLETE"), deleted.status_reason
    assert stack_leftovers(docker_api, stk.id) == {"containers": [], "networks": [],
                                                   "volumes": []}  # fmt: skip
    # Deleting again is harmless: the resources are already gone.
    again = heat_engine.delete(stk)
    assert again.state == ("DELETE", "COMPLETE"), again.status_reason


def test_suspend_resume_check(heat_engine, docker_api, run_id):
    stk = heat_engine.create(f"sus-{run_id}", t.web(greeting="awake"))
    try:
        assert stk.state == ("CREATE", "COMPLETE"), stk.status_reason
        out = heat_engine.outputs(stk)
        port = int(out["tcp_ports"])
        stk = heat_engine.act(stk, "suspend")
        assert stk.state == ("SUSPEND", "COMPLETE"), stk.status_reason
        assert docker_api.inspect_container(out["id"])["State"]["Running"] is False
        assert http_refused(port)

        stk = heat_engine.act(stk, "resume")
        assert stk.state == ("RESUME", "COMPLETE"), stk.status_reason
        assert docker_api.inspect_container(out["id"])["State"]["Running"] is True
        port = int(heat_engine.outputs(stk)["tcp_ports"])
        assert http_get(port).strip() == "awake"

        stk = heat_engine.act(stk, "check")
        assert stk.state == ("CHECK", "COMPLETE"), stk.status_reason

        # Check notices a container stopped behind Heat's back.
        docker_api.stop(out["id"], timeout=1)
        stk = heat_engine.act(stk, "check")
        assert stk.state == ("CHECK", "FAILED")
        assert "expected 'running'" in stk.status_reason
    finally:
        heat_engine.delete(stk)
    assert stack_leftovers(docker_api, stk.id)["containers"] == []


def test_update_in_place_keeps_container_id(heat_engine, docker_api, run_id):
    tmpl = t.web(greeting="same", name=f"inplace-{run_id}")
    stk = heat_engine.create(f"upd-{run_id}", tmpl)
    try:
        assert stk.state == ("CREATE", "COMPLETE"), stk.status_reason
        before = heat_engine.outputs(stk)
        net2 = heat_engine.resource(stk, "net2").resource_id
        new = t.with_container_props(
            tmpl,
            name=f"renamed-{run_id}",
            restart_policy={"name": "on-failure", "maximum_retry_count": 3},
            cpu_shares=256,
            memory="96m",
            networks=[
                {"network": {"get_resource": "net"}, "aliases": ["web"]},
                {"network": {"get_resource": "net2"}, "aliases": ["second"]},
            ],
        )
        stk = heat_engine.update(stk, new)
        assert stk.state == ("UPDATE", "COMPLETE"), stk.status_reason
        after = heat_engine.outputs(stk)
        assert after["id"] == before["id"]
        info = docker_api.inspect_container(after["id"])
        assert info["Name"] == f"/renamed-{run_id}"
        assert info["HostConfig"]["RestartPolicy"] == {"Name": "on-failure",
                                                       "MaximumRetryCount": 3}  # fmt: skip
        assert info["HostConfig"]["CpuShares"] == 256
        assert info["HostConfig"]["Memory"] == 96 * 1024 * 1024
        nets = {n["NetworkID"]: n for n in info["NetworkSettings"]["Networks"].values()}
        assert net2 in nets and "second" in nets[net2]["Aliases"]

        # Leave the first network: disconnect in place, same container.
        newer = t.with_container_props(
            new, networks=[{"network": {"get_resource": "net2"}, "aliases": ["second"]}]
        )
        stk = heat_engine.update(stk, newer)
        assert stk.state == ("UPDATE", "COMPLETE"), stk.status_reason
        info = docker_api.inspect_container(after["id"])
        assert [n["NetworkID"] for n in info["NetworkSettings"]["Networks"].values()] == [net2]
        assert info["State"]["Running"] is True

        # What Heat observes from the live container matches the template.
        web = heat_engine.resource(stk, "web")
        stored = web.frozen_definition().properties(web.properties_schema, web.context)
        live = web.get_live_state(stored)
        assert live["name"] == f"renamed-{run_id}"
        assert live["cpu_shares"] == 256
        assert live["memory"] == "96m"
        assert live["restart_policy"] == {"name": "on-failure", "maximum_retry_count": 3}
        assert live["networks"] == [dict(stored["networks"][0])]

        # Drift behind Heat's back; an update that observes reality puts it right again.
        docker_api.rename(after["id"], f"drifted-{run_id}")
        docker_api.update_container(after["id"], cpu_shares=100)
        CONF.set_override("observe_on_update", True)
        try:
            stk = heat_engine.update(stk, newer)
        finally:
            CONF.clear_override("observe_on_update")
        assert stk.state == ("UPDATE", "COMPLETE"), stk.status_reason
        info = docker_api.inspect_container(after["id"])
        assert info["Name"] == f"/renamed-{run_id}"
        assert info["HostConfig"]["CpuShares"] == 256
    finally:
        heat_engine.delete(stk)
    assert stack_leftovers(docker_api, stk.id)["containers"] == []


def test_update_replacement_keeps_fixed_name_and_host_port(heat_engine, docker_api, run_id):
    port = free_port()
    name = f"fixed-{run_id}"
    tmpl = t.web(greeting="first", host_port=port, name=name)
    stk = heat_engine.create(f"rep-{run_id}", tmpl)
    try:
        assert stk.state == ("CREATE", "COMPLETE"), stk.status_reason
        old_id = heat_engine.outputs(stk)["id"]
        assert http_get(port).strip() == "first"

        # env cannot change on a live container: Heat replaces it.
        stk = heat_engine.update(stk, t.with_container_props(tmpl, env={"GREETING": "second"}))
        assert stk.state == ("UPDATE", "COMPLETE"), stk.status_reason
        out = heat_engine.outputs(stk)
        assert out["id"] != old_id
        assert out["name"] == name
        assert out["tcp_ports"] == str(port)
        assert http_get(port).strip() == "second"
        assert stack_leftovers(docker_api, stk.id)["containers"] == [out["id"]]
    finally:
        heat_engine.delete(stk)
    assert stack_leftovers(docker_api, stk.id)["containers"] == []


def test_failed_replacement_rolls_back_to_the_old_container(heat_engine, docker_api, run_id):
    port = free_port()
    name = f"keep-{run_id}"
    tmpl = t.web(greeting="original", host_port=port, name=name)
    stk = heat_engine.create(f"rb-{run_id}", tmpl)
    try:
        assert stk.state == ("CREATE", "COMPLETE"), stk.status_reason
        old_id = heat_engine.outputs(stk)["id"]
        broken = t.with_container_props(tmpl, command=["sh", "-c", "echo broken; exit 4"])
        stk = heat_engine.update(stk, broken, rollback=True)
        assert stk.state == ("ROLLBACK", "COMPLETE"), stk.status_reason
        info = docker_api.inspect_container(old_id)
        assert info["Name"] == f"/{name}"
        assert info["State"]["Running"] is True
        assert http_get(port).strip() == "original"
        assert stack_leftovers(docker_api, stk.id)["containers"] == [old_id]
    finally:
        heat_engine.delete(stk)
    assert stack_leftovers(docker_api, stk.id)["containers"] == []


def test_exiting_container_fails_create_with_its_logs(heat_engine, docker_api, run_id):
    tmpl = t.single({"command": ["sh", "-c", f"echo boom-{run_id}; echo last words; exit 3"]})
    stk = heat_engine.create(f"exit-{run_id}", tmpl)
    try:
        assert stk.state == ("CREATE", "FAILED")
        assert "exited with code 3" in stk.status_reason
        assert f"boom-{run_id}" in stk.status_reason
        assert "last words" in stk.status_reason
    finally:
        deleted = heat_engine.delete(stk)
    assert deleted.state == ("DELETE", "COMPLETE"), deleted.status_reason
    assert stack_leftovers(docker_api, stk.id)["containers"] == []


def test_unhealthy_container_fails_create(heat_engine, docker_api, run_id):
    tmpl = t.single(
        {
            "command": ["sleep", "600"],
            "stop_timeout": 1,
            "healthcheck": {
                "test": ["CMD-SHELL", "echo sick-$((1+1)); exit 1"],
                "interval": 0.3,
                "retries": 2,
            },  # fmt: skip
        }
    )
    stk = heat_engine.create(f"sick-{run_id}", tmpl)
    try:
        assert stk.state == ("CREATE", "FAILED")
        assert "healthcheck failed" in stk.status_reason
        assert "sick-2" in stk.status_reason
    finally:
        heat_engine.delete(stk)
    assert stack_leftovers(docker_api, stk.id)["containers"] == []


def test_legacy_template_creates_working_container(heat_engine, docker_api, run_id):
    port = free_port()
    stk = heat_engine.create(f"old-{run_id}", t.LEGACY_WEB, params={"host_port": str(port)})
    try:
        assert stk.state == ("CREATE", "COMPLETE"), stk.status_reason
        out = heat_engine.outputs(stk)
        assert out["tcp"] == str(port)
        assert http_get(port).strip() == "legacy-hello"
        host = out["info"]["HostConfig"]
        assert host["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 2}
        assert host["CpuShares"] == 512
        assert host["Memory"] == 67108864
        assert host["CapDrop"] == ["MKNOD"]
        assert host["Devices"][0]["PathInContainer"] == "/dev/xnull"
        assert "/tmp:/host-tmp:ro" in host["Binds"]
        assert out["info"]["Config"]["Labels"]["stackdock.test"] == run_id
    finally:
        heat_engine.delete(stk)
    assert stack_leftovers(docker_api, stk.id)["containers"] == []
