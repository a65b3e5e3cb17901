"""Driver loading, deadlines, address parsing, names, label parsing and swarm polling."""

from __future__ import annotations

import time

import pytest
import requests

from magnum_lite.common import exception
from magnum_lite.drivers import base
from magnum_lite.drivers.swarm_mode import driver as driver_mod
from magnum_lite.drivers.swarm_mode import nodes, preload, swarm
from nova_docker import exception as nd_exception


def test_list_provides_names_swarm_mode():
    provides = base.list_provides()
    assert {
        "server_type": "container", "os": "debian", "coe": "swarm-mode", "driver": "swarm_mode",
    } in provides  # fmt: skip


def test_get_driver_by_type_by_template_and_by_name():
    assert base.get_driver_class("container", "debian", "swarm-mode") is driver_mod.SwarmModeDriver
    assert base.get_driver_class("container", None, "swarm-mode") is driver_mod.SwarmModeDriver
    tpl = {"server_type": "container", "coe": "swarm-mode", "cluster_distro": None}
    assert isinstance(base.get_driver_for_template(tpl), driver_mod.SwarmModeDriver)
    assert base.get_driver_class("vm", None, "kubernetes", name="swarm_mode") is (
        driver_mod.SwarmModeDriver
    )


def test_unknown_cluster_type_is_not_supported():
    with pytest.raises(exception.NotSupported, match="kubernetes"):
        base.get_driver_class("vm", "fedora", "kubernetes")


def test_constructor_tolerates_missing_collaborators():
    drv = driver_mod.SwarmModeDriver(None)
    assert drv.db is None and drv.compute is None


def test_check_deadline():
    base.check_deadline(time.monotonic() + 10, "step")
    base.check_deadline(None, "step")
    with pytest.raises(exception.ClusterTimeout, match="before step"):
        base.check_deadline(time.monotonic() - 1, "step")


def test_parse_addresses():
    found = {
        "networks": {"bay-net": {"ip": "10.1.0.2", "mac": None}},
        "ports": {"2376/tcp": [["0.0.0.0", "49153"]]},
    }
    got = nodes.parse_addresses(found, "bay-net", "i-1")
    assert got["ip"] == "10.1.0.2" and got["api"] == "tcp://127.0.0.1:49153"


def test_parse_addresses_without_published_port_names_the_property():
    found = {"networks": {"bay-net": {"ip": "10.1.0.2"}}, "ports": {}}
    with pytest.raises(nd_exception.InstanceDeployFailure, match="stackdock_publish_ports"):
        nodes.parse_addresses(found, "bay-net", "i-1")


def test_parse_addresses_without_bay_ip():
    found = {"networks": {"other": {"ip": "10.1.0.2"}}, "ports": {"2376/tcp": [["1", "2"]]}}
    with pytest.raises(nd_exception.InstanceDeployFailure, match="no address on network"):
        nodes.parse_addresses(found, "bay-net", "i-1")


def test_node_name_is_dns_safe_and_short():
    cluster = type("C", (), {"name": "My_Bay.with.dots" + "x" * 80})()
    name = nodes.node_name(cluster, "worker", "0123456789abcdef")
    assert len(name) <= 63 and name.endswith("-worker-01234567")
    assert all(c.isalnum() or c == "-" for c in name) and name == name.lower()


def test_network_name(conf):
    conf.config(group="swarm", network_prefix="p-")
    assert nodes.network_name("u1") == "p-u1"


@pytest.mark.parametrize(
    ("value", "want"),
    [
        (None, []),
        ("", []),
        ("a:1", ["a:1"]),
        ("a:1,b:2 a:1", ["a:1", "b:2"]),
        (" a , b ", ["a", "b"]),
    ],
)
def test_preload_label(value, want):
    assert preload.wanted({"preload_images": value} if value is not None else {}) == want


def test_poll_returns_first_truthy_value():
    seq = iter([None, 0, "done"])
    assert swarm.poll("x", lambda: next(seq), time.monotonic() + 5, 0.001) == "done"


def test_poll_times_out_with_last_error():
    def fail():
        raise requests.exceptions.ConnectionError("refused")

    with pytest.raises(exception.ClusterTimeout, match="refused"):
        swarm.poll("engine up", fail, time.monotonic() + 0.05, 0.01)


def test_poll_fails_fast_on_certificate_errors():
    calls = []

    def bad_ca():
        calls.append(1)
        raise requests.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] nope")

    with pytest.raises(requests.exceptions.SSLError):
        swarm.poll("engine up", bad_ca, time.monotonic() + 30, 0.01)
    assert calls == [1]


def test_tls_files_are_private_and_removed():
    import os
    import stat

    with swarm.TLSFiles("ca", "cert", "key") as tls:
        assert stat.S_IMODE(os.stat(tls.dir).st_mode) == 0o700
        assert stat.S_IMODE(os.stat(tls.key).st_mode) == 0o600
        assert open(tls.cert).read() == "cert"
    assert not os.path.exists(tls.dir)


def test_flavor_follows_options(conf):
    conf.config(group="swarm", node_vcpus=2, node_memory_mb=2048, node_pids_limit=0)
    f = nodes.flavor()
    assert f["vcpus"] == 2 and f["memory_mb"] == 2048
    assert f["extra_specs"]["stackdock:pids_limit"] == "0"
