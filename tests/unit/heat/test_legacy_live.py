"""Old DockerInc::Docker::Container values, and reading live state back."""

from __future__ import annotations

import pytest

from heat_plugins.resources.docker import legacy, live


def test_parse_env():
    assert legacy.parse_env(["A=1", "B=x=y", "C="]) == {"A": "1", "B": "x=y", "C": ""}
    with pytest.raises(ValueError, match="KEY=value"):
        legacy.parse_env(["NOPE"])


def test_translate_ports_all_old_forms():
    ports = legacy.translate_ports(
        ["80", 443, "53/udp", "9000"],
        {
            "80/tcp": [{"HostPort": "8080", "HostIp": "127.0.0.1"}],
            "443": 8443,
            "53/udp": {"HostPort": 5353},
            "22": None,
        },
    )
    assert {"container_port": 80, "protocol": "tcp", "host_ip": "127.0.0.1",
            "host_port": 8080} in ports  # fmt: skip
    assert {"container_port": 443, "protocol": "tcp", "host_ip": None, "host_port": 8443} in ports
    assert {"container_port": 53, "protocol": "udp", "host_ip": None, "host_port": 5353} in ports
    assert {"container_port": 22, "protocol": "tcp", "host_ip": None, "host_port": None} in ports
    assert {"container_port": 9000, "protocol": "tcp", "publish": False} in ports
    assert len(ports) == 5


@pytest.mark.parametrize(
    ("specs", "bindings", "message"),
    [
        (None, {"80/xyz": 1}, "protocol 'xyz'"),
        (None, {"80": [{"HostPort": "99999"}]}, "outside"),
        (None, {"80": {"Port": 1}}, "HostPort/HostIp"),
        (["eighty"], None, "not a port number"),
    ],
)
def test_translate_ports_errors(specs, bindings, message):
    with pytest.raises(ValueError, match=message):
        legacy.translate_ports(specs, bindings)


def test_translate_volumes():
    binds, anonymous = legacy.translate_volumes(
        {"/srv": "/data", "/etc/x": {"bind": "/x", "ro": True}, "/cache": {}}
    )
    assert binds == ["/srv:/data:rw", "/etc/x:/x:ro"]
    assert anonymous == ["/cache"]
    with pytest.raises(ValueError, match="absolute"):
        legacy.translate_volumes({"rel": "/x"})
    with pytest.raises(ValueError, match="container path"):
        legacy.translate_volumes({"/a": 5})


def test_translate_full_template():
    data = legacy.translate(
        {
            "image": "busybox",
            "cmd": ["sleep", "1"],
            "env": ["A=1"],
            "restart_policy": {"Name": "on-failure", "MaximumRetryCount": 2},
            "cpu_set": "0",
            "memory": 1024,
            "links": {"db": "database"},
            "port_specs": None,
            "port_bindings": None,
            "volumes": {},
        }
    )
    assert data["command"] == ["sleep", "1"]
    assert data["env"] == {"A": "1"}
    assert data["restart_policy"] == {"name": "on-failure", "maximum_retry_count": 2}
    assert data["cpuset_cpus"] == "0" and data["memory"] == 1024
    assert data["links"] == {"db": "database"}


INFO = {
    "Id": "abc",
    "Name": "/web-1",
    "State": {"Status": "running", "Health": {"Status": "healthy"}},
    "HostConfig": {
        "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 3},
        "CpuShares": 256,
        "Memory": 96 * 1024 * 1024,
        "MemorySwap": -1,
        "CpusetCpus": "",
    },
    "NetworkSettings": {
        "IPAddress": "",
        "Gateway": "",
        "Ports": {
            "8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": "32768"}],
            "53/udp": [{"HostIp": "127.0.0.1", "HostPort": "5353"}],
            "9000/tcp": None,
        },
        "Networks": {
            "front": {"NetworkID": "n1", "IPAddress": "172.18.0.2", "Gateway": "172.18.0.1"},
        },
    },
}


def test_attributes():
    assert live.container_attribute("network_tcp_ports", INFO) == "32768"
    assert live.container_attribute("network_udp_ports", INFO) == "5353"
    assert live.container_attribute("network_ip", INFO) == "172.18.0.2"
    assert live.container_attribute("network_gateway", INFO) == "172.18.0.1"
    assert live.container_attribute("health_status", INFO) == "healthy"
    assert live.container_attribute("name", INFO) == "web-1"
    assert live.container_attribute("status", INFO) == "running"
    assert live.container_attribute("network_info", INFO)["TcpPorts"] == "32768"
    assert live.container_attribute("health_status", {"State": {}}) == "none"


def test_live_properties_keep_equivalent_stored_values():
    stored = {
        "name": "web-1",
        "restart_policy": {"name": "on-failure", "maximum_retry_count": 3},
        "memory": "96m",
        "memory_swap": None,
        "networks": [{"network": "n1", "aliases": ["w"]}],
    }
    result = live.container_properties(stored, INFO)
    assert result["name"] == "web-1"
    assert result["memory"] == "96m"
    assert result["cpu_shares"] == 256
    assert result["restart_policy"] == {"name": "on-failure", "maximum_retry_count": 3}
    assert result["networks"] == [{"network": "n1", "aliases": ["w"]}]


def test_live_properties_report_drift():
    stored = {"name": "other", "memory": "64m", "networks": [{"network": "gone"}]}
    result = live.container_properties(stored, INFO)
    assert result["name"] == "web-1"
    assert result["memory"] == 96 * 1024 * 1024
    assert result["networks"] == [
        {"network": "front", "aliases": None, "ipv4_address": None, "ipv6_address": None}
    ]
    # No name in the template: Heat chose it, so it is not reported.
    assert "name" not in live.container_properties({"name": None}, INFO)
