"""State mapping, injected-file archives and host reports."""

from __future__ import annotations

import io
import json
import tarfile

import pytest

from nova_docker import exception
from nova_docker.virt import power_state
from nova_docker.virt.docker import files, host, networks, state


@pytest.mark.parametrize(
    "engine_state,suspended,expected",
    [
        ({"Running": True, "Paused": False}, False, power_state.RUNNING),
        ({"Running": True, "Paused": True}, False, power_state.PAUSED),
        ({"Running": True, "Paused": True}, True, power_state.SUSPENDED),
        ({"Running": False, "Status": "exited"}, False, power_state.SHUTDOWN),
        ({"Running": False, "Status": "created"}, False, power_state.SHUTDOWN),
        ({"Running": False, "Dead": True}, False, power_state.CRASHED),
        ({"Restarting": True}, False, power_state.RUNNING),
        ("running", False, power_state.RUNNING),
        ("paused", False, power_state.PAUSED),
        ("dead", False, power_state.CRASHED),
        ("weird", False, power_state.NOSTATE),
        (None, False, power_state.NOSTATE),
    ],
)
def test_power_state_mapping(engine_state, suspended, expected):
    assert state.power_state_of(engine_state, suspended) == expected


def test_instance_info_from_inspect_and_stats():
    attrs = {
        "Id": "abc",
        "State": {"Running": True},
        "HostConfig": {"Memory": 64 * 1024 * 1024, "NanoCpus": 2_000_000_000},
    }
    stats = {
        "memory_stats": {"usage": 10 * 1024 * 1024, "stats": {"cache": 2 * 1024 * 1024}},
        "cpu_stats": {"cpu_usage": {"total_usage": 123456}},
    }
    info = state.instance_info(attrs, stats)
    assert info.state == power_state.RUNNING
    assert info.max_mem_kb == 64 * 1024
    assert info.mem_kb == 8 * 1024
    assert info.num_cpu == 2
    assert info.cpu_time_ns == 123456
    assert info.internal_id == "abc"
    unlimited = state.instance_info(
        {"State": {}, "HostConfig": {}}, {"memory_stats": {"limit": 4096}}
    )
    assert unlimited.max_mem_kb == 4


def test_reconcile_report():
    containers = [
        {
            "Id": "1",
            "Names": ["/nova-a"],
            "State": "running",
            "Labels": {"stackdock.instance_uuid": "a", "stackdock.instance_name": "instance-a"},
        },
        {
            "Id": "2",
            "Names": ["/nova-b"],
            "State": "exited",
            "Labels": {"stackdock.instance_uuid": "b"},
        },
        {"Id": "3", "Names": ["/odd"], "State": "running", "Labels": {}},
    ]
    report = state.reconcile(containers, {"a"})
    assert report["unknown"] == ["b"]
    assert report["unlabelled"] == ["odd"]
    assert report["instances"]["a"]["power_state"] == power_state.RUNNING
    assert report["instances"]["b"]["power_state"] == power_state.SHUTDOWN
    assert state.reconcile(containers)["unknown"] == ["a", "b"]


def test_injected_files_tarball_has_parents_and_modes():
    collected = files.collect(
        [("/etc/a/b.txt", "hi"), ("rel/c", b"\x00"), ("/etc/a/key.pem", "k", 0o600)], "ssh-rsa K"
    )
    tar = tarfile.open(fileobj=io.BytesIO(files.tarball(collected)))
    members = {m.name: m for m in tar.getmembers()}
    assert members["etc"].isdir() and members["etc/a"].isdir()
    assert tar.extractfile("etc/a/b.txt").read() == b"hi"
    assert tar.extractfile("rel/c").read() == b"\x00"
    assert members["etc/a/b.txt"].mode == 0o644
    assert members["etc/a/key.pem"].mode == 0o600
    assert members["root/.ssh"].mode == 0o700
    assert members["root/.ssh/authorized_keys"].mode == 0o600
    assert tar.extractfile("root/.ssh/authorized_keys").read() == b"ssh-rsa K\n"


@pytest.mark.parametrize(
    "bad",
    [
        [("/a/../etc/passwd", "x")],
        [("", "x")],
        [("/", "x")],
        [("/a", 5)],
        ["nopair"],
        [("/a", "x", "0600")],
        [("/a", "x", 0o600, 1)],
    ],
)
def test_injected_files_bad_input(bad):
    with pytest.raises(exception.Invalid):
        files.collect(bad)


def test_host_reports():
    assert host.version_int("20.10.24+dfsg1") == 20010024
    assert host.version_int("27.1") == 27001000
    info = {"NCPU": 4, "MemTotal": 8 * 1024**3, "Architecture": "x86_64", "DockerRootDir": "/"}
    containers = [
        {"Labels": {"stackdock.flavor.vcpus": "2", "stackdock.flavor.memory_mb": "512"}},
        {"Labels": {"stackdock.flavor.vcpus": "bad"}},
    ]
    res = host.available_resource(info, {"Version": "20.10.1"}, containers, "node")
    assert res["vcpus"] == 4 and res["memory_mb"] == 8192
    assert res["vcpus_used"] == 2 and res["memory_mb_used"] == 512
    assert res["hypervisor_type"] == "docker" and res["hypervisor_hostname"] == "node"
    assert json.loads(res["cpu_info"])["topology"]["cores"] == 4
    assert res["local_gb"] > 0


def test_addresses_from_inspect():
    attrs = {
        "NetworkSettings": {
            "Networks": {"n1": {"IPAddress": "10.0.0.2", "MacAddress": "02:00:00:00:00:02"}},
            "Ports": {"2376/tcp": [{"HostIp": "127.0.0.1", "HostPort": "49153"}], "9/udp": None},
        }
    }
    assert networks.addresses(attrs) == {
        "networks": {"n1": {"ip": "10.0.0.2", "mac": "02:00:00:00:00:02", "ipv6": None}},
        "ports": {"2376/tcp": [["127.0.0.1", "49153"]]},
    }
