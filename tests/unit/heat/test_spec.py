"""Translation of container properties into Docker Engine API arguments."""

from __future__ import annotations

import pytest

from heat_plugins.resources.docker import spec


@pytest.mark.parametrize(
    "image",
    ["busybox", "stackdock/busybox:latest", "registry.local:5000/a/b:1.0",
     "a/b@sha256:" + "ab" * 32, "my_image-2.x:v1"],
)  # fmt: skip
def test_valid_image_references(image):
    assert spec.check_image(image) == image


@pytest.mark.parametrize("image", ["", "Not A/Valid::Image", "UPPER/case", "a:b:c", "x/:tag"])
def test_invalid_image_references(image):
    with pytest.raises(ValueError, match="not a valid image reference"):
        spec.check_image(image)


def test_image_with_tag_adds_latest_only_when_missing():
    assert spec.image_with_tag("busybox") == "busybox:latest"
    assert spec.image_with_tag("host:5000/busybox") == "host:5000/busybox:latest"
    assert spec.image_with_tag("busybox:1") == "busybox:1"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), (0, None), (1024, 1024), ("64m", 64 * 1024**2),
     ("1g", 1024**3), ("512k", 512 * 1024), ("100", 100), ("2GiB", 2 * 1024**3)],
)  # fmt: skip
def test_parse_memory(value, expected):
    assert spec.parse_memory(value) == expected


@pytest.mark.parametrize("value", ["lots", "1t", "-5", -1])
def test_parse_memory_refuses_nonsense(value):
    with pytest.raises(ValueError):
        spec.parse_memory(value)


def test_build_ports_defaults_and_publishing():
    exposed, bindings = spec.build_ports(
        [
            {"container_port": 80},
            {"container_port": 53, "protocol": "udp", "host_port": 5353, "host_ip": "::1"},
            {"container_port": 9000, "publish": False},
        ],
        "127.0.0.1",
    )
    assert exposed == [80, (53, "udp"), 9000]
    assert bindings == {"80/tcp": [("127.0.0.1", None)], "53/udp": [("::1", 5353)]}


def test_build_ports_refuses_duplicates_and_bad_numbers():
    with pytest.raises(ValueError, match="published twice"):
        spec.build_ports(
            [{"container_port": 1, "host_port": 80}, {"container_port": 2, "host_port": 80}],
            "0.0.0.0",
        )
    with pytest.raises(ValueError, match="outside 1-65535"):
        spec.build_ports([{"container_port": 0}], "0.0.0.0")
    with pytest.raises(ValueError, match="protocol"):
        spec.build_ports([{"container_port": 1, "protocol": "icmp"}], "0.0.0.0")


def test_split_port_key():
    assert spec.split_port_key("80") == (80, "tcp")
    assert spec.split_port_key(" 53/UDP ") == (53, "udp")
    with pytest.raises(ValueError, match="not a port number"):
        spec.split_port_key("http")


def test_build_devices():
    assert spec.build_devices([{"path_on_host": "/dev/null"}]) == ["/dev/null:/dev/null:rwm"]
    assert spec.build_devices(
        [{"path_on_host": "/dev/a", "path_in_container": "/dev/b", "permissions": "r"}]
    ) == ["/dev/a:/dev/b:r"]
    for bad, message in [
        ({"path_on_host": "dev/null"}, "absolute"),
        ({"path_on_host": "/dev/a", "path_in_container": "b"}, "absolute"),
        ({"path_on_host": "/dev/a", "permissions": "rr"}, "combine"),
        ({"path_on_host": "/dev/a", "permissions": "x"}, "combine"),
        ({"path_on_host": "/dev/a:b"}, "':'"),
    ]:
        with pytest.raises(ValueError, match=message):
            spec.build_devices([bad])


def test_build_mounts():
    mounts = spec.build_mounts(
        [
            {"type": "volume", "source": "data", "target": "/data", "read_only": True},
            {"type": "bind", "source": "/srv", "target": "/srv"},
            {"type": "tmpfs", "target": "/run"},
        ]
    )
    assert [(m["Type"], m["Source"], m["Target"], m["ReadOnly"]) for m in mounts] == [
        ("volume", "data", "/data", True),
        ("bind", "/srv", "/srv", False),
        ("tmpfs", None, "/run", False),
    ]
    with pytest.raises(ValueError, match="used twice"):
        spec.build_mounts([{"target": "/a"}, {"target": "/a"}])
    with pytest.raises(ValueError, match="absolute host path"):
        spec.build_mounts([{"type": "bind", "source": "rel", "target": "/a"}])
    with pytest.raises(ValueError, match="takes no source|take no source"):
        spec.build_mounts([{"type": "tmpfs", "source": "x", "target": "/a"}])


def test_build_healthcheck_in_nanoseconds():
    assert spec.build_healthcheck(None) is None
    check = spec.build_healthcheck({"test": "true", "interval": 0.5, "retries": 3})
    assert check == {"test": ["CMD-SHELL", "true"], "interval": 500_000_000, "retries": 3}
    assert spec.build_healthcheck({"test": ["wget", "x"]})["test"] == ["CMD", "wget", "x"]


def test_restart_policy():
    assert spec.build_restart_policy(None) is None
    assert spec.build_restart_policy({"name": "on-failure", "maximum_retry_count": 2}) == {
        "Name": "on-failure",
        "MaximumRetryCount": 2,
    }
    with pytest.raises(ValueError, match="only applies"):
        spec.build_restart_policy({"name": "always", "maximum_retry_count": 2})
    with pytest.raises(ValueError, match="not one of"):
        spec.build_restart_policy({"name": "sometimes"})


def test_resource_limits_pin_swap():
    assert spec.resource_limits({"memory": "64m", "cpu_shares": 512}) == {
        "cpu_shares": 512,
        "mem_limit": 64 * 1024**2,
        "memswap_limit": -1,
    }
    assert spec.resource_limits({"memory": "64m", "memory_swap": "128m"})["memswap_limit"] == (
        128 * 1024**2
    )
    with pytest.raises(ValueError, match="memory_swap"):
        spec.resource_limits({"memory": "64m", "memory_swap": "32m"})


def test_privileged_needs_the_operator():
    spec.check_security({"privileged": True}, allow_privileged=True)
    with pytest.raises(ValueError, match="allow_privileged"):
        spec.check_security({"privileged": True}, allow_privileged=False)


def test_container_and_host_config():
    data = {
        "image": "busybox",
        "command": ["sleep", "1"],
        "env": {"A": 1, "B": None},
        "ports": [{"container_port": 80, "host_port": 8080}],
        "restart_policy": {"name": "always"},
        "read_only": True,
        "logging": {"driver": "json-file", "options": {"max-size": "1m"}},
        "stop_timeout": 3,
    }
    config = spec.container_config(data, "n1", {"k": "v"}, "127.0.0.1")
    assert config["environment"] == {"A": "1", "B": ""}
    assert config["ports"] == [80]
    assert config["name"] == "n1" and config["labels"] == {"k": "v"}
    assert config["stop_timeout"] == 3 and config["detach"] is True
    host = spec.host_config(data, "127.0.0.1")
    assert host["port_bindings"] == {"80/tcp": [("127.0.0.1", 8080)]}
    assert host["restart_policy"] == {"Name": "always", "MaximumRetryCount": 0}
    assert host["read_only"] is True
    assert host["log_config"]["Type"] == "json-file"


def test_validate_collects_every_rule():
    spec.validate({"image": "busybox"}, False, "0.0.0.0")
    with pytest.raises(ValueError, match="name"):
        spec.validate({"image": "busybox", "name": "bad name"}, False, "0.0.0.0")
    with pytest.raises(ValueError, match="image_pull_policy"):
        spec.validate({"image": "busybox", "image_pull_policy": "sometimes"}, False, "0.0.0.0")
