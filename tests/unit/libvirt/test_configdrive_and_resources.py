"""NoCloud config drive contents, and host resource checks/inventory."""

from __future__ import annotations

import base64
import io
import json
import shutil
import types

import pycdlib
import pytest

from nova_docker import exception, objects
from nova_docker.virt.libvirt import configdrive, resources


def _instance(**kw) -> objects.Instance:
    return objects.Instance(display_name="web", **kw)


def test_config_drive_wanted_by_image_or_instance():
    inst = _instance()
    assert configdrive.wants_config_drive(inst, {"img_config_drive": "mandatory"})
    assert not configdrive.wants_config_drive(inst, {"img_config_drive": "optional"})
    assert not configdrive.wants_config_drive(inst, {})
    inst.config_drive = True  # type: ignore[attr-defined]
    assert configdrive.wants_config_drive(inst, {})


def test_user_data_is_base64_decoded():
    inst = _instance(user_data=base64.b64encode(b"#!/bin/sh\necho hi\n").decode())
    assert configdrive.decode_user_data(inst) == b"#!/bin/sh\necho hi\n"
    assert configdrive.decode_user_data(_instance()) == b""


def test_bad_user_data_is_a_clear_error():
    with pytest.raises(exception.Invalid, match="not valid base64"):
        configdrive.decode_user_data(_instance(user_data="%%% not base64"))


def test_meta_data_carries_identity_metadata_and_key():
    inst = _instance(metadata={"role": "db"}, key_data="ssh-ed25519 AAAA test", hostname="h1")
    data = configdrive.meta_data(inst)
    assert data["instance-id"] == inst.uuid
    assert data["local-hostname"] == "h1"
    assert data["meta"] == {"role": "db"}
    assert data["public-keys"] == ["ssh-ed25519 AAAA test"]


def _read(iso, **path) -> bytes:
    out = io.BytesIO()
    iso.get_file_from_iso_fp(out, **path)
    return out.getvalue()


@pytest.mark.parametrize("use_pycdlib", [True, False], ids=["pycdlib", "external-tool"])
def test_make_drive_builds_a_cidata_iso(tmp_path, use_pycdlib):
    inst = _instance(user_data=base64.b64encode(b"first line\n").decode(), metadata={"a": "b"})
    dest = tmp_path / "disk.config"
    if not use_pycdlib and not any(shutil.which(t) for t in configdrive.ISO_TOOLS):
        with pytest.raises(exception.InstanceDeployFailure, match="genisoimage"):
            configdrive.make_drive(inst, str(dest), use_pycdlib=False)
        return
    configdrive.make_drive(inst, str(dest), use_pycdlib=use_pycdlib)
    data = dest.read_bytes()
    assert data[16 * 2048 + 1 : 16 * 2048 + 6] == b"CD001"
    assert data[16 * 2048 + 40 : 16 * 2048 + 72].decode().strip() == "cidata"
    assert dest.stat().st_mode & 0o777 == 0o644
    iso = pycdlib.PyCdlib()
    iso.open(str(dest))
    try:
        # Both the Rock Ridge (Linux) and Joliet names keep the hyphen.
        assert _read(iso, rr_path="/user-data") == b"first line\n"
        assert _read(iso, joliet_path="/user-data") == b"first line\n"
        meta = json.loads(_read(iso, rr_path="/meta-data"))
    finally:
        iso.close()
    assert meta["instance-id"] == inst.uuid and meta["meta"] == {"a": "b"}


def test_bad_user_data_writes_no_drive(tmp_path):
    dest = tmp_path / "disk.config"
    with pytest.raises(exception.Invalid):
        configdrive.make_drive(_instance(user_data="!!"), str(dest))
    assert not dest.exists()


def _res(**kw) -> resources.HostResources:
    args = dict(
        vcpus=4,
        memory_mb=8192,
        free_memory_mb=4096,
        disk_gb=100,
        free_disk_gb=60,
        cpu_info={"arch": "x86_64"},
    )
    args.update(kw)
    return resources.HostResources(**args)


def test_flavor_fits():
    resources.check_flavor_fits(objects.Flavor(memory_mb=7680, vcpus=4, root_gb=100), _res(), 512)


@pytest.mark.parametrize(
    "flavor,match",
    [
        (dict(vcpus=5), "vCPUs"),
        (dict(memory_mb=7681), "RAM"),
        (dict(root_gb=101), "root disk"),
    ],
)
def test_flavor_too_large(flavor, match):
    with pytest.raises(exception.FlavorTooLarge, match=match):
        resources.check_flavor_fits(objects.Flavor(**flavor), _res(), 512)


def test_available_resource_shape():
    out = resources.available_resource(
        _res(),
        nodename="n1",
        hypervisor_type="QEMU",
        hypervisor_version=7002000,
        vcpus_used=3,
        instances=2,
    )
    assert out["memory_mb_used"] == 4096
    assert out["local_gb_used"] == 40
    assert out["hypervisor_hostname"] == "n1"
    assert out["supported_instances"] == [["x86_64", "qemu", "hvm"]]
    assert json.loads(out["cpu_info"]) == {"arch": "x86_64"}
    assert (out["vcpus_used"], out["running_vms"]) == (3, 2)


def test_inventory_uses_the_libvirt_ratios():
    group = types.SimpleNamespace(
        cpu_allocation_ratio=4.0,
        ram_allocation_ratio=1.0,
        disk_allocation_ratio=2.0,
        reserved_host_memory_mb=512,
        reserved_host_disk_mb=1500,
    )
    inv = resources.inventory(_res(), group)
    assert inv["VCPU"]["total"] == 4 and inv["VCPU"]["allocation_ratio"] == 4.0
    assert inv["MEMORY_MB"]["reserved"] == 512
    assert inv["DISK_GB"]["reserved"] == 2  # rounded up to whole GiB
    assert inv["DISK_GB"]["allocation_ratio"] == 2.0
