"""Real heat-engine and Heat API on RabbitMQ with the plugins, driven by the openstack CLI."""

from __future__ import annotations

import json
import os

import pytest

from tests.functional.heat import templates as t
from tests.functional.heat.conftest import http_get, stack_leftovers
from tests.functional.heat.services import HeatServices
from tests.functional.net import free_port


@pytest.fixture(scope="module")
def heat_services(transport_url, test_labels, run_id):
    services = HeatServices(transport_url, test_labels, run_id)
    try:
        services.start()
        yield services
    finally:
        services.stop()


def test_openstack_stack_create_and_delete(heat_services, docker_api, run_id, tmp_path):
    port = free_port()
    tmpl = t.web(greeting=f"via-cli-{run_id}", host_port=port)
    path = tmp_path / "web.yaml"
    path.write_text(json.dumps(tmpl))  # JSON is YAML
    name = f"cli-{run_id}"

    created = heat_services.openstack(
        "stack", "create", "--wait", "-t", os.fspath(path), name, "-f", "json"
    )
    try:
        assert created.returncode == 0, created.stderr + created.stdout + heat_services.logs()
        shown = heat_services.openstack("stack", "show", name, "-f", "json")
        assert shown.returncode == 0, shown.stderr
        stack = json.loads(shown.stdout)
        assert stack["stack_status"] == "CREATE_COMPLETE", stack.get("stack_status_reason")
        outputs = {o["output_key"]: o["output_value"] for o in stack["outputs"]}
        assert outputs["tcp_ports"] == str(port)
        assert outputs["health"] == "healthy"
        assert http_get(port).strip() == f"via-cli-{run_id}"
        info = docker_api.inspect_container(outputs["id"])
        assert info["Config"]["Labels"]["stackdock.heat.stack_id"] == stack["id"]
        assert info["Config"]["Labels"]["stackdock.test"] == run_id

        # Convergence engine: a replacing update keeps the fixed host port working.
        path.write_text(json.dumps(t.with_container_props(tmpl, env={"GREETING": "v2"})))
        updated = heat_services.openstack("stack", "update", "--wait", "-t", os.fspath(path),
                                          name)  # fmt: skip
        assert updated.returncode == 0, updated.stderr + updated.stdout + heat_services.logs()
        shown = json.loads(heat_services.openstack("stack", "show", name, "-f", "json").stdout)
        assert shown["stack_status"] == "UPDATE_COMPLETE", shown.get("stack_status_reason")
        new_outputs = {o["output_key"]: o["output_value"] for o in shown["outputs"]}
        assert new_outputs["id"] != outputs["id"]
        assert http_get(port).strip() == "v2"
        assert stack_leftovers(docker_api, stack["id"])["containers"] == [new_outputs["id"]]
    finally:
        deleted = heat_services.openstack("stack", "delete", "--wait", "-y", name)
    assert deleted.returncode == 0, deleted.stderr + heat_services.logs()
    assert stack_leftovers(docker_api, stack["id"]) == {"containers": [], "networks": [],
                                                        "volumes": []}  # fmt: skip


def test_openstack_reports_validation_errors(heat_services, run_id, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(json.dumps(t.single({"docker_endpoint": "nowhere"})))
    result = heat_services.openstack("stack", "create", "-t", os.fspath(path), f"bad-{run_id}")
    assert result.returncode != 0
    assert "'nowhere' is not configured" in result.stderr
