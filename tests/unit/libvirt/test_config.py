"""The domain XML builder: render, parse back, assert the elements."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from nova_docker.virt.libvirt import config

NS = "{" + config.METADATA_NS + "}"


def _guest(**kw) -> config.GuestConfig:
    args = dict(
        name="instance-abc",
        uuid="6f1ed002-ab5d-42c6-aa4a-b2f4ad4f8c4e",
        virt_type="qemu",
        memory_mb=192,
        vcpus=2,
        metadata=config.InstanceMetadata(
            uuid="6f1ed002-ab5d-42c6-aa4a-b2f4ad4f8c4e",
            name="instance-abc",
            display_name="web 1",
            host="compute-1",
            image_id="img-1",
            kernel_id="k-1",
            ramdisk_id="r-1",
            flavor_name="m1.tiny",
            memory_mb=192,
            vcpus=2,
            root_gb=1,
        ),
        kernel="/base/k",
        ramdisk="/base/r",
        cmdline="console=ttyS0 quiet",
        disks=[
            config.GuestDisk("/inst/disk", "vda"),
            config.GuestDisk(
                "/inst/disk.config", "hdd", "ide", "raw", device="cdrom", readonly=True
            ),
        ],
        serial_log=config.GuestSerialLog("/inst/console.log"),
    )
    args.update(kw)
    return config.GuestConfig(**args)


def test_domain_basics():
    dom = ET.fromstring(_guest().to_xml())
    assert dom.tag == "domain" and dom.get("type") == "qemu"
    assert dom.findtext("name") == "instance-abc"
    assert dom.findtext("uuid") == "6f1ed002-ab5d-42c6-aa4a-b2f4ad4f8c4e"
    assert dom.find("memory").get("unit") == "KiB"
    assert dom.findtext("memory") == str(192 * 1024)
    assert dom.findtext("vcpu") == "2"
    assert dom.find("features/acpi") is not None
    assert dom.findtext("on_poweroff") == "destroy"
    assert dom.find("cpu") is None  # mode none by default


def test_direct_kernel_boot():
    os_el = ET.fromstring(_guest().to_xml()).find("os")
    assert os_el.find("type").text == "hvm"
    assert os_el.findtext("kernel") == "/base/k"
    assert os_el.findtext("initrd") == "/base/r"
    assert os_el.findtext("cmdline") == "console=ttyS0 quiet"
    assert os_el.find("boot") is None


def test_bios_boot_without_kernel():
    os_el = ET.fromstring(_guest(kernel=None, ramdisk=None, cmdline=None).to_xml()).find("os")
    assert os_el.find("kernel") is None
    assert os_el.find("boot").get("dev") == "hd"


def test_disks_and_serial():
    devices = ET.fromstring(_guest().to_xml()).find("devices")
    root, cdrom = devices.findall("disk")
    assert root.get("device") == "disk" and root.get("type") == "file"
    assert root.find("driver").attrib == {"name": "qemu", "type": "qcow2"}
    assert root.find("source").get("file") == "/inst/disk"
    assert root.find("target").attrib == {"dev": "vda", "bus": "virtio"}
    assert root.find("readonly") is None
    assert cdrom.get("device") == "cdrom"
    assert cdrom.find("driver").get("type") == "raw"
    assert cdrom.find("target").attrib == {"dev": "hdd", "bus": "ide"}
    assert cdrom.find("readonly") is not None
    serial = devices.find("serial")
    assert serial.get("type") == "file"
    assert serial.find("source").attrib == {"path": "/inst/console.log", "append": "on"}
    assert serial.find("target").get("port") == "0"
    assert devices.find("memballoon").get("model") == "none"


def test_disk_cache_mode():
    disk = config.GuestDisk("/d", "vda", cache="none").to_element()
    assert disk.find("driver").get("cache") == "none"
    assert (
        config.GuestDisk("/d", "vda", cache="default").to_element().find("driver").get("cache")
        is None
    )


@pytest.mark.parametrize(
    "mode,model,expected",
    [
        ("host-model", None, {"mode": "host-model"}),
        ("host-passthrough", None, {"mode": "host-passthrough"}),
        ("custom", "Haswell", {"mode": "custom", "match": "exact"}),
    ],
)
def test_cpu_modes(mode, model, expected):
    dom = ET.fromstring(_guest(cpu=config.GuestCPU(mode, model)).to_xml())
    cpu = dom.find("cpu")
    assert cpu.attrib == expected
    if mode == "custom":
        assert cpu.findtext("model") == "Haswell"


def test_metadata_element_is_namespaced():
    dom = ET.fromstring(_guest().to_xml())
    inst = dom.find(f"metadata/{NS}instance")
    assert inst.get("uuid") == "6f1ed002-ab5d-42c6-aa4a-b2f4ad4f8c4e"
    assert inst.get("name") == "instance-abc"
    assert inst.get("display-name") == "web 1"
    assert inst.get("host") == "compute-1"
    assert inst.find(f"{NS}flavor").get("memory_mb") == "192"
    image = inst.find(f"{NS}image")
    assert image.attrib == {"id": "img-1", "kernel_id": "k-1", "ramdisk_id": "r-1"}
    assert "stackdock:instance" in _guest().to_xml()


def test_metadata_round_trip_as_libvirt_returns_it():
    meta = _guest().metadata
    # virDomainGetMetadata drops the namespace of the element it returns.
    bare = (
        meta.to_xml()
        .replace("stackdock:", "")
        .replace(f' xmlns:stackdock="{config.METADATA_NS}"', "")
    )
    assert config.InstanceMetadata.from_xml(bare) == meta
    assert config.InstanceMetadata.from_xml(meta.to_xml()) == meta


def test_metadata_rejects_other_elements():
    with pytest.raises(ValueError):
        config.InstanceMetadata.from_xml('<other uuid="x" name="y"/>')
    with pytest.raises(ValueError):
        config.InstanceMetadata.from_xml('<n:instance xmlns:n="urn:else" uuid="x" name="y"/>')


def test_find_disk():
    xml = _guest().to_xml()
    assert config.find_disk(xml, "vda") == ("/inst/disk", "qcow2")
    assert config.find_disk(xml, "hdd") == ("/inst/disk.config", "raw")
    assert config.find_disk(xml, "vdz") is None
