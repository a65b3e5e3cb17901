"""Pure translation of instances, images and VIFs into engine arguments."""

from __future__ import annotations

import pytest

import nova_docker.conf  # noqa: F401  (registers [docker])
from nova_docker import exception, objects
from nova_docker.virt.docker import nested, spec


def image(**props):
    return objects.ImageMeta.from_dict(
        {"id": "img-1", "name": "busy:1", "container_format": "docker", "properties": props}
    )


def test_flavor_limits_nano_cpus(conf):
    flavor = objects.Flavor(memory_mb=256, vcpus=2, swap=128)
    limits = spec.flavor_limits(flavor, conf.conf)
    assert limits == {
        "mem_limit": 256 * spec.MIB,
        "memswap_limit": (256 + 128) * spec.MIB,
        "nano_cpus": 2_000_000_000,
        "pids_limit": 4096,
    }


def test_flavor_limits_shares_and_pids_override(conf):
    conf.config(group="docker", cpu_limit="shares", pids_limit=0)
    flavor = objects.Flavor(memory_mb=0, vcpus=3, extra_specs={"stackdock:pids_limit": "99"})
    assert spec.flavor_limits(flavor, conf.conf) == {"cpu_shares": 3072, "pids_limit": 99}
    conf.config(group="docker", cpu_limit="none")
    assert "nano_cpus" not in spec.flavor_limits(flavor, conf.conf)
    with pytest.raises(exception.Invalid):
        bad = objects.Flavor(extra_specs={"stackdock:pids_limit": "lots"})
        spec.flavor_limits(bad, conf.conf)


def test_check_flavor_fits():
    spec.check_flavor_fits(objects.Flavor(vcpus=2, memory_mb=100), 2, 100)
    with pytest.raises(exception.FlavorTooLarge, match="vCPUs"):
        spec.check_flavor_fits(objects.Flavor(vcpus=3, memory_mb=100), 2, 100)
    with pytest.raises(exception.FlavorTooLarge, match="memory"):
        spec.check_flavor_fits(objects.Flavor(vcpus=1, memory_mb=101), 2, 100)


def test_parse_vif_full_and_minimal():
    vif = spec.parse_vif(
        {
            "id": "p1",
            "address": "02:00:00:00:00:01",
            "network": {
                "label": "net-a",
                "subnets": [
                    {"ips": [{"address": "fd00::5"}]},
                    {"ips": [{"address": "10.0.0.5"}, {"address": "10.0.0.6"}]},
                ],
            },
        }
    )
    assert vif == spec.Vif("p1", "net-a", "02:00:00:00:00:01", "10.0.0.5", "fd00::5")
    assert spec.parse_vif({"id": "p2", "network": {"label": "b"}}) == spec.Vif("p2", "b")


@pytest.mark.parametrize("bad", [{}, {"network": {}}, {"network": {"label": ""}}, None])
def test_parse_vif_without_network_label(bad):
    with pytest.raises(exception.Invalid):
        spec.parse_vif(bad)


def test_network_info_rejects_same_network_twice():
    vif = {"id": "x", "network": {"label": "n"}}
    with pytest.raises(exception.Invalid, match="twice"):
        spec.parse_network_info([vif, dict(vif, id="y")])


def test_labels(conf):
    conf.config(group="docker", labels={"host": "c1"})
    inst = objects.Instance(display_name="web", metadata={"role": "db"})
    labels = spec.instance_labels(inst, conf.conf)
    assert labels["host"] == "c1"
    assert labels["stackdock.meta.role"] == "db"
    assert labels["stackdock.managed"] == "true"
    assert labels["stackdock.instance_uuid"] == inst.uuid
    assert labels["stackdock.instance_name"] == inst.name
    assert labels["stackdock.flavor.memory_mb"] == "512"


def test_metadata_cannot_override_identity_labels(conf):
    inst = objects.Instance(metadata={"x": "y"})
    conf.config(group="docker", labels={"stackdock.instance_uuid": "forged"})
    assert spec.instance_labels(inst, conf.conf)["stackdock.instance_uuid"] == inst.uuid


def test_image_ref_rules():
    assert spec.image_ref(image()) == "busy:1"
    assert spec.image_ref(image(docker_image="other:2")) == "other:2"
    bare = objects.ImageMeta.from_dict({"id": "i", "container_format": "bare"})
    with pytest.raises(exception.ImageUnacceptable, match="container_format"):
        spec.image_ref(bare)
    nameless = objects.ImageMeta.from_dict({"id": "i", "container_format": "docker"})
    with pytest.raises(exception.ImageUnacceptable, match="names no Docker image"):
        spec.image_ref(nameless)


def test_ports_and_env():
    assert spec.parse_ports("2376/tcp, 80,53/udp") == ["2376/tcp", "80/tcp", "53/udp"]
    for bad in ("http", "0/tcp", "70000", "80/icmp"):
        with pytest.raises(exception.ImageUnacceptable):
            spec.parse_ports(bad)
    assert spec.parse_env('{"A": 1, "B": null}') == {"A": "1", "B": ""}
    for bad in ("[1]", "{nope"):
        with pytest.raises(exception.ImageUnacceptable):
            spec.parse_env(bad)


def test_build_full_spec(conf):
    conf.config(group="docker", publish_host="127.0.0.2")
    inst = objects.Instance(hostname="node-1", flavor=objects.Flavor(memory_mb=64, vcpus=1))
    image_meta = image(
        os_command_line="dockerd --debug 'a b'",
        stackdock_publish_ports="2376/tcp",
        stackdock_nested_docker="True",
        stackdock_env='{"X": "1"}',
    )
    vifs = [
        {"id": "1", "address": "02:00:00:00:00:09", "network": {"label": "n1"}},
        {"id": "2", "network": {"label": "n2"}},
    ]
    result = spec.build(inst, image_meta, vifs, conf.conf)
    assert result.name == f"nova-{inst.uuid}"
    assert result.command == ["dockerd", "--debug", "a b"]
    assert result.environment == {"X": "1"}
    assert result.host_config["port_bindings"] == {"2376/tcp": ("127.0.0.2", None)}
    assert result.host_config["network_mode"] == "n1"
    assert result.host_config["cap_drop"] == ["SYS_RESOURCE"]
    assert "privileged" not in result.host_config
    assert result.first_vif.mac == "02:00:00:00:00:09"
    assert [v.network for v in result.other_vifs] == ["n2"]
    assert result.hostname == "node-1"


def test_build_default_network_and_privileged(conf):
    inst = objects.Instance()
    result = spec.build(inst, image(), None, conf.conf)
    assert "network_mode" not in result.host_config
    assert result.command is None
    conf.config(group="docker", default_network="sdnet")
    assert spec.build(inst, image(), [], conf.conf).host_config["network_mode"] == "sdnet"
    with pytest.raises(exception.ImageUnacceptable, match="privileged"):
        spec.build(inst, image(stackdock_privileged="true"), None, conf.conf)
    conf.config(group="docker", privileged=True)
    result = spec.build(inst, image(stackdock_privileged="true"), None, conf.conf)
    assert result.host_config["privileged"] is True


def test_nested_recipe():
    args = nested.host_config_args()
    assert args["security_opt"] == ["seccomp=unconfined", "apparmor=unconfined"]
    assert args["device_cgroup_rules"] == ["a *:* rwm"]
    assert args["tmpfs"] == {"/run": ""}
    assert "privileged" not in args
    assert nested.wanted("yes") and nested.wanted(True) and not nested.wanted("false")
