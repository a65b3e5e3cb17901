"""Bad templates fail clearly, at validate or create, and leave nothing behind."""

from __future__ import annotations

import uuid

import pytest
from heat.common import exception
from oslo_config import cfg

from heat_plugins import conf as plugin_conf
from tests.functional.heat import templates as t
from tests.functional.heat.conftest import owned, stack_leftovers

CONF = cfg.CONF

INVALID = [
    ("bad-image-name", {"image": "Not A/Valid::Image"}, "not a valid image reference"),
    ("port-out-of-range", {"ports": [{"container_port": 70000}]}, "70000"),
    (
        "port-published-twice",
        {
            "ports": [
                {"container_port": 80, "host_port": 18080},
                {"container_port": 81, "host_port": 18080},
            ]
        },  # fmt: skip
        "published twice",
    ),
    ("device-relative-path", {"devices": [{"path_on_host": "dev/null"}]}, "absolute path"),
    (
        "device-bad-permissions",
        {"devices": [{"path_on_host": "/dev/null", "permissions": "rwx"}]},
        "must combine r, w and m",
    ),
    ("unknown-endpoint", {"docker_endpoint": "nowhere"}, "'nowhere' is not configured"),
    ("privileged-refused", {"privileged": True}, "privileged containers are disabled"),
    (
        "bind-relative",
        {"mounts": [{"type": "bind", "source": "tmp", "target": "/x"}]},
        "absolute host path",
    ),  # fmt: skip
]

LEGACY_INVALID = [
    ("legacy-port-protocol", {"port_bindings": {"80/xyz": 8080}}, "protocol 'xyz'"),
    ("legacy-port-number", {"port_bindings": {"80/tcp": [{"HostPort": "99999"}]}}, "99999"),
    ("legacy-port-spec", {"port_specs": ["http"]}, "'http' is not a port number"),
    (
        "legacy-device-permissions",
        {"devices": [{"path_on_host": "/dev/null", "permissions": "x"}]},
        "permissions",
    ),
    (
        "legacy-endpoint-url",
        {"docker_endpoint": "tcp://127.0.0.1:2375"},
        "is not one configured in heat.conf",
    ),
    ("legacy-env", {"env": ["NOEQUALS"]}, "not KEY=value"),
]


@pytest.mark.parametrize(("case", "props", "message"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_container_is_refused_at_validate(
    heat_engine, docker_api, run_id, case, props, message
):
    marker = f"{case}-{uuid.uuid4().hex[:6]}"
    tmpl = t.single({"labels": {"stackdock.case": marker}, "command": ["sleep", "60"], **props})
    with pytest.raises(exception.StackValidationFailed) as err:
        heat_engine.create(f"bad-{run_id}-{case}", tmpl)
    assert message in str(err.value)
    assert owned(docker_api, f"stackdock.case={marker}")["containers"] == []


@pytest.mark.parametrize(
    ("case", "props", "message"), LEGACY_INVALID, ids=[c[0] for c in LEGACY_INVALID]
)
def test_invalid_legacy_container_is_refused_at_validate(heat_engine, run_id, case, props, message):
    tmpl = t.single({"image": t.IMAGE, "cmd": ["sleep", "60"], **props},
                    rtype="DockerInc::Docker::Container")  # fmt: skip
    with pytest.raises(exception.StackValidationFailed) as err:
        heat_engine.create(f"bad-{run_id}-{case}", tmpl)
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("case", "props", "message"),
    [
        (
            "missing-image",
            {"image": f"stackdock/absent-{uuid.uuid4().hex[:8]}:1"},
            "is not present and image_pull_policy is never",
        ),  # fmt: skip
        (
            "missing-device",
            {"devices": [{"path_on_host": "/dev/stackdock-no-such-device"}]},
            "stackdock-no-such-device",
        ),  # fmt: skip
    ],
    ids=["missing-image", "missing-device"],
)
def test_create_failure_is_clear_and_leaves_nothing(
    heat_engine, docker_api, run_id, case, props, message
):
    stk = heat_engine.create(f"fail-{run_id}-{case}", t.single({"command": ["sleep", "60"],
                                                                 **props}))  # fmt: skip
    try:
        assert stk.state == ("CREATE", "FAILED")
        assert message in stk.status_reason
        assert stack_leftovers(docker_api, stk.id)["containers"] == []
    finally:
        heat_engine.delete(stk)


def test_named_endpoint_from_configuration(heat_engine, docker_api, run_id):
    group = plugin_conf.register_endpoint(CONF, "local")
    heat_engine.apply_config(endpoints=["local"])
    CONF.set_override("url", "unix:///var/run/docker.sock", group=group)
    try:
        tmpl = t.single({"docker_endpoint": "local", "command": ["sleep", "600"],
                         "stop_timeout": 1})  # fmt: skip
        stk = heat_engine.create(f"named-{run_id}", tmpl)
        try:
            assert stk.state == ("CREATE", "COMPLETE"), stk.status_reason
            assert len(stack_leftovers(docker_api, stk.id)["containers"]) == 1
        finally:
            heat_engine.delete(stk)
        assert stack_leftovers(docker_api, stk.id)["containers"] == []
    finally:
        CONF.clear_override("url", group=group)
        heat_engine.apply_config()


def test_privileged_passes_validation_when_the_operator_allows_it(heat_engine, run_id):
    heat_engine.apply_config(allow_privileged=True)
    try:
        heat_engine.validate(f"priv-{run_id}", t.single({"privileged": True}))
    finally:
        heat_engine.apply_config()
