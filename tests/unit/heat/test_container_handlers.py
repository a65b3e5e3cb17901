"""Container handler decisions, with the Docker API replaced by a mock (pure logic only)."""

from __future__ import annotations

from unittest import mock

import pytest
import requests
from docker import errors as docker_errors
from heat.common import exception

from heat_plugins.resources.docker.container import DockerContainer


def _container(resource_id: str = "c1") -> DockerContainer:
    # Bypass Heat's constructor: these tests exercise handler logic, not the engine.
    obj = object.__new__(DockerContainer)
    obj.resource_id = resource_id
    return obj


def _api_error(status: int, text: str = "boom") -> docker_errors.APIError:
    response = requests.Response()
    response.status_code = status
    if status == 404:
        return docker_errors.NotFound(text, response=response, explanation=text)
    return docker_errors.APIError(text, response=response, explanation=text)


def net(name: str, *aliases: str) -> dict:
    return {"network": name, "aliases": list(aliases), "ipv4_address": None,
            "ipv6_address": None}  # fmt: skip


@pytest.mark.parametrize(
    ("before", "after", "disconnects", "connects"),
    [
        ([net("a")], [net("a"), net("b")], [], ["b"]),
        ([net("a"), net("b")], [net("b")], ["a"], []),
        ([net("a", "x")], [net("a", "y")], ["a"], ["a"]),
        ([net("a")], [net("a")], [], []),
    ],
)
def test_network_changes_connect_and_disconnect(before, after, disconnects, connects):
    api = mock.Mock()
    _container()._update_networks(api, before, after)
    assert [c.args[1] for c in api.disconnect_container_from_network.call_args_list] == (
        disconnects
    )
    assert [c.args[1] for c in api.connect_container_to_network.call_args_list] == connects


def test_disconnect_tolerates_not_connected():
    api = mock.Mock()
    api.disconnect_container_from_network.side_effect = _api_error(
        403, "container c1 is not connected to network a"
    )
    _container()._disconnect(api, "a")
    api.disconnect_container_from_network.side_effect = _api_error(500, "daemon broke")
    with pytest.raises(docker_errors.APIError):
        _container()._disconnect(api, "a")


def test_delete_is_idempotent():
    container = _container()
    api = mock.Mock()
    with mock.patch.object(DockerContainer, "docker", return_value=api):
        api.remove_container.side_effect = _api_error(404)
        assert container.handle_delete() is None
        api.remove_container.side_effect = _api_error(409, "removal in progress")
        assert container.handle_delete() == "c1"
        api.remove_container.side_effect = _api_error(500)
        with pytest.raises(docker_errors.APIError):
            container.handle_delete()
        api.inspect_container.side_effect = _api_error(404)
        assert container.check_delete_complete("c1") is True
    assert _container(None).handle_delete() is None


def test_removing_a_limit_needs_a_new_container():
    container = _container()
    assert container.needs_replace_with_prop_diff({"memory"}, {"memory": None},
                                                  {"memory": "64m"})  # fmt: skip
    assert not container.needs_replace_with_prop_diff(
        {"memory"}, {"memory": "128m"}, {"memory": "64m"}
    )
    assert not container.needs_replace_with_prop_diff({"name"}, {"name": None}, {"name": "x"})


def test_exit_reports_code_and_last_logs():
    api = mock.Mock()
    api.logs.return_value = b"line one\nline two\n"
    info = {"Id": "c1", "Name": "/web", "State": {"Status": "exited", "ExitCode": 3}}
    with mock.patch("heat_plugins.resources.docker.container.CONF") as conf:
        conf.heat_docker.log_lines = 20
        with pytest.raises(exception.ResourceInError) as err:
            _container()._raise_exited(api, info)
    assert "web exited with code 3" in str(err.value)
    assert "line two" in str(err.value)


def test_pull_policy():
    container = _container()
    container.type = mock.Mock(return_value="OS::Docker::Container")
    container.name = "web"
    api = mock.Mock()
    with mock.patch("heat_plugins.resources.docker.container.CONF") as conf:
        conf.heat_docker.default_pull_policy = "if_not_present"
        container._ensure_image(api, "busybox", None)  # present: no pull
        api.pull.assert_not_called()
        container._ensure_image(api, "busybox", "always")
        api.pull.assert_called_once_with("busybox", tag="latest")

        api.inspect_image.side_effect = docker_errors.ImageNotFound("absent")
        with pytest.raises(exception.Error, match="not present and image_pull_policy is never"):
            container._ensure_image(api, "busybox", "never")
        api.pull.return_value = '{"error": "manifest unknown"}'
        with pytest.raises(exception.Error, match="did not produce it: .*manifest unknown"):
            container._ensure_image(api, "busybox:2", None)
        api.pull.side_effect = _api_error(500, "no such host")
        with pytest.raises(exception.Error, match="cannot pull image busybox:3: no such host"):
            container._ensure_image(api, "busybox:3", None)
